/**
 * The triage queue (operations.md, triage): the cases to work at `asOf`, scored so that the case to take next
 * comes first, each point listed as a reason. A view of the fold at `asOf` (cases, SLA, sentiment, health)
 * rather than a fold of its own: its tenant-wide projection keeps no state and reads the folded tenant.
 */
import type { CaseStatus, JourneyConfig, TenantProjection } from '../model/index.js';
import { statusAsOf, type CaseRecord, type CasesState } from '../cases/index.js';
import { slaStatus } from '../cases/index.js';
import { customerHealth, DEFAULT_SENTIMENT_SEVERITY } from '../churn/index.js';
import type { CustomersState } from '../customers/index.js';
import type { CaseLookup } from '../model/index.js';

const HOUR_MS = 3_600_000;

/** The reason names, in the order a case's reasons are listed. */
export const TRIAGE_REASONS = Object.freeze(['priority', 'sla', 'waiting', 'sentiment', 'public', 'health'] as const);

/** Why a case has the points it has. */
export type TriageReasonName = (typeof TRIAGE_REASONS)[number];

/** One reason of a triage score. */
export interface TriageReason {
  reason: TriageReasonName;
  points: number;
}

/** One case of the queue. */
export interface TriageEntry {
  caseId: string;
  /** The case's customer after merges. */
  customerId: string;
  /** The sum of the reasons' points, unrounded. */
  score: number;
  /** `priority` always, then each other reason that applies, in {@link TRIAGE_REASONS} order. */
  reasons: TriageReason[];
}

/** A queue entry with the tie-breaker it is sorted by (the section drops it). */
export interface TriageRow extends TriageEntry {
  waitingSince: number | null;
}

/** What the queue reads of a fold at `asOf` (a `TenantFold` has all of it). */
export interface TriageInput {
  cases: CasesState;
  customers: CustomersState;
  caseLookup: CaseLookup;
  canonical: (customerId: string) => string;
  config: JourneyConfig;
}

/**
 * Whether a case is in the work queue, by its status as of `asOf` (`statusAsOf`, where a snooze with
 * `snoozedUntil < asOf` already reads `open`): `open` or `bot`.
 */
export function inTriage(statusAtAsOf: CaseStatus): boolean {
  return statusAtAsOf === 'open' || statusAtAsOf === 'bot';
}

/**
 * The SLA reason's points: a missed target not settled, else a running target due within the window;
 * `undefined` when neither applies.
 */
function slaPoints(state: CasesState, rec: CaseRecord, asOf: number, config: JourneyConfig): number | undefined {
  const sla = slaStatus(state, rec.caseId, asOf);
  if (sla === undefined) return undefined;
  const t = config.triage;
  let soon = false;
  const dueSoon = (dueAt: number | null) => dueAt !== null && dueAt >= asOf && dueAt - asOf <= t.slaDueSoonMs;
  // First response: unsettled while no agent answered and the clock was not stopped by a resolution,
  // closing or merge (a case in the queue is neither closed nor merged).
  const fr = sla.firstResponse;
  if (fr !== undefined && rec.firstResponseAt === null && rec.resolutions.length === 0 && fr.dueAt !== null) {
    if (fr.state === 'missed') return t.slaMissed;
    if (dueSoon(fr.dueAt)) soon = true;
  }
  // Next response: the current waiting episode.
  const nr = sla.nextResponse;
  if (nr !== undefined && rec.waitingSince !== null && nr.dueAt !== null) {
    if (asOf > nr.dueAt) return t.slaMissed;
    if (dueSoon(nr.dueAt)) soon = true;
  }
  // Resolution: the current cycle, which is still running for a case in the queue.
  const res = sla.resolution;
  if (res !== undefined && res.dueAt !== null) {
    if (res.state === 'missed') return t.slaMissed;
    if (dueSoon(res.dueAt)) soon = true;
  }
  return soon ? t.slaDueSoon : undefined;
}

/**
 * The sentiment reason's points: the customer's latest `SentimentScored` in the window before `asOf`
 * (`(asOf − window, asOf]`), when its score is below the threshold: points per severity × severity (3 when
 * absent); `undefined` when it does not apply. The case's events are its customer's, so the customer's
 * sentiments cover both.
 */
