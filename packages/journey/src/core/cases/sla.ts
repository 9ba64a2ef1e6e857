import { isOpenCaseStatus, type BusinessHoursCalendar, type SlaMiss, type SlaOutcome } from '../model/index.js';
import { addBusinessMs, businessMsBetween } from './business-hours.js';
import { type CaseRecord, type CasesState } from './state.js';

/** Where one SLA target stands as of an instant. */
export type SlaState = 'active' | 'hit' | 'missed';

/** One target's standing and its due instant (`null` while its clock has not started). */
export interface SlaTargetStatus {
  state: SlaState;
  dueAt: number | null;
}

/** A case's SLA as of an instant; targets the policy does not set are absent. */
export interface CaseSlaStatus {
  caseId: string;
  policyId: string;
  firstResponse?: SlaTargetStatus;
  /** The current waiting episode (or the latest one), plus hit and missed episodes so far. */
  nextResponse?: SlaTargetStatus & { hit: number; missed: number };
  /** The current cycle. */
  resolution?: SlaTargetStatus;
}

function addTime(cal: BusinessHoursCalendar | undefined, start: number, ms: number): number {
  return cal === undefined ? start + ms : addBusinessMs(cal, start, ms);
}

function elapsed(cal: BusinessHoursCalendar | undefined, from: number, to: number): number {
  if (to <= from) return 0;
  return cal === undefined ? to - from : businessMsBetween(cal, from, to);
}

function firstResponseStatus(rec: CaseRecord, target: number, cal: BusinessHoursCalendar | undefined, asOf: number): SlaTargetStatus {
  const start = rec.firstResponseClockStart;
  if (start === null) return { state: isOpenCaseStatus(rec.status) ? 'active' : 'hit', dueAt: null };
  const due = addTime(cal, start, target);
  if (rec.firstResponseAt !== null) return { state: rec.firstResponseAt <= due ? 'hit' : 'missed', dueAt: due };
  // Resolving, closing or merging before any reply stops the clock: nothing was owed after that.
  let stop = Infinity;
  if (rec.resolutions.length > 0) stop = rec.resolutions[0]!;
  if (rec.closedAt !== null && rec.closedAt < stop) stop = rec.closedAt;
  if (rec.mergedAt !== undefined && rec.mergedAt < stop) stop = rec.mergedAt;
  const end = Math.min(stop, asOf);
  return { state: end > due ? 'missed' : stop === Infinity ? 'active' : 'hit', dueAt: due };
}

function nextResponseStatus(rec: CaseRecord, target: number, cal: BusinessHoursCalendar | undefined, asOf: number): SlaTargetStatus & { hit: number; missed: number } {
  let hit = 0;
  let missed = 0;
  let last: SlaTargetStatus | undefined;
  const ep = rec.episodes;
  for (let i = 0; i < ep.length; i += 3) {
    const due = addTime(cal, ep[i]!, target);
    const end = ep[i + 1]!;
    if (ep[i + 2] === 1) {
      // A reply after the deadline is still a miss: one outcome per waiting episode.
      if (end <= due) hit++;
      else missed++;
      last = { state: end <= due ? 'hit' : 'missed', dueAt: due };
    } else if (end > due) {
      missed++;
      last = { state: 'missed', dueAt: due };
    }
  }
  if (rec.waitingSince !== null && isOpenCaseStatus(rec.status)) {
    const due = addTime(cal, rec.waitingSince, target);
    if (asOf > due) {
      missed++;
      return { state: 'missed', dueAt: due, hit, missed };
    }
    return { state: 'active', dueAt: due, hit, missed };
  }
  return { ...(last ?? { state: 'hit', dueAt: null }), hit, missed };
}

function resolutionStatus(rec: CaseRecord, target: number, cal: BusinessHoursCalendar | undefined, asOf: number): SlaTargetStatus {
  const start = rec.cycleStart;
  // The current cycle ended when it was resolved (each reopening follows one resolution), closed or merged.
  let end: number | null = null;
  if (rec.resolutions.length === rec.reopenCount + 1) end = rec.resolvedAt;
  else if (rec.closedAt !== null) end = rec.closedAt;
  else if (rec.mergedAt !== undefined) end = rec.mergedAt;
  const until = end ?? asOf;
  let paused = 0;
  for (let i = 0; i < rec.pauses.length; i += 2) paused += elapsed(cal, rec.pauses[i]!, Math.min(rec.pauses[i + 1]!, until));
  const pausedNow = rec.pausedSince !== null && end === null;
  if (pausedNow) paused += elapsed(cal, rec.pausedSince!, until);
  const used = elapsed(cal, start, until) - paused;
  // While paused the due instant keeps moving: it is the instant the clock would reach the target if resumed now.
  const dueAt = pausedNow ? addTime(cal, asOf, target - used) : addTime(cal, start, target + paused);
  if (used > target) return { state: 'missed', dueAt };
  return { state: end === null ? 'active' : 'hit', dueAt };
}

/**
 * The SLA of a case as of `asOf` (domain.md, Cases > SLA), judged with the targets of its latest
 * `SlaApplied` and the tenant's business-hours calendar when one was configured. `undefined` when the case
 * is unknown or no SLA was applied to it.
 */
