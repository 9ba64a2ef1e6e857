import type { CatalogEvent, Channel, EventOf } from '@omnitrail/events';
import { isOpenCaseStatus, NO_CASE_EFFECTS, type CaseEffects, type CaseStatus, type JourneyConfig, type JourneyEvent } from '../model/index.js';
import { writableCase, writableCaseList, type CaseRecord, type CasesState } from './state.js';
import { noteResolutionOutcome } from './sla.js';

/** Stable anomaly reasons (docs/cases.md). */
export const CASE_ANOMALIES = {
  duplicateOpen: 'duplicate_case_opened',
  unknownCase: 'unknown_case',
  closed: 'case_closed',
  followUpExists: 'follow_up_exists',
  statusChangeOnResolved: 'status_change_on_resolved',
  alreadyResolved: 'already_resolved',
  reopenNotResolved: 'reopen_not_resolved',
  mergeSourceUnknown: 'merge_source_unknown',
  mergeSourceClosed: 'merge_source_closed',
  mergeSourceMerged: 'merge_source_merged',
  mergeTargetUnknown: 'merge_target_unknown',
  mergeTargetMerged: 'merge_target_merged',
  mergeSameCase: 'merge_same_case',
} as const;

const DAY_MS = 86_400_000;

/** The case an id ends at after following merges (`undefined` when unknown). */
export function routeCase(state: CasesState, caseId: string): CaseRecord | undefined {
  return followMerges(state, state.cases.get(caseId));
}

function followMerges(state: CasesState, from: CaseRecord | undefined): CaseRecord | undefined {
  let rec = from;
  // Merges never form a cycle: a merge needs a source and a target that are not merged.
  while (rec !== undefined && rec.mergedInto !== undefined) rec = state.cases.get(rec.mergedInto);
  return rec;
}

/** Lists an ignored event; the effects name no case since the event acted on none. */
function anomaly(state: CasesState, eventId: string, reason: string): CaseEffects {
  state.anomalies.push({ eventId, reason });
  return { anomaly: reason };
}

function touch(rec: CaseRecord, channel: Channel | undefined, at: number): void {
  if (channel !== undefined) rec.channels.add(channel);
  if (at > rec.lastActivityAt) rec.lastActivityAt = at;
}

function isPaused(s: CaseStatus): boolean {
  return s === 'pending_customer' || s === 'on_hold';
}

/** Changes status, keeping the resolution clock's pause intervals and the snooze instant right. */
function setStatus(rec: CaseRecord, to: CaseStatus, at: number): void {
  const wasPaused = isPaused(rec.status);
  const nowPaused = isPaused(to);
  if (!wasPaused && nowPaused) rec.pausedSince = at;
  else if (wasPaused && !nowPaused && rec.pausedSince !== null) {
    rec.pauses.push(rec.pausedSince, at);
    rec.pausedSince = null;
  }
  if (to !== 'snoozed') rec.snoozedUntil = null;
  if (isOpenCaseStatus(rec.status) !== isOpenCaseStatus(to)) rec.openStatusChanges.push(at);
  rec.status = to;
}

/** Ends the current waiting episode: `replied` tells whether a public agent reply ended it. */
function endWaiting(rec: CaseRecord, at: number, replied: boolean): void {
  if (rec.waitingSince === null) return;
  rec.episodes.push(rec.waitingSince, at, replied ? 1 : 0);
  rec.waitingSince = null;
}

function newCase(
  state: CasesState,
  je: JourneyEvent,
  caseId: string,
  how: CaseRecord['openedBy'],
  handledBy: 'human' | 'bot',
): CaseRecord {
  const e = je.event;
  const rec: CaseRecord = {
    caseId,
    tenantId: e.tenantId,
    customerId: je.customerId,
    attributedCustomerId: je.attributedCustomerId,
    status: handledBy === 'bot' ? 'bot' : 'open',
    handledBy,
    openedAt: je.at,
    openedEventId: e.id,
    openedBy: how,
    channels: new Set(),
    reopenCount: 0,
    waitingSince: null,
    firstResponseAt: null,
    resolvedAt: null,
    closedAt: null,
    snoozedUntil: null,
    hasFollowUp: false,
    lastActivityAt: je.at,
    cycleStart: je.at,
    firstResponseClockStart: handledBy === 'bot' ? null : je.at,
    escalated: false,
    agentReplied: false,
    customerMessageAfterFirstReply: false,
    resolutions: [],
    openStatusChanges: [],
    pausedSince: null,
    pauses: [],
    episodes: [],
    sla: undefined,
    resolutionOutcomes: [],
  };
  if (e.channel !== undefined) {
    rec.openingChannel = e.channel;
    rec.channels.add(e.channel);
  }
  state.cases.set(caseId, rec);
  writableCaseList(state, je.customerId).push(rec);
  return rec;
}