function sentimentPoints(input: TriageInput, customerId: string, asOf: number): number | undefined {
  const rec = input.customers.customers.get(customerId);
  if (rec === undefined) return undefined;
  const t = input.config.triage;
  for (let i = rec.sentiments.length - 1; i >= 0; i--) {
    const s = rec.sentiments[i]!;
    if (s.at > asOf) continue;
    if (s.at <= asOf - t.sentimentWindowMs) return undefined;
    return s.score < t.sentimentBelow ? t.sentimentPerSeverity * (s.severity ?? DEFAULT_SENTIMENT_SEVERITY) : undefined;
  }
  return undefined;
}

/**
 * One case's entry, or `undefined` when it is not in the queue at `asOf`. A reason is listed when its
 * condition holds, even when its points are configured to 0 (`priority` always is).
 */
export function triageEntry(input: TriageInput, rec: CaseRecord, asOf: number): TriageRow | undefined {
  if (rec.openedAt > asOf || !inTriage(statusAsOf(rec, asOf))) return undefined;
  const t = input.config.triage;
  const customerId = input.canonical(rec.customerId);
  const reasons: TriageReason[] = [{ reason: 'priority', points: t.priority[rec.priority ?? 'normal'] }];
  const sla = slaPoints(input.cases, rec, asOf, input.config);
  if (sla !== undefined) reasons.push({ reason: 'sla', points: sla });
  if (rec.waitingSince !== null) {
    reasons.push({ reason: 'waiting', points: Math.min(t.waitingMax, (t.waitingPerHour * Math.max(0, asOf - rec.waitingSince)) / HOUR_MS) });
  }
  const sentiment = sentimentPoints(input, customerId, asOf);
  if (sentiment !== undefined) reasons.push({ reason: 'sentiment', points: sentiment });
  if (rec.channels.has('social_public')) reasons.push({ reason: 'public', points: t.publicExposure });
  const band = customerHealth(input.customers, customerId, asOf, input.caseLookup, input.config)?.band;
  if (band === 'red') reasons.push({ reason: 'health', points: t.healthRed });
  else if (band === 'yellow') reasons.push({ reason: 'health', points: t.healthYellow });
  let score = 0;
  for (const r of reasons) score += r.points;
  return { caseId: rec.caseId, customerId, score, reasons, waitingSince: rec.waitingSince };
}

/** Score descending, then `waitingSince` ascending (null last), then `caseId`. */
export function compareTriage(a: TriageRow, b: TriageRow): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.waitingSince !== b.waitingSince) {
    if (a.waitingSince === null) return 1;
    if (b.waitingSince === null) return -1;
    return a.waitingSince - b.waitingSince;
  }
  return a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0;
}

/** The queue's rows at `asOf`, sorted (see {@link compareTriage}). */
export function triageRows(input: TriageInput, asOf: number): TriageRow[] {
  const rows: TriageRow[] = [];
  for (const rec of input.cases.cases.values()) {
    const row = triageEntry(input, rec, asOf);
    if (row !== undefined) rows.push(row);
  }
  return rows.sort(compareTriage);
}

/** The queue at `asOf` as the report and the engine give it: sorted entries without the tie-breaker. */
export function triageQueue(input: TriageInput, asOf: number): TriageEntry[] {
  return triageRows(input, asOf).map(entryOf);
}

function entryOf(r: TriageRow): TriageEntry {
  return { caseId: r.caseId, customerId: r.customerId, score: r.score, reasons: r.reasons.map((x) => ({ ...x })) };
}

/**
 * The `triage` section of `tenants.<id>.operations`: the queue at the window's `asOf`. No state of its own;
 * the tally is the queue's rows of the fold (disjoint parts of a tenant have disjoint cases, so tallies
 * concatenate and the section sorts).
 */
export const triageProjection: TenantProjection<null, TriageRow[], TriageEntry[], TriageInput> = {
  name: 'triage',
  create: () => null,
  clone: () => null,
  apply: () => undefined,
  tally: (_state, window, _canonical, fold) => triageRows(fold, window.asOf),
  mergeTallies: (a, b) => [...a, ...b],
  section: (tally) => tally.slice().sort(compareTriage).map(entryOf),
};
