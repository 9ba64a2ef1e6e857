import type { BusinessHoursCalendar, CaseStatus, CaseView } from '../model/index.js';
import type { Channel } from '@omnitrail/events';

/** SLA targets of a case: the latest `SlaApplied` replaces the earlier ones. */
export interface SlaTargets {
  policyId: string;
  appliedAt: number;
  firstResponseMs?: number;
  nextResponseMs?: number;
  resolutionMs?: number;
  /** The tenant's business-hours calendar when the policy was applied, if any. */
  calendar?: BusinessHoursCalendar;
}

/** The cases projection's own record of a case: the shared `CaseView` plus cycles, clocks and facts. */
export interface CaseRecord extends CaseView {
  channels: Set<Channel>;
  /** Start of the current cycle (opening, then each reopening). */
  cycleStart: number;
  /** Start of the first-response clock; `null` until it starts (bot cases wait for a handoff). */
  firstResponseClockStart: number | null;
  /** Had any `CaseEscalated` (bot containment). */
  escalated: boolean;
  /** Got at least one public agent reply. */
  agentReplied: boolean;
  /** A customer message came after its first public agent reply (FCR). */
  customerMessageAfterFirstReply: boolean;
  /** Instants of every `CaseResolved` that ended a cycle. */
  resolutions: number[];
  /**
   * Instants the case left or re-entered the open statuses (`isOpenCaseStatus`), in order: open from
   * `openedAt`, not open from the 1st, open again from the 2nd… (the report's backlog series).
   */
  openStatusChanges: number[];
  /** Status before a pause (`pending_customer`/`on_hold`) started, or `null` when not paused. */
  pausedSince: number | null;
  /** Pause intervals of the current cycle as flat `[from, to, from, to…]` (resolution SLA). */
  pauses: number[];
  /** Ended waiting episodes as flat `[waitingSince, end, replied (1/0)…]` (next-response SLA). */
  episodes: number[];
  sla: SlaTargets | undefined;
  /**
   * The resolution target of every cycle a `CaseResolved` ended while an SLA with a resolution target applied,
   * as flat `[missed (1/0), dueAt, settledAt…]`: a reopening starts a new cycle and forgets the old one's pauses.
   */
  resolutionOutcomes: number[];
  /** When it was merged into another case. */
  mergedAt?: number;
}

/** Flat sample columns: instant of the completing event and the duration (ms). */
export interface Samples {
  at: number[];
  ms: number[];
}

/** The cases projection of one tenant. Plain data; copy it with `cloneCasesState`. */
export interface CasesState {
  cases: Map<string, CaseRecord>;
  byCustomer: Map<string, CaseRecord[]>;
  firstResponse: Samples;
  reply: Samples;
  resolution: Samples;
  anomalies: { eventId: string; reason: string }[];
}

/** A fresh, empty cases projection. */
export function createCasesState(): CasesState {
  return {
    cases: new Map(),
    byCustomer: new Map(),
    firstResponse: { at: [], ms: [] },
    reply: { at: [], ms: [] },
    resolution: { at: [], ms: [] },
    anomalies: [],
  };
}

/**
 * A case record the live engine packed into bytes (live/packed-cases) answers this with a new record equal to
 * it; its fields read through getters that unpack it. The fold changes a packed record only through
 * {@link writableCase}, which puts such a new record in its place (a packed one has no setters).
 */
export const UNPACK_CASE: unique symbol = Symbol('unpackCase');

/** Whether a record is packed (see {@link UNPACK_CASE}). */
export function isPackedCase(rec: CaseRecord): boolean {
  return UNPACK_CASE in rec;
}

function unpackedCase(rec: CaseRecord): CaseRecord {
  return (rec as unknown as { [UNPACK_CASE](): CaseRecord })[UNPACK_CASE]();
}

function cloneRecord(r: CaseRecord): CaseRecord {
  if (isPackedCase(r)) return unpackedCase(r);
  return {
    ...r,
    channels: new Set(r.channels),
    resolutions: r.resolutions.slice(),
    openStatusChanges: r.openStatusChanges.slice(),
    pauses: r.pauses.slice(),
    episodes: r.episodes.slice(),
    resolutionOutcomes: r.resolutionOutcomes.slice(),
    sla: r.sla === undefined ? undefined : { ...r.sla },
  };
}

