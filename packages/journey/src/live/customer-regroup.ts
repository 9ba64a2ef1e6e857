// What lets the live fold follow a merge without re-folding the tenant from before the merged customer's
// first event: the cases projection does not depend on who the customers are (only its per-customer index
// and the customer ids it records do), and each customer's projections read nothing of other customers but
// the cases as they were at each event. So a merge relabels the cases of the merged customers and re-folds
// the survivor group's own events only, with the case effects noted when they were folded and the
// unthreaded-switch candidates read from each case's recorded moments.
import type { Channel } from '@omnitrail/events';
import { applyCaseEvent, caseLookupOf, createCasesState, writableCase, type CaseRecord, type CasesState } from '../core/cases/index.js';
import { cloneCustomerRecord, createCustomerRecord, applyCustomerEventAt, type CustomerRecord } from '../core/customers/index.js';
import { firstEventOf, type LiveCustomersState } from './packed-customers/index.js';
import { readCase } from './packed-cases/index.js';
import { addIdentityGaps, isUnthreadedCandidate, type ContextLostAnnotation } from '../core/journey-map/state.js';
import type { CaseEffects, CaseLookup, CaseStatus, CaseView, JourneyConfig, JourneyEvent, UnthreadedCandidate } from '../core/model/index.js';
import { compareEventOrder, type CatalogEvent } from '@omnitrail/events';

/** What unthreaded_switch reads of a case, as it stood after the event `(at, id)` changed it. */
export interface CaseMoment {
  readonly at: number;
  readonly id: string;
  readonly status: CaseStatus;
  readonly resolvedAt: number | null;
  readonly channels: ReadonlySet<Channel>;
}

/** The folded events of a live tenant as the regrouping needs them. */
export interface RegroupEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly at: number;
  readonly event: CatalogEvent;
  /** The customer identity resolution attributed the event to. */
  attributed: string;
  /** The case effects the event was folded with (identity plays no part in them). */
  effects: CaseEffects;
  /** Not folded yet (in the range being folded): a regroup leaves it to the range's fold. */
  pending: boolean;
  /** The customer record the event was last folded into. */
  foldedAs: string;
  /** The cases the event noted moments of: one id, several, or none. */
  noted: string | string[] | undefined;
}

/** Per tenant: each case's moments in fold order, and each attributed customer's events (in any order). */
export interface RegroupIndex {
  readonly moments: Map<string, CaseMoment[]>;
  readonly byAttributed: Map<string, RegroupEvent[]>;
}

/** An empty index. */
export function createRegroupIndex(): RegroupIndex {
  return { moments: new Map(), byAttributed: new Map() };
}

/** Moves an event to the list of the customer it is now attributed to (`from`: its previous one, or ''). */
export function attributeEvent(index: RegroupIndex, item: RegroupEvent, from: string, to: string): void {
  if (from !== '') {
    const list = index.byAttributed.get(from);
    const at = list === undefined ? -1 : list.indexOf(item);
    if (at >= 0) list!.splice(at, 1);
  }
  let list = index.byAttributed.get(to);
  if (list === undefined) index.byAttributed.set(to, (list = []));
  list.push(item);
}

/** Notes the case's state after `item` folded, if it changed what unthreaded_switch reads. */
export function noteCaseMoment(index: RegroupIndex, item: RegroupEvent, rec: CaseView | undefined): void {
  if (rec === undefined) return;
  let list = index.moments.get(rec.caseId);
  if (list === undefined) index.moments.set(rec.caseId, (list = []));
  const last = list[list.length - 1];
  if (last !== undefined && last.status === rec.status && last.resolvedAt === rec.resolvedAt && last.channels.size === rec.channels.size) return;
  // Channels only grow: an unchanged count is the same set, shared.
  const channels = last !== undefined && last.channels.size === rec.channels.size ? last.channels : new Set(rec.channels);
  list.push({ at: item.at, id: item.id, status: rec.status, resolvedAt: rec.resolvedAt, channels });
  if (item.noted === undefined) item.noted = rec.caseId;
  else if (typeof item.noted === 'string') {
    if (item.noted !== rec.caseId) item.noted = [item.noted, rec.caseId];
  } else if (!item.noted.includes(rec.caseId)) item.noted.push(rec.caseId);
}

/** Forgets the moments that events `[from, end)` noted, before they are folded again. */
export function forgetMoments(index: RegroupIndex, events: readonly RegroupEvent[], from: number): void {
  const first = events[from];
  if (first === undefined) return;
  const touched = new Set<string>();
  for (let i = from; i < events.length; i++) {
    const noted = events[i]!.noted;
    if (noted === undefined) continue;
    if (typeof noted === 'string') touched.add(noted);
    else for (const id of noted) touched.add(id);
    events[i]!.noted = undefined;
  }
  for (const caseId of touched) {
    const list = index.moments.get(caseId)!;
    while (list.length > 0 && !beforeEvent(list[list.length - 1]!, first.at, first.id)) list.pop();
  }
}

/** Whether a moment was noted by an event before `(at, id)` in the fold order. */
function beforeEvent(m: CaseMoment, at: number, id: string): boolean {
  return m.at < at || (m.at === at && m.id < id);
}