function reopen(rec: CaseRecord, at: number): void {
  setStatus(rec, 'open', at);
  rec.reopenCount++;
  rec.cycleStart = at;
  rec.pauses = [];
  rec.pausedSince = null;
}

function withinReopenWindow(config: Partial<JourneyConfig>, resolvedAt: number, at: number): boolean {
  const w = config.reopenWindow ?? { days: 7 };
  if (w === 'always') return true;
  if (w === 'never') return false;
  return at - resolvedAt <= w.days * DAY_MS;
}

/** A customer message on a case: opening, reopening, following up, or waking the case up. */
function customerMessage(state: CasesState, je: JourneyEvent, caseId: string, known: CaseRecord | undefined, config: Partial<JourneyConfig>): CaseEffects {
  const e = je.event;
  const at = je.at;
  const found = followMerges(state, known ?? state.cases.get(caseId));
  if (found === undefined) {
    const created = newCase(state, je, caseId, 'implicit', 'human');
    created.waitingSince = at;
    return { caseId, opened: { caseId, how: 'implicit', channel: e.channel, handledBy: 'human' } };
  }
  const rec = writableCase(state, found);
  let reopened = false;
  if (rec.status === 'closed' || (rec.status === 'resolved' && !withinReopenWindow(config, rec.resolvedAt ?? at, at))) {
    const reason = rec.status === 'closed' ? 'closed' : 'window_passed';
    if (state.cases.has(e.id)) return anomaly(state, e.id, CASE_ANOMALIES.followUpExists);
    const follow = newCase(state, je, e.id, 'follow_up', 'human');
    follow.followUpOf = rec.caseId;
    follow.waitingSince = at;
    rec.hasFollowUp = true;
    return {
      caseId: e.id,
      opened: { caseId: e.id, how: 'follow_up', followUpOf: rec.caseId, followUpReason: reason, channel: e.channel, handledBy: 'human' },
    };
  }
  touch(rec, e.channel, at);
  if (rec.status === 'resolved') {
    reopen(rec, at);
    reopened = true;
  } else if (rec.status === 'pending_customer' || rec.status === 'snoozed') {
    setStatus(rec, 'open', at);
  }
  if (rec.waitingSince === null && rec.status !== 'bot') rec.waitingSince = at;
  if (rec.agentReplied) rec.customerMessageAfterFirstReply = true;
  return reopened ? { caseId: rec.caseId, reopened: true } : { caseId: rec.caseId };
}

/** A `MessageSent`: a public agent reply answers the customer; other senders only add a channel. */
function sentMessage(state: CasesState, je: JourneyEvent, rec: CaseRecord, agentPublic: boolean): CaseEffects {
  touch(rec, je.event.channel, je.at);
  if (!agentPublic) return { caseId: rec.caseId };
  sentMessageAgent(state, rec, je.at);
  return { caseId: rec.caseId, agentReply: true };
}

function caseOpened(state: CasesState, je: JourneyEvent & { event: Extract<CatalogEvent, { type: 'CaseOpened' }> }, known: CaseRecord | undefined): CaseEffects {
  const e = je.event;
  const caseId = e.caseId!;
  if (known !== undefined || state.cases.has(caseId)) return anomaly(state, e.id, CASE_ANOMALIES.duplicateOpen);
  const handledBy = e.data.handledBy;
  const rec = newCase(state, je, caseId, 'explicit', handledBy);
  if (e.data.topic !== undefined) rec.topic = e.data.topic;
  if (e.data.priority !== undefined) rec.priority = e.data.priority;
  const followUpOf = e.data.followUpOf;
  if (followUpOf !== undefined) {
    rec.followUpOf = followUpOf;
    const old = state.cases.get(followUpOf);
    if (old !== undefined) writableCase(state, old).hasFollowUp = true;
  }
  const opened: NonNullable<CaseEffects['opened']> = { caseId, how: 'explicit', handledBy };
  if (followUpOf !== undefined) opened.followUpOf = followUpOf;
  if (e.channel !== undefined) opened.channel = e.channel;
  return { caseId, opened };
}

