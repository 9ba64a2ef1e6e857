import type { CaseRecord, CasesState, Samples } from '../cases/index.js';
import { healthOf } from '../churn/index.js';
import { codeChannel, isInboundCode, type CustomersState } from '../customers/index.js';
import type { ContextLostKind } from '../journey-map/index.js';
import type { CaseLookup, JourneyConfig, ReportWindow } from '../model/index.js';
import { addCounts } from '../report/counts.js';
import type { ContextLostExample as ContextLostExampleRow, DurationSpread, ExamplesSection, HealthSection, SeriesBucket, SeriesInterval, SeriesSection } from '../report/types.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05, the first Monday of the epoch: weeks start on Mondays (ISO 8601). */
const FIRST_MONDAY_MS = 4 * DAY_MS;

/** Periods up to this many days get daily buckets, longer ones weekly buckets (docs/cli.md, Time series). */
export const DAILY_SERIES_MAX_DAYS = 62;

/**
 * Health bands are judged at the end of the last this-many buckets only: judging every customer costs about a
 * pass over the tenant's events per bucket, so it is bounded by the window, the same for every shard.
 */
export const HEALTH_SERIES_BUCKETS = 13;

/** How many examples of each context-lost kind the report lists. */
export const CONTEXT_LOST_EXAMPLES = 5;

/** The bucket length of a period `[from, to)`: a day up to {@link DAILY_SERIES_MAX_DAYS} days, else a week. */
export function seriesInterval(from: number, to: number): SeriesInterval {
  return to - from <= DAILY_SERIES_MAX_DAYS * DAY_MS ? 'day' : 'week';
}

