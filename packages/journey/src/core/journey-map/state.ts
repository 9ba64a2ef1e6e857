import type { Channel, EventOf } from '@omnitrail/events';
import { isOpenCaseStatus, type CaseEffects, type CaseLookup, type CaseStatus, type CustomerProjection, type JourneyConfig, type JourneyEvent, type TimelineArrays, type UnthreadedCandidate } from '../model/index.js';
import { channelNumber, channelOfNumber, codeChannel, TYPE_CODE } from '../customers/codes.js';

/** Journey stages, in order within a cycle. */
export type JourneyStage = 'awareness' | 'consideration' | 'purchase' | 'post_sale_support';

/** The four context-lost annotations (domain.md, Journey map). */
export type ContextLostKind = 'unthreaded_switch' | 'forced_restart' | 'blind_handoff' | 'identity_gap';

/** One stage reached: at which event (timeline position), in which cycle. */
export interface StageEntry {
  stage: JourneyStage;
  cycle: number;
  at: number;
  eventId: string;
  /** Position of the event in the customer's timeline. */
  pos: number;
}

/** One context-lost annotation with the ids of the events that show it. */
export interface ContextLostAnnotation {
  kind: ContextLostKind;
  at: number;
  caseId?: string;
  evidence: string[];
}

/** Aggregated channel transition of one customer: count and summed time between the two touchpoints. */
export interface TransitionAgg {
  from: Channel;
  to: Channel;
  count: number;
  totalGapMs: number;
}

