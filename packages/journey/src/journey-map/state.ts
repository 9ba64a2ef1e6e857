import { CHANNELS, type Channel, type EventOf } from '@omnitrail/events';
import { OPEN_CASE_STATUSES, type CaseEffects, type CaseView, type JourneyConfig, type JourneyEvent } from '../model/index.js';
import type { CaseLookup } from '../customers/index.js';
import { codeChannel, TYPE_CODE } from '../customers/codes.js';

/** The customer's timeline arrays (the customers container owns them). */
export interface TimelineArrays {
  ids: readonly string[];
  ats: readonly number[];
  codes: readonly number[];
}

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
  transitions: Map<string, TransitionAgg> | null;
  contextLost: ContextLostAnnotation[];
  /** Instant of the customer's latest `CaseThreadLinked` or `CasesMerged` (context carried over). */
  lastLinkAt: number;
  /** Cases escalated bot → human awaiting a summary or note: case id → escalation event id. */
  pendingHandoffs: Map<string, string> | null;
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
    lastLinkAt: Number.NEGATIVE_INFINITY,
    pendingHandoffs: null,
  };
}

/** A deep copy. */
export function cloneJourneyState(j: JourneyState): JourneyState {
  let transitions: Map<string, TransitionAgg> | null = null;
  if (j.transitions !== null) {
    transitions = new Map();
    for (const [k, v] of j.transitions) transitions.set(k, { ...v });
  }
  return {
    ...j,
    stages: j.stages.slice(),
    transitions,
    contextLost: j.contextLost.slice(),
    pendingHandoffs: j.pendingHandoffs === null ? null : new Map(j.pendingHandoffs),
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

const OPEN = new Set<string>(OPEN_CASE_STATUSES);

/** The `from>to` key of every pair of catalog channels, built once: no key string is built per touchpoint. */
const TRANSITION_KEYS = new Map<string, Map<string, string>>(CHANNELS.map((a) => [a, new Map(CHANNELS.map((b) => [b, `${a}>${b}`]))]));

function transitionKey(from: Channel, to: Channel): string {
  return TRANSITION_KEYS.get(from)?.get(to) ?? `${from}>${to}`;
}

/**
 * `unthreaded_switch`: a new case on channel B within 72 h of the customer's activity on channel A, while a
 * case on A (and not on B) was open or resolved less than 7 days before, with no `CaseThreadLinked` or
 * `CasesMerged` of the customer between that activity and the new case.
 */
function checkUnthreaded(j: JourneyState, tl: TimelineArrays, pos: number, je: JourneyEvent, caseId: string, b: Channel, cases: CaseLookup): void {
  const candidates: CaseView[] = [];
  for (const c of cases.casesOfCustomer(je.customerId)) {
    if (c.caseId === caseId || c.status === 'merged' || c.channels.has(b)) continue;
    if (OPEN.has(c.status) || (c.resolvedAt !== null && c.resolvedAt <= je.at && je.at - c.resolvedAt < UNTHREADED_RESOLVED_MS)) candidates.push(c);
  }
  if (candidates.length === 0) return;
  // the customer's latest activity on a channel of such a case, within 72 h, after the latest link
  for (let i = pos - 1; i >= 0; i--) {
    const at = tl.ats[i]!;
    if (je.at - at > UNTHREADED_ACTIVITY_MS || at <= j.lastLinkAt) return;
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
 * effects for the same event.
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
    if (prev !== null && prev !== e.channel) {
      if (j.transitions === null) j.transitions = new Map();
      const key = transitionKey(prev, e.channel);
      const t = j.transitions.get(key);
      if (t === undefined) j.transitions.set(key, { from: prev, to: e.channel, count: 1, totalGapMs: je.at - j.lastInboundAt });
      else {
        t.count += 1;
        t.totalGapMs += je.at - j.lastInboundAt;
      }
    }
    j.lastInboundChannel = e.channel;
    j.lastInboundAt = je.at;
  }

  // context lost
  if (opened !== undefined) {
    if (opened.how === 'follow_up') {
      const old = opened.followUpOf === undefined ? undefined : cases.getCase(opened.followUpOf);
      annotate(j, 'forced_restart', je.at, opened.caseId, old === undefined ? [e.id] : [old.openedEventId, e.id]);
    }
    // Only a case opened by a customer the host had not identified (resolved from identities alone) and
    // merged later is a gap: a host-named customer merged by CustomersMerged was known all along, and merge
    // equivalence promises its projections look as if it had carried the survivor's id from the start.
    if (e.customerId === undefined && je.attributedCustomerId !== je.customerId) annotate(j, 'identity_gap', je.at, opened.caseId, [e.id]);
    const b = opened.channel ?? e.channel;
    if (b !== undefined) checkUnthreaded(j, tl, pos, je, opened.caseId, b, cases);
  }
  if (t === TYPE_CODE.CaseThreadLinked || t === TYPE_CODE.CasesMerged || effects.merged !== undefined) j.lastLinkAt = je.at;

  const caseId = effects.caseId ?? e.caseId;
  if (caseId !== undefined) {
    if (effects.escalatedToHuman === true) {
      if (j.pendingHandoffs === null) j.pendingHandoffs = new Map();
      j.pendingHandoffs.set(caseId, e.id);
    } else if (j.pendingHandoffs !== null && j.pendingHandoffs.size > 0) {
      const carriesContext =
        t === TYPE_CODE.CaseSummaryGenerated || t === TYPE_CODE.InternalNoteAdded || (t === TYPE_CODE.MessageSent && !(e as EventOf<'MessageSent'>).data.public);
      if (carriesContext) j.pendingHandoffs.delete(caseId);
      else if (effects.agentReply === true) {
        const escalationId = j.pendingHandoffs.get(caseId);
        if (escalationId !== undefined) {
          annotate(j, 'blind_handoff', je.at, caseId, [escalationId, e.id]);
          j.pendingHandoffs.delete(caseId);
        }
      }
    }
  }

}