function casesMerged(state: CasesState, je: JourneyEvent, sourceId: string, targetId: string): CaseEffects {
  const id = je.event.id;
  const foundSource = state.cases.get(sourceId);
  const foundTarget = state.cases.get(targetId);
  if (sourceId === targetId) return anomaly(state, id, CASE_ANOMALIES.mergeSameCase);
  if (foundSource === undefined) return anomaly(state, id, CASE_ANOMALIES.mergeSourceUnknown);
  if (foundSource.status === 'closed') return anomaly(state, id, CASE_ANOMALIES.mergeSourceClosed);
  if (foundSource.status === 'merged') return anomaly(state, id, CASE_ANOMALIES.mergeSourceMerged);
  if (foundTarget === undefined) return anomaly(state, id, CASE_ANOMALIES.mergeTargetUnknown);
  if (foundTarget.status === 'merged') return anomaly(state, id, CASE_ANOMALIES.mergeTargetMerged);
  const source = writableCase(state, foundSource);
  const target = writableCase(state, foundTarget);
  const at = je.at;
  if (isPaused(source.status)) setStatus(source, 'open', at); // closes its pause interval
  if (target.waitingSince !== null && source.waitingSince !== null && source.waitingSince < target.waitingSince && isOpenCaseStatus(target.status)) {
    target.waitingSince = source.waitingSince;
  }
  endWaiting(source, at, false);
  source.status = 'merged';
  source.snoozedUntil = null;
  source.mergedInto = targetId;
  source.mergedAt = at;
  for (const c of source.channels) target.channels.add(c);
  touch(target, je.event.channel, at);
  return { caseId: targetId, merged: { sourceCaseId: sourceId, targetCaseId: targetId } };
}

/**
 * Codes of the event types the projection tells apart, so each event costs one hash lookup instead of
 * string comparisons. From `CaseThreadLinked` on, the types act on a case: unknown or closed cases make them
 * anomalies. Every other type is `OTHER`.
 */
const T = {
  CaseOpened: 1,
  MessageReceived: 2,
  CasesMerged: 3,
  // Surveys naming a case belong to it like any other type (their channel counts); survey metrics read
  // them whatever the case's status.
  SurveySent: 4,
  SurveyAnswered: 5,
  CaseThreadLinked: 6,
  CaseAssigned: 7,
  CaseEscalated: 8,
  CaseStatusChanged: 9,
  CaseResolved: 10,
  CaseReopened: 11,
  CaseClosed: 12,
  SlaApplied: 13,
  MessageSent: 14,
  InternalNoteAdded: 15,
} as const satisfies Partial<Record<CatalogEvent['type'], number>>;
const OTHER = 0;
const CASE_TYPE_CODES = new Map<string, number>(Object.entries(T));

/**
 * Folds one event into the cases projection (domain.md, Cases) and says what it did. Called for every
 * event of the tenant in `(occurredAt, id)` order; events that do not concern a case return `{}` at once.
 * Never throws on domain-inconsistent input: such events are ignored and listed as anomalies.
 */
export function applyCaseEvent(state: CasesState, je: JourneyEvent, config: Partial<JourneyConfig>): CaseEffects {
  return applyCaseEventKnown(state, je, config, undefined);
}

/**
 * `applyCaseEvent` for a caller that may already hold the record stored under the event's `caseId`
 * (`known`; the batch fold's records are never replaced, so it stays valid once found): the fold then skips
 * that lookup. A state sharing records with snapshots (the live fold) replaces a record by its copy before
 * changing it (`writableCase`), so its callers look records up instead.
 * `undefined` means not known, and the record is looked up.
 */