/** A deep copy of a cases projection: folding on into one never changes the other. */
export function cloneCasesState(state: CasesState): CasesState {
  const cases = new Map<string, CaseRecord>();
  for (const [id, r] of state.cases) cases.set(id, cloneRecord(r));
  const byCustomer = new Map<string, CaseRecord[]>();
  for (const [c, list] of state.byCustomer) byCustomer.set(c, list.map((r) => cases.get(r.caseId)!));
  const copy = (s: Samples): Samples => ({ at: s.at.slice(), ms: s.ms.slice() });
  return {
    cases,
    byCustomer,
    firstResponse: copy(state.firstResponse),
    reply: copy(state.reply),
    resolution: copy(state.resolution),
    anomalies: state.anomalies.map((a) => ({ ...a })),
  };
}

// Copy on write between a state and the snapshots taken of it (the live engine's fold points): a snapshot
// shares the state's case records and customer lists, and the state copies a shared one before its fold
// changes it. A long-lived tenant's settled cases then cost one copy, not one per snapshot. The marks live
// beside the plain data, not in it: states are serialized into engine snapshots and handed to hosts.
const sharedParts = new WeakMap<CasesState, Set<object>>();

/** A copy of the state's maps and samples, sharing its records, lists and anomalies (never changed in place). */
function shallowCopy(state: CasesState): CasesState {
  const copy = (s: Samples): Samples => ({ at: s.at.slice(), ms: s.ms.slice() });
  return {
    cases: new Map(state.cases),
    byCustomer: new Map(state.byCustomer),
    firstResponse: copy(state.firstResponse),
    reply: copy(state.reply),
    resolution: copy(state.resolution),
    anomalies: state.anomalies.slice(),
  };
}

/**
 * Marks every record and customer list of `state` as shared: its fold copies each before changing it. The
 * marks are renewed, not added to, since what the state shares is exactly what it holds now.
 */
export function markCasesShared(state: CasesState): void {
  const shared = new Set<object>();
  for (const r of state.cases.values()) shared.add(r);
  for (const list of state.byCustomer.values()) shared.add(list);
  sharedParts.set(state, shared);
}

/**
 * A snapshot of `state` that shares its case records and customer lists (see {@link writableCase}): neither
 * folding on into `state` nor reading the snapshot changes the other. The snapshot itself must not be folded
 * into; {@link workingCasesState} makes a copy of it that can be.
 */
export function shareCasesState(state: CasesState): CasesState {
  markCasesShared(state);
  return shallowCopy(state);
}

/** A state to fold on from a snapshot (see {@link shareCasesState}), sharing its records until it changes them. */
export function workingCasesState(snapshot: CasesState): CasesState {
  const copy = shallowCopy(snapshot);
  markCasesShared(copy);
  return copy;
}

/**
 * The record of a case ready to change: `rec` itself, or, when a snapshot shares it, a copy put in its place
 * (in the cases map and in its customer's list). Every change of a record a fold found goes through here.
 */
export function writableCase(state: CasesState, rec: CaseRecord): CaseRecord {
  const shared = sharedParts.get(state);
  // A packed record never changes: unpacked into a new one (the base and the snapshots keep the packed one).
  if (isPackedCase(rec)) shared?.delete(rec);
  else if (shared === undefined || !shared.delete(rec)) return rec;
  const copy = cloneRecord(rec);
  state.cases.set(rec.caseId, copy);
  const list = writableCaseList(state, rec.customerId);
  const at = list.indexOf(rec);
  if (at >= 0) list[at] = copy;
  return copy;
}

/** A customer's list of cases ready to change (created when absent, copied first when a snapshot shares it). */
export function writableCaseList(state: CasesState, customerId: string): CaseRecord[] {
  let list = state.byCustomer.get(customerId);
  if (list === undefined) state.byCustomer.set(customerId, (list = []));
  else if (sharedParts.get(state)?.delete(list) === true) state.byCustomer.set(customerId, (list = list.slice()));
  return list;
}

// Case records already copied to their exact size (see compactSettledCases), beside the plain data.
const compactCases = new WeakSet<CaseRecord>();