/** The last moment of a case at or before the event `(at, id)`, if the case existed then. */
function momentAt(list: readonly CaseMoment[] | undefined, at: number, id: string): CaseMoment | undefined {
  if (list === undefined) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i]!;
    if (beforeEvent(m, at, id) || (m.at === at && m.id === id)) return m;
  }
  return undefined;
}

const NO_CANDIDATES: readonly UnthreadedCandidate[] = [];

/** The unthreaded-switch candidates of a case `caseId` the event opened on channel `b`, as the cases stood then. */
function candidatesAt(index: RegroupIndex, cases: CasesState, customerId: string, item: RegroupEvent, caseId: string, b: Channel): readonly UnthreadedCandidate[] {
  let out: UnthreadedCandidate[] | undefined;
  for (const c of cases.byCustomer.get(customerId) ?? []) {
    if (c.caseId === caseId) continue;
    const m = momentAt(index.moments.get(c.caseId), item.at, item.id);
    if (m === undefined || !isUnthreadedCandidate(m.status, m.resolvedAt, m.channels, b, item.at)) continue;
    (out ??= []).push({ openedEventId: c.openedEventId, channels: m.channels });
  }
  return out ?? NO_CANDIDATES;
}

/**
 * What a merged group brings from before the eviction boundary: the record of the one member with evicted
 * events as it stood there, with the identity gaps its evicted events show since (`gaps`); or, when several
 * members had evicted events, the survivor's record re-folded from the group's whole history (`refolded`,
 * see {@link refoldGroupAlone}; `key`: the member whose record held the group's first events).
 */
export interface EvictedMember {
  key: string;
  record: CustomerRecord;
  gaps?: readonly ContextLostAnnotation[];
  refolded?: true;
}

/**
 * After merges made `survivorId` the canonical customer of `members` (itself first): its cases index and the
 * customer ids its cases record follow, and its record is re-folded from every folded event of the group, in
 * order, in place of the members' records. When one member has events evicted from memory, `evicted` is its
 * record as it stood at the eviction boundary, with the identity gaps its evicted events show since (`gaps`):
 * the group's held events (all later) are folded onto a copy of it. Returns how many events were re-folded.
 */
export function regroupCustomer(
  index: RegroupIndex,
  cases: CasesState,
  customers: LiveCustomersState,
  survivorId: string,
  members: readonly string[],
  lookup: CaseLookup,
  config: JourneyConfig,
  evicted?: EvictedMember,
): number {
  // The cases opened by the group's events, in opening order, under the survivor.
  const lists: CaseRecord[][] = [];
  let firstListKey = '';
  let firstCase: CaseView | undefined;
  for (const m of members) {
    const list = cases.byCustomer.get(m);
    if (list === undefined || list.length === 0) continue;
    lists.push(list);
    if (firstCase === undefined || byOpening(list[0]!, firstCase) < 0) {
      firstCase = list[0]!;
      firstListKey = m;
    }
  }
  if (lists.length > 0) {
    // Records a fold snapshot shares are copied before they change (writableCase), into a new list.
    const merged = (lists.length === 1 ? lists[0]!.slice() : lists.flat().sort(byOpening)).map((c) => writableCase(cases, c));
    for (const c of merged) c.customerId = survivorId;
    // In the place of the group's first list: a fold from scratch creates a customer's list at its first case.
    placeEntry(cases.byCustomer, survivorId, merged, firstListKey, new Set(members));
  }
  // The group's folded events, in order.
  const events: RegroupEvent[] = [];
  for (const m of members) for (const e of index.byAttributed.get(m) ?? []) if (!e.pending) events.push(e);
  if (events.length === 0 && evicted === undefined) return 0;
  events.sort(compareEventOrder);
  let rec: CustomerRecord;
  if (evicted === undefined) rec = createCustomerRecord(survivorId);
  else if (evicted.refolded === true) rec = evicted.record;
  else {
    rec = cloneCustomerRecord(evicted.record);
    rec.customerId = survivorId;
    if (evicted.gaps !== undefined) addIdentityGaps(rec.journey, evicted.gaps);
  }
  const je: JourneyEvent = { event: events[0]?.event as CatalogEvent, at: 0, customerId: survivorId, attributedCustomerId: '' };
  // A record re-folded from the group's whole history (refoldGroupAlone) has the held events already.
  for (let k = evicted?.refolded === true ? events.length : 0; k < events.length; k++) {
    const item = events[k]!;
    je.event = item.event;
    je.at = item.at;
    je.attributedCustomerId = item.attributed;
    const effects = item.effects;
    let candidates: readonly UnthreadedCandidate[] | undefined;
    const opened = effects.opened;
    if (opened !== undefined) {
      const b = opened.channel ?? item.event.channel;
      candidates = b === undefined ? NO_CANDIDATES : candidatesAt(index, cases, survivorId, item, opened.caseId, b);
    }
    applyCustomerEventAt(rec, rec.ids.length, je, effects, lookup, config, candidates);
  }
  // With an evicted member the group's first entry is the one holding its continuation: the member record
  // whose timeline starts first (its events were folded before every held one).
  placeEntry(customers.customers, survivorId, rec, evicted === undefined ? events[0]!.foldedAs : earliestEntry(customers, members) ?? evicted.key, new Set(members));
  for (const e of events) e.foldedAs = survivorId;
  return events.length;
}