function bucketFloor(ms: number, interval: SeriesInterval): number {
  if (interval === 'day') return Math.floor(ms / DAY_MS) * DAY_MS;
  return Math.floor((ms - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS;
}

/** A context-lost annotation kept as an example, before its instant is written as text. */
export interface ContextLostExample {
  customerId: string;
  at: number;
  caseId: string | null;
  evidence: string[];
}

/** One bucket of a {@link SeriesTally}: counts and samples before statistics. */
export interface SeriesBucketTally {
  inbound: Record<string, number>;
  casesOpened: number;
  resolutions: number;
  backlog: number;
  firstResponseMs: number[];
  resolutionMs: number[];
  csatAnswers: number;
  csatGood: number;
  npsAnswers: number;
  promoters: number;
  detractors: number;
  /** `null` for buckets before the last {@link HEALTH_SERIES_BUCKETS}. */
  health: HealthSection | null;
}

/**
 * A tenant's time series before statistics: buckets of counts and samples. The buckets depend on the window
 * only, so tallies of disjoint parts of a tenant folded apart add up bucket by bucket ({@link mergeSeriesTallies}).
 */
export interface SeriesTally {
  interval: SeriesInterval;
  /** Bucket starts (ms), ascending; bucket `i` is `[starts[i], starts[i] + length)`. */
  starts: number[];
  buckets: SeriesBucketTally[];
  /** Per context-lost kind, the latest {@link CONTEXT_LOST_EXAMPLES} annotations, in report order. */
  contextLost: Record<ContextLostKind, ContextLostExample[]>;
}

const emptyBucket = (healthJudged: boolean): SeriesBucketTally => ({
  inbound: {},
  casesOpened: 0,
  resolutions: 0,
  backlog: 0,
  firstResponseMs: [],
  resolutionMs: [],
  csatAnswers: 0,
  csatGood: 0,
  npsAnswers: 0,
  promoters: 0,
  detractors: 0,
  health: healthJudged ? { red: 0, yellow: 0, green: 0, na: 0 } : null,
});

/** Whether a case is in the backlog (an open status, not merged) just before the instant `at`. */
function openBefore(c: CaseRecord, at: number): boolean {
  if (c.openedAt >= at || (c.mergedAt !== undefined && c.mergedAt < at)) return false;
  let changes = 0;
  for (const t of c.openStatusChanges) {
    if (t >= at) break;
    changes++;
  }
  return changes % 2 === 0;
}

/** Latest first, then by customer, case and evidence: a total order, so any split of customers sorts the same. */
function compareExamples(a: ContextLostExample, b: ContextLostExample): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  const ka = `${a.customerId}\u0000${a.caseId ?? ''}\u0000${a.evidence.join(',')}`;
  const kb = `${b.customerId}\u0000${b.caseId ?? ''}\u0000${b.evidence.join(',')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const topExamples = (list: ContextLostExample[]): ContextLostExample[] => list.sort(compareExamples).slice(0, CONTEXT_LOST_EXAMPLES);

/**
 * The {@link SeriesTally} of a folded tenant: buckets of a day or a week (UTC, weeks from Monday) covering the
 * period `[window.from, window.to)`. Events count in the bucket of the `occurredAt` of the event that completes
 * them (a touchpoint, an opening, a resolution, an answer, a first reply) when it is inside the period;
 * the backlog and the health bands are taken at the bucket's end (the period's end for the last one), from
 * the events before it.
 */
export function seriesTally(
  cases: CasesState,
  customers: CustomersState,
  caseLookup: CaseLookup,
  window: ReportWindow,
  config: JourneyConfig,
): SeriesTally {
  const { from, to } = window;
  const interval = seriesInterval(from, to);
  const length = interval === 'day' ? DAY_MS : WEEK_MS;
  const starts: number[] = [];
  if (from < to) for (let s = bucketFloor(from, interval); s < to; s += length) starts.push(s);
  const firstJudged = Math.max(0, starts.length - HEALTH_SERIES_BUCKETS);
  const buckets = starts.map((_, i) => emptyBucket(i >= firstJudged));
  const first = starts[0] ?? 0;
  const indexOf = (at: number): number => (at >= from && at < to ? Math.floor((at - first) / length) : -1);
  // The instant each bucket is judged at: its end, or the period's end for the last one (never after asOf + 1 ms).
  const ends = starts.map((s) => Math.min(s + length, to, window.asOf + 1));

  const addSamples = (samples: Samples, pick: (b: SeriesBucketTally) => number[]): void => {
    for (let i = 0; i < samples.at.length; i++) {
      const k = indexOf(samples.at[i]!);
      if (k >= 0) pick(buckets[k]!).push(samples.ms[i]!);
    }
  };
  addSamples(cases.firstResponse, (b) => b.firstResponseMs);
  addSamples(cases.resolution, (b) => b.resolutionMs);
  for (const c of cases.cases.values()) {
    const k = indexOf(c.openedAt);
    if (k >= 0 && c.status !== 'merged') buckets[k]!.casesOpened++;
    for (const r of c.resolutions) {
      const j = indexOf(r);
      if (j >= 0) buckets[j]!.resolutions++;
    }
    if (c.openedAt >= to) continue;
    for (let i = 0; i < ends.length; i++) if (openBefore(c, ends[i]!)) buckets[i]!.backlog++;
  }

  const contextLost: SeriesTally['contextLost'] = { unthreaded_switch: [], forced_restart: [], blind_handoff: [], identity_gap: [] };
  for (const rec of customers.customers.values()) {
    const { ats, codes } = rec;
    for (let i = 0; i < ats.length; i++) {
      const at = ats[i]!;
      if (at >= to) break;
      const k = indexOf(at);
      if (k < 0 || !isInboundCode(codes[i]!)) continue;
      const inbound = buckets[k]!.inbound;
      const ch = codeChannel(codes[i]!)!;
      inbound[ch] = (inbound[ch] ?? 0) + 1;
    }
    // Each customer's latest NPS answer in a bucket counts, as the period's NPS counts the latest in the period.
    const latestNps = new Map<number, number>();
    for (const s of rec.surveys) {
      const k = indexOf(s.at);
      if (k < 0) continue;
      if (s.kind === 'csat') {
        buckets[k]!.csatAnswers++;
        if (s.score >= 4) buckets[k]!.csatGood++;
      } else if (s.kind === 'nps') latestNps.set(k, s.score);
    }
    for (const [k, score] of latestNps) {
      const b = buckets[k]!;
      b.npsAnswers++;
      if (score >= 9) b.promoters++;
      else if (score <= 6) b.detractors++;
    }
    const firstAt = ats[0];
    if (firstAt !== undefined) {
      for (let i = firstJudged; i < ends.length; i++) {
        const at = ends[i]! - 1; // health is judged with the events at or before its instant
        if (firstAt > at) continue;
        buckets[i]!.health![healthOf(rec, at, caseLookup, config).band] += 1;
      }
    }
    for (const a of rec.journey.contextLost) {
      if (a.at > window.asOf) continue;
      const list = contextLost[a.kind];
      list.push({ customerId: rec.customerId, at: a.at, caseId: a.caseId ?? null, evidence: a.evidence.slice() });
      if (list.length > 4 * CONTEXT_LOST_EXAMPLES) contextLost[a.kind] = topExamples(list);
    }
  }
  for (const kind of Object.keys(contextLost) as ContextLostKind[]) contextLost[kind] = topExamples(contextLost[kind]);
  return { interval, starts, buckets, contextLost };
}

/** The series tallies of two disjoint parts of a tenant, folded with the same window, together. */
export function mergeSeriesTallies(a: SeriesTally, b: SeriesTally): SeriesTally {
  const buckets = a.buckets.map((x, i) => {
    const y = b.buckets[i]!;
    return {
      inbound: addCounts(x.inbound, y.inbound),
      casesOpened: x.casesOpened + y.casesOpened,
      resolutions: x.resolutions + y.resolutions,
      backlog: x.backlog + y.backlog,
      firstResponseMs: [...x.firstResponseMs, ...y.firstResponseMs],
      resolutionMs: [...x.resolutionMs, ...y.resolutionMs],
      csatAnswers: x.csatAnswers + y.csatAnswers,
      csatGood: x.csatGood + y.csatGood,
      npsAnswers: x.npsAnswers + y.npsAnswers,
      promoters: x.promoters + y.promoters,
      detractors: x.detractors + y.detractors,
      health: x.health === null || y.health === null ? null : addCounts(x.health, y.health),
    };
  });
  const contextLost = {} as SeriesTally['contextLost'];
  for (const kind of Object.keys(a.contextLost) as ContextLostKind[]) contextLost[kind] = topExamples([...a.contextLost[kind], ...b.contextLost[kind]]);
  return { interval: a.interval, starts: a.starts, buckets, contextLost };
}

/**
 * The nearest-rank percentiles (p10, p25, p75, p90: the sample at position ⌈p n / 100⌉ of the sorted samples)
 * and the median (the mean of the two middle values for an even count) of durations; `null` without samples.
 */
export function durationSpread(samples: readonly number[]): DurationSpread {
  const n = samples.length;
  if (n === 0) return { count: 0, p10: null, p25: null, median: null, p75: null, p90: null };
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p * n) / 100) - 1)]!;
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: n, p10: rank(10), p25: rank(25), median, p75: rank(75), p90: rank(90) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The report's `series` section (docs/cli.md) from a tally: buckets in time order, channels sorted. */
export function seriesSectionOf(t: SeriesTally): SeriesSection {
  const length = t.interval === 'day' ? DAY_MS : WEEK_MS;
  const buckets: SeriesBucket[] = t.buckets.map((b, i) => {
    const inbound: Record<string, number> = {};
    for (const ch of Object.keys(b.inbound).sort()) inbound[ch] = b.inbound[ch]!;
    return {
      start: iso(t.starts[i]!),
      end: iso(t.starts[i]! + length),
      inbound,
      casesOpened: b.casesOpened,
      resolutions: b.resolutions,
      backlog: b.backlog,
      firstResponseMs: durationSpread(b.firstResponseMs),
      resolutionMs: durationSpread(b.resolutionMs),
      csat: { answers: b.csatAnswers, percent: b.csatAnswers === 0 ? null : (b.csatGood / b.csatAnswers) * 100 },
      nps: { answers: b.npsAnswers, promoters: b.promoters, detractors: b.detractors, score: b.npsAnswers === 0 ? null : ((b.promoters - b.detractors) / b.npsAnswers) * 100 },
      health: b.health === null ? null : { ...b.health },
    };
  });
  return { interval: t.interval, buckets };
}

/** The report's `examples` section (docs/cli.md) from a tally. */
export function examplesSectionOf(t: SeriesTally): ExamplesSection {
  const contextLost = {} as ExamplesSection['contextLost'];
  for (const kind of Object.keys(t.contextLost) as ContextLostKind[]) {
    contextLost[kind] = t.contextLost[kind].map((e): ContextLostExampleRow => ({ customerId: e.customerId, at: iso(e.at), caseId: e.caseId, evidence: e.evidence.slice() }));
  }
  return { contextLost };
}