export function slaStatus(state: CasesState, caseId: string, asOf: number): CaseSlaStatus | undefined {
  const rec = state.cases.get(caseId);
  if (rec === undefined || rec.sla === undefined) return undefined;
  const sla = rec.sla;
  const out: CaseSlaStatus = { caseId, policyId: sla.policyId };
  if (sla.firstResponseMs !== undefined) out.firstResponse = firstResponseStatus(rec, sla.firstResponseMs, sla.calendar, asOf);
  if (sla.nextResponseMs !== undefined) out.nextResponse = nextResponseStatus(rec, sla.nextResponseMs, sla.calendar, asOf);
  if (sla.resolutionMs !== undefined) out.resolution = resolutionStatus(rec, sla.resolutionMs, sla.calendar, asOf);
  return out;
}

/** Notes the resolution target of the cycle a `CaseResolved` at `at` just ended (the cases fold calls it). */
export function noteResolutionOutcome(rec: CaseRecord, at: number): void {
  const sla = rec.sla!;
  const s = resolutionStatus(rec, sla.resolutionMs!, sla.calendar, at);
  const missed = s.state === 'missed';
  rec.resolutionOutcomes.push(missed ? 1 : 0, s.dueAt!, missed ? s.dueAt! : at);
}

/**
 * Every SLA target of a case as of `asOf` (operations.md, sla), each with the instant it was settled: the
 * first response; every waiting episode's next response (an episode that ended without a reply before its
 * due instant settles nothing, as in {@link slaStatus}); the resolution target of every cycle a resolution
 * ended (judged with the targets of that moment) and of the current cycle. A hit is settled by the event that
 * met it (a first-response clock stopped by a resolution, closing or merge before its due instant is met
 * then), a miss by its due instant. Empty when no SLA was applied.
 */
export function slaOutcomes(state: CasesState, caseId: string, asOf: number): SlaOutcome[] {
  const rec = state.cases.get(caseId);
  if (rec === undefined || rec.sla === undefined) return [];
  const sla = rec.sla;
  const cal = sla.calendar;
  const out: SlaOutcome[] = [];
  if (sla.firstResponseMs !== undefined) {
    const s = firstResponseStatus(rec, sla.firstResponseMs, cal, asOf);
    let settledAt: number | null = null;
    if (s.state === 'missed') settledAt = s.dueAt;
    else if (s.state === 'hit') settledAt = rec.firstResponseAt ?? firstStop(rec);
    out.push({ target: 'firstResponse', state: s.state, dueAt: s.dueAt, settledAt });
  }
  if (sla.nextResponseMs !== undefined) {
    const ep = rec.episodes;
    for (let i = 0; i < ep.length; i += 3) {
      const dueAt = addTime(cal, ep[i]!, sla.nextResponseMs);
      const end = ep[i + 1]!;
      if (end > dueAt) out.push({ target: 'nextResponse', state: 'missed', dueAt, settledAt: dueAt });
      else if (ep[i + 2] === 1) out.push({ target: 'nextResponse', state: 'hit', dueAt, settledAt: end });
    }
    if (rec.waitingSince !== null && isOpenCaseStatus(rec.status)) {
      const dueAt = addTime(cal, rec.waitingSince, sla.nextResponseMs);
      out.push(asOf > dueAt ? { target: 'nextResponse', state: 'missed', dueAt, settledAt: dueAt } : { target: 'nextResponse', state: 'active', dueAt, settledAt: null });
    }
  }
  if (sla.resolutionMs !== undefined) {
    const r = rec.resolutionOutcomes;
    for (let i = 0; i < r.length; i += 3) out.push({ target: 'resolution', state: r[i] === 1 ? 'missed' : 'hit', dueAt: r[i + 1]!, settledAt: r[i + 2]! });
    // A cycle a resolution ended is noted above; the current one otherwise (running, or ended by closing or merging).
    if (rec.resolutions.length !== rec.reopenCount + 1) {
      const s = resolutionStatus(rec, sla.resolutionMs, cal, asOf);
      const settledAt = s.state === 'missed' ? s.dueAt : s.state === 'hit' ? (rec.closedAt ?? rec.mergedAt ?? null) : null;
      out.push({ target: 'resolution', state: s.state, dueAt: s.dueAt, settledAt });
    }
  }
  return out;
}

/** The instant a case first stopped owing a first response without one: its first resolution, closing or merge. */
function firstStop(rec: CaseRecord): number | null {
  let stop = Infinity;
  if (rec.resolutions.length > 0) stop = rec.resolutions[0]!;
  if (rec.closedAt !== null && rec.closedAt < stop) stop = rec.closedAt;
  if (rec.mergedAt !== undefined && rec.mergedAt < stop) stop = rec.mergedAt;
  return stop === Infinity ? null : stop;
}

/**
 * Every SLA target of a case missed as of `asOf` (due strictly before `asOf` and not met by then), in due
 * order: the missed outcomes of {@link slaOutcomes}, so the health signal and the `sla` view judge alike. The
 * record may hold events after `asOf` (the live engine's head): a target due at or after `asOf` is not missed
 * yet. Empty without an SLA.
 */
export function slaMissesOf(state: CasesState, caseId: string, asOf: number): SlaMiss[] {
  const out: SlaMiss[] = [];
  for (const o of slaOutcomes(state, caseId, asOf)) {
    if (o.state === 'missed' && o.dueAt !== null && o.dueAt < asOf) out.push({ target: o.target, dueAt: o.dueAt });
  }
  return out.sort((a, b) => a.dueAt - b.dueAt);
}