/** Marks the case records of a state decoded from a snapshot as compact: decoded arrays have their exact size. */
export function markCasesCompact(state: CasesState): void {
  for (const r of state.cases.values()) compactCases.add(r);
}

/**
 * Replaces each case record `base` shares with `head` (unchanged since the base's point) by a copy of it, once
 * per record: the fold grows a record's lists by appending, so they carry spare room, and a copy has none
 * (about a quarter of the case records' heap on the memory bench's workload); or, when `pack` gives one, by
 * its packed form (live/packed-cases: the engine packs the settled cases that are not open). The copy takes the record's
 * place in `head` (its copy-on-write marks following), in `base` and in `others` (the fold snapshots): in
 * place, so that the original is garbage at once, except in a state `frozen` says something else reads as it
 * is (a snapshot being encoded), which is replaced by a new one. The customers' lists holding a replaced
 * record are replaced by copies (one per list, whichever states hold it, so that lists shared stay shared).
 * Returns the new base and others, the same objects where nothing was replaced.
 */
export function compactSettledCases(
  head: CasesState,
  base: CasesState,
  others: readonly CasesState[],
  frozen: (state: CasesState) => boolean,
  pack?: (rec: CaseRecord) => CaseRecord | undefined,
): { base: CasesState; others: CasesState[] } {
  const copies = new Map<CaseRecord, CaseRecord>();
  const shared = sharedParts.get(head);
  // The states changed in place, sorted once; the others are replaced at the end.
  const open = [base, ...others].filter((state) => !frozen(state));
  base.cases.forEach((rec, id) => {
    if (isPackedCase(rec) || head.cases.get(id) !== rec) return;
    let copy = pack?.(rec);
    if (copy === undefined) {
      if (compactCases.has(rec)) return;
      copy = cloneRecord(rec);
      compactCases.add(copy);
    }
    copies.set(rec, copy);
    head.cases.set(id, copy);
    // The base holds the copy too: the fold copies it before changing it, whatever the marks said of `rec`
    // (a packed one is unpacked into a new record whatever the marks say).
    if (shared !== undefined) {
      shared.delete(rec);
      if (!isPackedCase(copy)) shared.add(copy);
    }
    for (const state of open) if (state.cases.get(id) === rec) state.cases.set(id, copy);
  });
  if (copies.size === 0) return { base, others: others.slice() };
  // One new list per old one, whichever states hold it, so that lists shared stay shared.
  const lists = new Map<CaseRecord[], CaseRecord[]>();
  const listOf = (list: CaseRecord[]): CaseRecord[] => {
    let copy = lists.get(list);
    if (copy === undefined) lists.set(list, (copy = list.map((r) => copies.get(r) ?? r)));
    return copy;
  };
  const customersOf = new Set<string>();
  for (const rec of copies.keys()) customersOf.add(rec.customerId);
  const holding = (state: CasesState, c: string): CaseRecord[] | undefined => {
    const list = state.byCustomer.get(c);
    return list !== undefined && list.some((r) => copies.has(r)) ? list : undefined;
  };
  for (const c of customersOf) {
    const list = holding(head, c);
    if (list === undefined) continue;
    const copy = listOf(list);
    head.byCustomer.set(c, copy);
    // The new list may be the base's too: marked, so the fold copies it before changing it (at worst once more than needed).
    shared?.delete(list);
    shared?.add(copy);
  }
  const replaced = (state: CasesState): CasesState => {
    if (!frozen(state)) {
      for (const c of customersOf) {
        const list = holding(state, c);
        if (list !== undefined) state.byCustomer.set(c, listOf(list));
      }
      return state;
    }
    let cases: Map<string, CaseRecord> | undefined;
    let byCustomer: Map<string, CaseRecord[]> | undefined;
    copies.forEach((copy, rec) => {
      if (state.cases.get(rec.caseId) === rec) (cases ??= new Map(state.cases)).set(rec.caseId, copy);
    });
    for (const c of customersOf) {
      const list = holding(state, c);
      if (list !== undefined) (byCustomer ??= new Map(state.byCustomer)).set(c, listOf(list));
    }
    return cases === undefined && byCustomer === undefined ? state : { ...state, cases: cases ?? state.cases, byCustomer: byCustomer ?? state.byCustomer };
  };
  return { base: replaced(base), others: others.map(replaced) };
}