/** The member whose record's timeline starts first, among those with a record. */
function earliestEntry(customers: LiveCustomersState, members: readonly string[]): string | undefined {
  let best: { key: string; at: number; id: string } | undefined;
  for (const m of members) {
    const r = customers.customers.get(m);
    const first = r === undefined ? undefined : firstEventOf(r);
    if (first === undefined) continue;
    const { at, id } = first;
    if (best === undefined || at < best.at || (at === best.at && id < best.id)) best = { key: m, at, id };
  }
  return best?.key;
}

/** Cases in the order of their opening events. */
function byOpening(a: CaseView, b: CaseView): number {
  return compareEventOrder({ at: a.openedAt, occurredAt: '', id: a.openedEventId }, { at: b.openedAt, occurredAt: '', id: b.openedEventId });
}

/**
 * Sets `key` to `value` in the place of `firstKey`'s entry and drops the other members' entries: maps here
 * keep the order in which a fold from scratch creates entries (a customer's first event, its first case).
 */
function placeEntry<V>(map: Map<string, V>, key: string, value: V, firstKey: string, members: ReadonlySet<string>): void {
  if (firstKey === key && map.has(key)) {
    map.set(key, value);
    for (const m of members) if (m !== key) map.delete(m);
    return;
  }
  // The group's first entry was another member's: rebuilt in order (rare: survivors are usually the older).
  const entries = [...map];
  map.clear();
  for (const [k, v] of entries) {
    if (k === firstKey) map.set(key, value);
    else if (!members.has(k) && k !== key) map.set(k, v);
  }
  if (!map.has(key)) map.set(key, value);
}

/** One event of a merged group re-folded on its own: an evicted one read back from the store, or a held one. */
export interface GroupEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly at: number;
  readonly event: CatalogEvent;
  /** The customer identity resolution attributed the event to (for an evicted one: the record that held it). */
  readonly attributed: string;
}

/**
 * The survivor's record re-folded from every event of its merged group, in fold order (`events`: evicted ones
 * read back from the store and held ones), with the group's cases folded beside it from the same events:
 * what a fold from the tenant's first event gives, as long as the group's cases hold the group's events only
 * (the cases projection reads nothing of customers; each customer's projections read only the cases). That
 * is checked: every case an event names must be one of `groupCases` (the tenant's records of the group's
 * cases), and each case folded here must end as the tenant's record of it, customer ids aside. `undefined`
 * when a check fails: the caller re-reads the tenant's history.
 */
export function refoldGroupAlone(
  events: readonly GroupEvent[],
  survivorId: string,
  groupCases: ReadonlyMap<string, CaseRecord>,
  anonymousThenMerged: CaseLookup['anonymousThenMerged'],
  config: JourneyConfig,
): CustomerRecord | undefined {
  const cases = createCasesState();
  const lookup = caseLookupOf(cases, anonymousThenMerged);
  const rec = createCustomerRecord(survivorId);
  const je: JourneyEvent = { event: events[0]?.event as CatalogEvent, at: 0, customerId: survivorId, attributedCustomerId: '' };
  for (const item of events) {
    for (const caseId of caseReferences(item.event)) if (!groupCases.has(caseId)) return undefined;
    je.event = item.event;
    je.at = item.at;
    je.attributedCustomerId = item.attributed;
    const effects = applyCaseEvent(cases, je, config);
    applyCustomerEventAt(rec, rec.ids.length, je, effects, lookup, config);
  }
  if (cases.cases.size !== groupCases.size) return undefined;
  for (const [caseId, c] of cases.cases) {
    const theirs = groupCases.get(caseId);
    // The tenant's record may be packed (live/packed-cases): compared as the record it stands for.
    if (theirs === undefined || caseFingerprint(c) !== caseFingerprint(readCase(theirs))) return undefined;
  }
  return rec;
}

/** The case ids an event names: its case, and those of a follow-up or a case merge. */
function caseReferences(event: CatalogEvent): string[] {
  const out: string[] = [];
  if (event.caseId !== undefined) out.push(event.caseId);
  const data = event.data as { followUpOf?: unknown; sourceCaseId?: unknown; targetCaseId?: unknown } | undefined;
  for (const ref of [data?.followUpOf, data?.sourceCaseId, data?.targetCaseId]) if (typeof ref === 'string') out.push(ref);
  return out;
}

/** A case record as text, customer ids aside (they name the group's members, not the survivor): equal records, equal text. */
function caseFingerprint(c: CaseRecord): string {
  return JSON.stringify(c, (key, value: unknown) => {
    if (key === 'customerId' || key === 'attributedCustomerId') return undefined;
    if (value instanceof Set) return { set: [...(value as Set<unknown>)] };
    if (value instanceof Map) return { map: [...(value as Map<unknown, unknown>)] };
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
      return sorted;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { number: String(value) };
    return value;
  });
}