export function applyCaseEventKnown(state: CasesState, je: JourneyEvent, config: Partial<JourneyConfig>, known: CaseRecord | undefined): CaseEffects {
  const e = je.event;
  const caseId = e.caseId;
  if (caseId === undefined) return NO_CASE_EFFECTS;
  const at = je.at;
  const code = CASE_TYPE_CODES.get(e.type) ?? OTHER;
  switch (code) {
    case T.CaseOpened:
      return caseOpened(state, je as JourneyEvent & { event: EventOf<'CaseOpened'> }, known);
    case T.MessageReceived:
      return customerMessage(state, je, caseId, known, config);
    case T.CasesMerged: {
      const d = (e as EventOf<'CasesMerged'>).data;
      return casesMerged(state, je, d.sourceCaseId, d.targetCaseId);
    }
    default:
      break;
  }
  const found = followMerges(state, known ?? state.cases.get(caseId));
  // Unknown or closed cases make these anomalies (the catalog's case events, plus agent messages and notes).
  const caseEvent = code >= T.CaseThreadLinked;
  if (found === undefined) return caseEvent ? anomaly(state, e.id, CASE_ANOMALIES.unknownCase) : NO_CASE_EFFECTS;
  if (found.status === 'closed') return caseEvent ? anomaly(state, e.id, CASE_ANOMALIES.closed) : NO_CASE_EFFECTS;
  const rec = writableCase(state, found);
  switch (code) {
    case T.MessageSent: {
      const d = (e as EventOf<'MessageSent'>).data;
      return sentMessage(state, je, rec, d.senderKind === 'agent' && d.public);
    }
    case T.CaseThreadLinked:
      touch(rec, e.channel, at);
      rec.channels.add((e as EventOf<'CaseThreadLinked'>).data.channel);
      return { caseId: rec.caseId };
    case T.CaseEscalated: {
      const d = (e as EventOf<'CaseEscalated'>).data;
      touch(rec, e.channel, at);
      rec.escalated = true;
      if (d.from !== 'bot' || d.to !== 'human') return { caseId: rec.caseId };
      if (rec.status === 'bot') setStatus(rec, 'open', at);
      if (rec.firstResponseClockStart === null && rec.firstResponseAt === null) rec.firstResponseClockStart = at;
      // Unconditional in domain.md, a resolved case included: the agent's reply to it is a reply sample.
      if (rec.waitingSince === null) rec.waitingSince = at;
      return { caseId: rec.caseId, escalatedToHuman: true };
    }
    case T.CaseStatusChanged: {
      if (rec.status === 'resolved') return anomaly(state, e.id, CASE_ANOMALIES.statusChangeOnResolved);
      const d = (e as EventOf<'CaseStatusChanged'>).data;
      touch(rec, e.channel, at);
      const to = d.to;
      const until = d.snoozedUntil === undefined ? null : Date.parse(d.snoozedUntil);
      if (to !== rec.status) setStatus(rec, to, at);
      if (to === 'snoozed') rec.snoozedUntil = until;
      return { caseId: rec.caseId };
    }
    case T.CaseResolved: {
      if (rec.status === 'resolved') return anomaly(state, e.id, CASE_ANOMALIES.alreadyResolved);
      resolveCase(state, rec, e.channel, at);
      return { caseId: rec.caseId, resolved: true };
    }
    case T.CaseReopened:
      if (rec.status !== 'resolved') return anomaly(state, e.id, CASE_ANOMALIES.reopenNotResolved);
      touch(rec, e.channel, at);
      reopen(rec, at);
      return { caseId: rec.caseId, reopened: true };
    case T.CaseClosed:
      touch(rec, e.channel, at);
      endWaiting(rec, at, false);
      setStatus(rec, 'closed', at);
      rec.closedAt = at;
      return { caseId: rec.caseId, closed: true };
    case T.SlaApplied: {
      touch(rec, e.channel, at);
      const d = (e as EventOf<'SlaApplied'>).data;
      rec.sla = { policyId: d.policyId, appliedAt: at };
      if (d.firstResponseMs !== undefined) rec.sla.firstResponseMs = d.firstResponseMs;
      if (d.nextResponseMs !== undefined) rec.sla.nextResponseMs = d.nextResponseMs;
      if (d.resolutionMs !== undefined) rec.sla.resolutionMs = d.resolutionMs;
      const cal = config.businessHours?.[e.tenantId];
      if (cal !== undefined) rec.sla.calendar = cal;
      return { caseId: rec.caseId };
    }
    default:
      // Any other event naming the case (notes, calls, bot turns…) belongs to it: its channel counts.
      touch(rec, e.channel, at);
      return { caseId: rec.caseId };
  }
}

/** Effects of `applyCaseEventCode` as bits; its caller names the case (`rec.caseId`). */
export const CASE_FX = { reopened: 1, resolved: 2, closed: 4, escalatedToHuman: 8, agentReply: 16 } as const;
/** `applyCaseEventCode`: the event did nothing (the effects are `{}`). */
export const CASE_FX_NONE = -2;
/** `applyCaseEventCode`: this case needs the event itself; nothing was changed, call `applyCaseEventKnown`. */
export const CASE_FX_FALLBACK = -1;
/** Op code of a `MessageSent` from an agent in public (the others keep `T.MessageSent`). */
const AGENT_PUBLIC_SENT = 16;

/**
 * The op code `applyCaseEventCode` takes for an event with a `caseId`: its type code, a public agent message
 * told apart. Computed while the events are read in input order, so the time-ordered case fold can skip
 * reading most events again (each first read there is a cache miss).
 */
export function caseOpCode(e: CatalogEvent): number {
  const code = CASE_TYPE_CODES.get(e.type) ?? OTHER;
  if (code !== T.MessageSent) return code;
  const d = (e as EventOf<'MessageSent'>).data;
  return d.senderKind === 'agent' && d.public ? AGENT_PUBLIC_SENT : code;
}

