import type { CaseStatus } from '../model/index.js';

/** The JSON replay report of `omnitrail replay` (report.md): a contract compared field by field. */
export interface ReplayReport {
  omnitrailReport: 1;
  asOf: string | null;
  from: string | null;
  to: string | null;
  input: {
    read: number;
    accepted: number;
    duplicates: number;
    rejected: RejectedLine[];
  };
  tenants: Record<string, TenantReport>;
}

/** A line of the input that is not a valid event: `input.rejected` of the report (report.md). */
export interface RejectedLine {
  /** Present when there are several inputs. */
  file?: string;
  line: number;
  id: string | null;
  errors: { path: string; message: string }[];
}


/** An open case as `cases.openCases` lists it (report.md). */
export interface OpenCaseRow {
  caseId: string;
  customerId: string;
  status: CaseStatus;
  openedAt: string;
  channels: string[];
  reopenCount: number;
  waitingSince: string | null;
  firstResponseAt: string | null;
}

/** Statistics of durations in milliseconds: count, mean, median and p90 (report.md), `null` when empty. */
export interface DurationStats {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
}

/** The `cases` section of a tenant (report.md): counts by status, open cases, reopens, anomalies. */
export interface CasesSection {
  count: number;
  byStatus: Record<CaseStatus, number>;
  open: OpenCaseRow[];
  anomalies: { eventId: string; reason: string }[];
}

/** The case-derived metrics (the cases projection computes them). */
export interface CaseMetricsSection {
  firstResponseMs: DurationStats;
  replyMs: DurationStats;
  resolutionMs: DurationStats;
  fcr: { resolved: number; firstContact: number; rate: number | null };
  multiChannelCaseShare: number | null;
  botContainment: { botHandled: number; contained: number; rate: number | null };
}

/** The customer-derived metrics (surveys, channel mix, churn). */
export interface CustomerMetricsSection {
  csat: { answers: number; percent: number | null; responseRate: number | null };
  nps: { answers: number; promoters: number; detractors: number; score: number | null };
  ces: { answers: number; mean: number | null; shareAtLeast5: number | null };
  channelMix: Record<string, number>;
  churn: {
    from: string;
    to: string;
    atStart: number;
    churned: number;
    atEnd: number;
    simpleRate: number | null;
    adjustedRate: number | null;
    predictiveRate: number | null;
  };
}

/** The `metrics` section of a tenant (report.md): the service metrics of cases and of customers. */
export type MetricsSection = CaseMetricsSection & CustomerMetricsSection;

/** The `journeys` section of a tenant (report.md): stages, channel transitions, context lost. */
export interface JourneysSection {
  stages: { awareness: number; consideration: number; purchase: number; post_sale_support: number };
  transitions: { from: string; to: string; count: number }[];
  contextLost: { unthreaded_switch: number; forced_restart: number; blind_handoff: number; identity_gap: number };
}

/** The `health` section of a tenant (report.md): customers per health band. */
export interface HealthSection {
  red: number;
  yellow: number;
  green: number;
  na: number;
}

/** Percentiles of durations in milliseconds (nearest rank; the median as in {@link DurationStats}), `null` when empty. */
export interface DurationSpread {
  count: number;
  p10: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
}

/** The length of the buckets of a tenant's time series: `day` for periods up to 62 days, else `week`. */
export type SeriesInterval = 'day' | 'week';

/**
 * One bucket `[start, end)` of a tenant's time series (docs/cli.md, Time series). Counts and samples are of
 * events inside both the bucket and the metrics period, by the `occurredAt` of the event completing each;
 * `backlog` and `health` are as of the bucket's end (the period's end for the last bucket).
 */
export interface SeriesBucket {
  start: string;
  end: string;
  /** Inbound touchpoints by channel, channels sorted. */
  inbound: Record<string, number>;
  /** Cases opened (merged ones aside). */
  casesOpened: number;
  /** `CaseResolved` events that ended a cycle. */
  resolutions: number;
  /** Cases in an open status (bot, open, pending customer, on hold, snoozed) at the bucket's end. */
  backlog: number;
  firstResponseMs: DurationSpread;
  resolutionMs: DurationSpread;
  csat: { answers: number; percent: number | null };
  /** Each customer's latest NPS answer in the bucket. */
  nps: { answers: number; promoters: number; detractors: number; score: number | null };
  /**
   * Customers (first event before the bucket's end) by health band at the bucket's end; `null` for buckets
   * before the last 13, where health is not judged (docs/cli.md).
   */
  health: HealthSection | null;
}

/** The `series` section of a tenant: buckets in time order covering the metrics period. */
export interface SeriesSection {
  interval: SeriesInterval;
  buckets: SeriesBucket[];
}

/** A context-lost annotation as the report's `examples` list it. */
export interface ContextLostExample {
  customerId: string;
  at: string;
  caseId: string | null;
  /** Ids of the events that show it. */
  evidence: string[];
}

/** The `examples` section of a tenant: the latest five annotations of each context-lost kind, latest first. */
export interface ExamplesSection {
  contextLost: {
    unthreaded_switch: ContextLostExample[];
    forced_restart: ContextLostExample[];
    blind_handoff: ContextLostExample[];
    identity_gap: ContextLostExample[];
  };
}

/** One tenant's section of the replay report (report.md), in its key order. */
export interface TenantReport {
  customers: { count: number; merged: number };
  cases: CasesSection;
  metrics: MetricsSection;
  journeys: JourneysSection;
  health: HealthSection;
  /** The time series of the metrics period (docs/cli.md, Time series). */
  series: SeriesSection;
  /** Examples behind the counts (docs/cli.md). */
  examples: ExamplesSection;
  /**
   * The sections of the tenant-wide projections of the registry (`TENANT_PROJECTIONS`), by name; absent when
   * the registry has none.
   */
  operations?: Record<string, unknown>;
}