/** Per-customer journey state: compact, incremental, cloneable. */
export interface JourneyState {
  stage: JourneyStage | null;
  cycle: number;
  stages: StageEntry[];
  sessions: number;
  lastAt: number;
  lastInboundChannel: Channel | null;
  lastInboundAt: number;
  /**
   * Channel transitions as flat `[from, to, count, totalGapMs]` quadruples, channels as `channelNumber`, in
   * order of first occurrence (`transitionAggs` lists them as objects); `null` before the first one.
   */
  transitions: number[] | null;
  contextLost: ContextLostAnnotation[];
  /**
   * Timeline position of the customer's latest `CaseThreadLinked` or `CasesMerged` (context carried over):
   * a position, not an instant, so that a link at the same instant but earlier in `(occurredAt, id)` order
   * is not "between" a later activity and a new case.
   */
  lastLinkPos: number;
  /** Cases escalated bot → human awaiting a summary or note: case id → the escalation event ids, in order. */
  pendingHandoffs: Map<string, string[]> | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Window of "activity on channel A" before a new case on channel B (domain.md). */
export const UNTHREADED_ACTIVITY_MS = 72 * HOUR_MS;
/** How recently the A case must have been resolved to still count (domain.md). */
export const UNTHREADED_RESOLVED_MS = 7 * DAY_MS;

/** An empty journey state. */
export function createJourneyState(): JourneyState {
  return {
    stage: null,
    cycle: 0,
    stages: [],
    sessions: 0,
    lastAt: Number.NEGATIVE_INFINITY,
    lastInboundChannel: null,
    lastInboundAt: 0,
    transitions: null,
    contextLost: [],
    lastLinkPos: -1,
    pendingHandoffs: null,
  };
}

/** A deep copy. */
export function cloneJourneyState(j: JourneyState): JourneyState {
  return {
    ...j,
    stages: j.stages.slice(),
    transitions: j.transitions === null ? null : j.transitions.slice(),
    contextLost: j.contextLost.slice(),
    pendingHandoffs: j.pendingHandoffs === null ? null : new Map([...j.pendingHandoffs].map(([caseId, ids]) => [caseId, ids.slice()])),
  };
}

const CONSIDERATION_PAGES = new Set(['product', 'pricing', 'cart']);

function enter(j: JourneyState, stage: JourneyStage, je: JourneyEvent, pos: number): void {
  j.stage = stage;
  j.stages.push({ stage, cycle: j.cycle, at: je.at, eventId: je.event.id, pos });
}

/** Advances the stage machine (domain.md): never backwards within a cycle; an order after post-sale starts a cycle. */
function applyStage(j: JourneyState, je: JourneyEvent, t: number, opening: boolean, pos: number): void {
  const e = je.event;
  if (j.stage === null) {
    j.cycle = 1;
    enter(j, 'awareness', je, pos);
  }
  if (t === TYPE_CODE.OrderPlaced) {
    if (j.stage === 'post_sale_support') {
      j.cycle += 1;
      enter(j, 'purchase', je, pos);
    } else if (j.stage !== 'purchase') enter(j, 'purchase', je, pos);
    return;
  }
  if (j.stage === 'awareness') {
    let considers = opening || t === TYPE_CODE.MessageReceived || t === TYPE_CODE.BotTurn;
    if (!considers && t === TYPE_CODE.PageViewed) {
      const pageKind = (e as EventOf<'PageViewed'>).data.pageKind;
      considers = pageKind !== undefined && CONSIDERATION_PAGES.has(pageKind);
    }
    if (considers) enter(j, 'consideration', je, pos);
  } else if (j.stage === 'purchase') {
    if (opening || t === TYPE_CODE.MessageReceived || t === TYPE_CODE.KnowledgeArticleViewed) enter(j, 'post_sale_support', je, pos);
  }
}

function annotate(j: JourneyState, kind: ContextLostKind, at: number, caseId: string | undefined, evidence: string[]): void {
  const a: ContextLostAnnotation = { kind, at, evidence };
  if (caseId !== undefined) a.caseId = caseId;
  j.contextLost.push(a);
}


/**
 * Adds identity gaps found after the fact (an anonymous customer's evicted case openings, merged later: the
 * live engine's regrouping) where the fold would have annotated them: after the annotations of earlier
 * events and the forced restart of the same event (same instant, same case), before its unthreaded switch.
 * The caller makes sure no other event's annotation shares the instant.
 */
export function addIdentityGaps(j: JourneyState, gaps: readonly ContextLostAnnotation[]): void {
  for (const gap of gaps) {
    let at = j.contextLost.length;
    for (let a = j.contextLost[at - 1]; a !== undefined && (a.at > gap.at || (a.at === gap.at && a.kind === 'unthreaded_switch')); a = j.contextLost[at - 1]) at--;
    j.contextLost.splice(at, 0, { kind: 'identity_gap', at: gap.at, ...(gap.caseId === undefined ? {} : { caseId: gap.caseId }), evidence: gap.evidence.slice() });
  }
}

/** The customer's channel transitions, in order of first occurrence. */
export function transitionAggs(j: JourneyState): TransitionAgg[] {
  const out: TransitionAgg[] = [];
  const t = j.transitions;
  if (t !== null) {
    for (let i = 0; i < t.length; i += 4) out.push({ from: channelOfNumber(t[i]!), to: channelOfNumber(t[i + 1]!), count: t[i + 2]!, totalGapMs: t[i + 3]! });
  }
  return out;
}

/** Counts one transition: a customer has few distinct ones, so a scan of the flat list beats a map. */
function addTransition(j: JourneyState, from: Channel, to: Channel, gapMs: number): void {
  const a = channelNumber(from);
  const b = channelNumber(to);
  const t = j.transitions;
  if (t === null) {
    j.transitions = [a, b, 1, gapMs];
    return;
  }
  for (let i = 0; i < t.length; i += 4) {
    if (t[i] === a && t[i + 1] === b) {
      t[i + 2]! += 1;
      t[i + 3]! += gapMs;
      return;
    }
  }
  t.push(a, b, 1, gapMs);
}


/**
 * The cases of the customer that can make the case `caseId`, opened on channel `b` at `je.at`, an
 * `unthreaded_switch` (open, or resolved less than 7 days before, not merged, not on `b`), in opening order.
 * Their channels are copied when `snapshot` is set, for a caller that scans the timeline later, when the
 * cases may have changed.
 */
export function unthreadedCandidates(cases: CaseLookup, je: JourneyEvent, caseId: string, b: Channel, snapshot: boolean): UnthreadedCandidate[] {
  const candidates: UnthreadedCandidate[] = [];
  for (const c of cases.casesOfCustomer(je.customerId)) {
    if (c.caseId === caseId) continue;
    if (isUnthreadedCandidate(c.status, c.resolvedAt, c.channels, b, je.at)) {
      candidates.push(snapshot ? { openedEventId: c.openedEventId, channels: new Set(c.channels) } : c);
    }
  }
  return candidates;
}

/**
 * Whether a case of the customer, in this state at `at`, can make a new case on channel `b` an
 * `unthreaded_switch`: not merged, not on `b`, and open or resolved less than 7 days before.
 */
export function isUnthreadedCandidate(status: CaseStatus, resolvedAt: number | null, channels: ReadonlySet<Channel>, b: Channel, at: number): boolean {
  if (status === 'merged' || channels.has(b)) return false;
  return isOpenCaseStatus(status) || (resolvedAt !== null && resolvedAt <= at && at - resolvedAt < UNTHREADED_RESOLVED_MS);
}

/**
 * Whether a case standing as given at instant `at` can be an unthreaded-switch candidate (see
 * {@link isUnthreadedCandidate}) at no instant from `at` on, unless an event changes it again: merged, or
 * settled (not open) and resolved never or at least the candidate window before `at`.
 */
export function isSettledForUnthreaded(status: CaseStatus, resolvedAt: number | null, at: number): boolean {
  return status === 'merged' || (!isOpenCaseStatus(status) && (resolvedAt === null || at - resolvedAt >= UNTHREADED_RESOLVED_MS));
}

/**
 * `unthreaded_switch`: a new case on channel B within 72 h of the customer's activity on channel A, while a
 * case on A (and not on B) was open or resolved less than 7 days before (`candidates`), with no
 * `CaseThreadLinked` or `CasesMerged` of the customer between that activity and the new case.
 */
function checkUnthreaded(j: JourneyState, tl: TimelineArrays, pos: number, je: JourneyEvent, caseId: string, b: Channel, candidates: readonly UnthreadedCandidate[]): void {
  if (candidates.length === 0) return;
  // the customer's latest activity on a channel of such a case, within 72 h, after the latest link
  for (let i = pos - 1; i >= 0; i--) {
    const at = tl.ats[i]!;
    if (je.at - at > UNTHREADED_ACTIVITY_MS || i <= j.lastLinkPos) return;
    const a = codeChannel(tl.codes[i]!);
    if (a === undefined || a === b) continue;
    const c = candidates.find((x) => x.channels.has(a));
    if (c === undefined) continue;
    const actId = tl.ids[i]!;
    const evidence = c.openedEventId === actId ? [actId, je.event.id] : [c.openedEventId, actId, je.event.id];
    annotate(j, 'unthreaded_switch', je.at, caseId, evidence);
    return;
  }
}

/**
 * Folds one event of the customer into the journey state. `tl` is the customer's timeline, which already
 * holds the event at position `pos`; `t` is its type code (`typeCode`). `effects` are the cases projection's
 * effects for the same event. `unthreaded`, when given, are the `unthreadedCandidates` of a case the event
 * opened, taken when it was folded into the cases (a batch fold folds the cases first); otherwise they
 * are read from `cases` now.
 */
export function applyJourneyEvent(
  j: JourneyState,
  tl: TimelineArrays,
  pos: number,
  je: JourneyEvent,
  t: number,
  effects: CaseEffects,
  cases: CaseLookup,
  config: JourneyConfig,
  unthreaded?: readonly UnthreadedCandidate[],
): void {
  const e = je.event;
  // sessions: a gap strictly greater than the session gap starts a new one
  if (je.at - j.lastAt > config.sessionGapMs) j.sessions += 1;
  j.lastAt = je.at;

  const opened = effects.opened;
  applyStage(j, je, t, opened !== undefined, pos);

  // channel transitions over inbound touchpoints only: other events neither count nor break the sequence
  if (e.actor.kind === 'customer' && e.channel !== undefined) {
    const prev = j.lastInboundChannel;
    if (prev !== null && prev !== e.channel) addTransition(j, prev, e.channel, je.at - j.lastInboundAt);
    j.lastInboundChannel = e.channel;
    j.lastInboundAt = je.at;
  }

  // context lost
  if (opened !== undefined) {
    if (opened.how === 'follow_up') {
      const old = opened.followUpOf === undefined ? undefined : cases.getCase(opened.followUpOf);
      annotate(j, 'forced_restart', je.at, opened.caseId, old === undefined ? [e.id] : [old.openedEventId, e.id]);
    }
    // Only a case opened for a customer the host had not identified (known from identities alone) and merged
    // later, absorbed or absorbing, is a gap: a host-named customer merged by CustomersMerged was known all
    // along, and merge equivalence promises its projections look as if it had carried the survivor's id.
    if (e.customerId === undefined && (cases.anonymousThenMerged === undefined ? je.attributedCustomerId !== je.customerId : cases.anonymousThenMerged(je.attributedCustomerId, je.at, e.id))) {
      annotate(j, 'identity_gap', je.at, opened.caseId, [e.id]);
    }
    const b = opened.channel ?? e.channel;
    if (b !== undefined) checkUnthreaded(j, tl, pos, je, opened.caseId, b, unthreaded ?? unthreadedCandidates(cases, je, opened.caseId, b, false));
  }
  if (t === TYPE_CODE.CaseThreadLinked || t === TYPE_CODE.CasesMerged || effects.merged !== undefined) j.lastLinkPos = pos;

  const caseId = effects.caseId ?? e.caseId;
  if (caseId !== undefined) {
    if (effects.escalatedToHuman === true) {
      if (j.pendingHandoffs === null) j.pendingHandoffs = new Map();
      const pending = j.pendingHandoffs.get(caseId);
      if (pending === undefined) j.pendingHandoffs.set(caseId, [e.id]);
      else pending.push(e.id);
    } else if (j.pendingHandoffs !== null && j.pendingHandoffs.size > 0) {
      const carriesContext =
        t === TYPE_CODE.CaseSummaryGenerated || t === TYPE_CODE.InternalNoteAdded || (t === TYPE_CODE.MessageSent && !(e as EventOf<'MessageSent'>).data.public);
      if (carriesContext) j.pendingHandoffs.delete(caseId);
      else if (effects.agentReply === true) {
        // Every escalation still waiting is followed by this reply with nothing in between: one each.
        const pending = j.pendingHandoffs.get(caseId);
        if (pending !== undefined) {
          for (const escalationId of pending) annotate(j, 'blind_handoff', je.at, caseId, [escalationId, e.id]);
          j.pendingHandoffs.delete(caseId);
        }
      }
    }
  }

}

/**
 * The journey map as a per-customer standard projection: stages and cycles, sessions, channel transitions and
 * the context-lost annotations of one customer, kept in its record's `journey` field.
 */
export const journeyMapProjection: CustomerProjection<'journey', JourneyState> = {
  name: 'journey-map',
  key: 'journey',
  create: createJourneyState,
  clone: cloneJourneyState,
  apply: (rec, pos, je, t, effects, cases, config, unthreaded) => applyJourneyEvent(rec.journey, rec, pos, je, t, effects, cases, config, unthreaded),
};