/**
 * `applyCaseEventKnown` from an op code (`caseOpCode`), the event's channel and instant, for an event on a
 * known case: `rec` is the record it names after following merges. Handles the common cases exactly as
 * `applyCaseEventKnown` does and returns the effects as `CASE_FX` bits (the case being `rec.caseId`) or
 * `CASE_FX_NONE`; returns `CASE_FX_FALLBACK`, having changed nothing, when the event itself is needed
 * (openings, follow-ups, anomalies, merges, status changes, SLA).
 */
export function applyCaseEventCode(
  state: CasesState,
  rec: CaseRecord,
  op: number,
  channel: Channel | undefined,
  at: number,
  config: Partial<JourneyConfig>,
): number {
  switch (op) {
    case T.CaseOpened:
    case T.CasesMerged:
    case T.CaseStatusChanged:
    case T.SlaApplied:
    case T.CaseThreadLinked:
    case T.CaseEscalated:
      return CASE_FX_FALLBACK;
    case T.MessageReceived: {
      if (rec.status === 'closed' || (rec.status === 'resolved' && !withinReopenWindow(config, rec.resolvedAt ?? at, at))) return CASE_FX_FALLBACK;
      // customerMessage on an existing case.
      touch(rec, channel, at);
      let fx = 0;
      if (rec.status === 'resolved') {
        reopen(rec, at);
        fx = CASE_FX.reopened;
      } else if (rec.status === 'pending_customer' || rec.status === 'snoozed') {
        setStatus(rec, 'open', at);
      }
      if (rec.waitingSince === null && rec.status !== 'bot') rec.waitingSince = at;
      if (rec.agentReplied) rec.customerMessageAfterFirstReply = true;
      return fx;
    }
    default:
      break;
  }
  if (rec.status === 'closed') return op >= T.CaseThreadLinked ? CASE_FX_FALLBACK : CASE_FX_NONE;
  switch (op) {
    case T.MessageSent:
      touch(rec, channel, at);
      return 0;
    case AGENT_PUBLIC_SENT:
      touch(rec, channel, at);
      return sentMessageAgent(state, rec, at);
    case T.CaseResolved:
      if (rec.status === 'resolved') return CASE_FX_FALLBACK;
      resolveCase(state, rec, channel, at);
      return CASE_FX.resolved;
    case T.CaseReopened:
      if (rec.status !== 'resolved') return CASE_FX_FALLBACK;
      touch(rec, channel, at);
      reopen(rec, at);
      return CASE_FX.reopened;
    case T.CaseClosed:
      touch(rec, channel, at);
      endWaiting(rec, at, false);
      setStatus(rec, 'closed', at);
      rec.closedAt = at;
      return CASE_FX.closed;
    default:
      touch(rec, channel, at);
      return 0;
  }
}

/** A `CaseResolved` on a case not yet resolved (both case folds use it). */
function resolveCase(state: CasesState, rec: CaseRecord, channel: Channel | undefined, at: number): void {
  touch(rec, channel, at);
  endWaiting(rec, at, false);
  setStatus(rec, 'resolved', at);
  rec.resolvedAt = at;
  rec.resolutions.push(at);
  if (rec.sla?.resolutionMs !== undefined) noteResolutionOutcome(rec, at);
  state.resolution.at.push(at);
  state.resolution.ms.push(at - rec.cycleStart);
}

/** A public agent reply, after the touch (both case folds use it): returns the `agentReply` bit. */
function sentMessageAgent(state: CasesState, rec: CaseRecord, at: number): number {
  if (rec.status === 'bot') setStatus(rec, 'open', at);
  if (rec.firstResponseAt === null) {
    // A bot case answered by an agent before any handoff starts its clock at the opening.
    const start = rec.firstResponseClockStart ?? rec.openedAt;
    rec.firstResponseClockStart = start;
    rec.firstResponseAt = at;
    state.firstResponse.at.push(at);
    state.firstResponse.ms.push(at - start);
  }
  if (rec.waitingSince !== null) {
    state.reply.at.push(at);
    state.reply.ms.push(at - rec.waitingSince);
    endWaiting(rec, at, true);
  }
  rec.agentReplied = true;
  return CASE_FX.agentReply;
}

/** The record a known record ends at after following merges (never `undefined`: merge targets exist). */
export function followKnown(state: CasesState, rec: CaseRecord): CaseRecord | undefined {
  return rec.mergedInto === undefined ? rec : followMerges(state, rec);
}
