import type { CatalogEvent, Channel } from '@omnitrail/events';

/**
 * One event as the standard projections fold it: the parsed catalog event, its instant in milliseconds,
 * and who it belongs to. Events reach the projections of a tenant in `(occurredAt, id)` order.
 */
export interface JourneyEvent {
  event: CatalogEvent;
  /** `Date.parse(event.occurredAt)` */
  at: number;
  /**
   * The customer the event belongs to after every merge known to the fold (the survivor): projections key
   * customers by this id, so a merge looks as if the merged customer's events carried it from the start.
   */
  customerId: string;
  /** The customer identity resolution attributed the event to when it happened, before later merges. */
  attributedCustomerId: string;
}

/** Reopen window: always reopen, never reopen (always follow up), or reopen within N days. */
export type ReopenWindow = 'always' | 'never' | { days: number };

/** Mon=1 … Sun=7 opening hours in a time zone, for SLA clocks. */
export interface BusinessHoursCalendar {
  /** IANA time zone, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Per ISO weekday (1 = Monday), the open intervals as `HH:MM` pairs; days left out are closed. */
  week: Partial<Record<1 | 2 | 3 | 4 | 5 | 6 | 7, ReadonlyArray<readonly [string, string]>>>;
  /** Closed dates `YYYY-MM-DD` in that time zone. */
  holidays?: readonly string[];
}

/** Identity-resolution limits per identity type (domain.md). */
export interface IdentityLimits {
  user_id: number;
  email: number;
  phone: number;
  device_id: number;
  [type: string]: number;
}

/** One churn signal's weight and tuning. */
export interface ChurnSignalConfig {
  weight: number;
  /** Half-life in days over which a triggered signal decays back to healthy. */
  halfLifeDays?: number;
  /** Signal-specific thresholds (e.g. `days` of inactivity). */
  [threshold: string]: number | undefined;
}

/** The health bands' upper limits on the score rounded half up (domain.md: red ≤ 50, yellow 51-75, green above). */
export interface HealthBandLimits {
  /** The highest rounded score in the red band (default 50). */
  redMax: number;
  /** The highest rounded score in the yellow band (default 75); above it is green. */
  yellowMax: number;
}

/** The points of the triage queue (operations.md, triage): every one configurable, defaults as specified. */
export interface TriagePoints {
  /** Points by case priority (an absent priority counts as `normal`). */
  priority: { urgent: number; high: number; normal: number; low: number };
  /** A target of the case missed and not settled. */
  slaMissed: number;
  /** A running target due within `slaDueSoonMs` of `asOf`. */
  slaDueSoon: number;
  slaDueSoonMs: number;
  /** Points per hour since `waitingSince`, capped at `waitingMax`. */
  waitingPerHour: number;
  waitingMax: number;
  /** The latest sentiment of the `sentimentWindowMs` before `asOf` counts when its score is below this. */
  sentimentBelow: number;
  sentimentWindowMs: number;
  /** Points per severity step (severity 3 when absent). */
  sentimentPerSeverity: number;
  /** The case has the `social_public` channel. */
  publicExposure: number;
  /** Customer health band at `asOf`. */
  healthRed: number;
  healthYellow: number;
}

/** Everything a tenant can tune; every field has a default (see `defaultJourneyConfig`). */
export interface JourneyConfig {
  reopenWindow: ReopenWindow;
  /** Per-channel reply window overrides in ms (`null` = unlimited). */
  replyWindowsMs: Partial<Record<Channel, number | null>>;
  /** Business hours per tenant id; tenants without one use calendar time. */
  businessHours: Record<string, BusinessHoursCalendar>;
  identityLimits: IdentityLimits;
  /** Gap that splits a timeline into sessions. */
  sessionGapMs: number;
  /** Funnel conversion window. */
  funnelWindowMs: number;
  /** Sentiment exponential-weighting half-life. */
  sentimentHalfLifeMs: number;
  /** Preferred channel looks at inbound touchpoints in this window before asOf. */
  preferredChannelWindowMs: number;
  /** Churn signal weights and thresholds by signal name. */
  churnSignals: Record<string, ChurnSignalConfig>;
  /** Number of previous periods the predictive churn rate averages. */
  predictiveChurnPeriods: number;
  /** Health band limits (the weights and thresholds of the signals are in `churnSignals`). */
  healthBands: HealthBandLimits;
  /** The triage queue's points (operations.md). */
  triage: TriagePoints;

  // ---- operational views, part A of issue 20 (operations.md) ----
  /** selfService: an attempt followed by assisted contact of its customer within this window is not deflected (default 24 h). */
  deflectionWindowMs: number;
  /** costs: what an inbound touchpoint costs per channel; `null` (the default) leaves `operations.costs` null. */
  costTable: CostTable | null;
  // ---- end of the operational views' settings ----
}

/** The cost of contact per channel (operations.md, costs), in one currency. */
export interface CostTable {
  currency: string;
  /** Cost of one inbound touchpoint per channel; channels left out are not priced. */
  perTouchpoint: Partial<Record<Channel, number>>;
}

/** The instant and period a query or report describes. */
export interface ReportWindow {
  /** Judged as of this instant (ms). */
  asOf: number;
  /** Metrics period `[from, to)` in ms. */
  from: number;
  to: number;
}

/** A case's status (domain.md, Cases). */
export type CaseStatus = 'bot' | 'open' | 'pending_customer' | 'on_hold' | 'snoozed' | 'resolved' | 'closed' | 'merged';

/** The statuses in which a case counts as open (domain.md): the one list every projection and query reads. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = Object.freeze(['bot', 'open', 'pending_customer', 'on_hold', 'snoozed'] as const);

const OPEN_STATUS_SET: ReadonlySet<string> = new Set(OPEN_CASE_STATUSES);

/** Whether a case in this status counts as open (one of {@link OPEN_CASE_STATUSES}). */
export function isOpenCaseStatus(status: CaseStatus): boolean {
  return OPEN_STATUS_SET.has(status);
}

/**
 * The fields of a case that other projections may read. The cases projection keeps more (cycles, SLA,
 * samples) in its own record type, which extends this one.
 */
export interface CaseView {
  caseId: string;
  tenantId: string;
  /** The customer of the event that opened it (canonical id at fold time). */
  customerId: string;
  /** The customer the opening event was attributed to when it happened (before later merges). */
  attributedCustomerId: string;
  status: CaseStatus;
  handledBy: 'human' | 'bot';
  openedAt: number;
  openedEventId: string;
  /** How it was opened. */
  openedBy: 'explicit' | 'implicit' | 'follow_up';
  /** Channel of the opening event, if any. */
  openingChannel?: Channel;
  channels: ReadonlySet<Channel>;
  topic?: string;
  /** `CaseOpened.priority`; absent when the opening gave none (the triage queue counts it as `normal`). */
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  reopenCount: number;
  waitingSince: number | null;
  firstResponseAt: number | null;
  /** Latest resolution instant, if resolved at least once. */
  resolvedAt: number | null;
  closedAt: number | null;
  snoozedUntil: number | null;
  mergedInto?: string;
  followUpOf?: string;
  hasFollowUp: boolean;
  /** Instant of the latest event that belonged to the case. */
  lastActivityAt: number;
  // Read by the operational views (operations.md): fields the cases projection always kept.
  /** Start of the current cycle (opening, then each reopening). */
  readonly cycleStart: number;
  /** Start of the first-response clock; `null` until it starts (bot cases wait for a handoff). */
  readonly firstResponseClockStart: number | null;
  /** Instants of every `CaseResolved` that ended a cycle. */
  readonly resolutions: readonly number[];
  /** A customer message came after its first public agent reply (first contact resolution). */
  readonly customerMessageAfterFirstReply: boolean;
}

/** What the cases projection did with one event: read by the customer projections folded after it. */
export interface CaseEffects {
  /** The case the event acted on after routing (merge chains followed, follow-ups created). */
  caseId?: string;
  /** A case this event opened. An ignored duplicate `CaseOpened` is not an opening. */
  opened?: {
    caseId: string;
    how: 'explicit' | 'implicit' | 'follow_up';
    followUpOf?: string;
    /** Why a message opened a follow-up instead of reopening. */
    followUpReason?: 'window_passed' | 'closed';
    channel?: Channel;
    handledBy: 'human' | 'bot';
  };
  /** The event reopened a resolved case (by message or `CaseReopened`). */
  reopened?: boolean;
  /** The event resolved a case (a cycle ended). */
  resolved?: boolean;
  /** The event closed a case. */
  closed?: boolean;
  /** A bot-to-human escalation. */
  escalatedToHuman?: boolean;
  /** A public agent reply (`MessageSent` with senderKind agent, public). */
  agentReply?: boolean;
  /** A case merge that was applied. */
  merged?: { sourceCaseId: string; targetCaseId: string };
  /** The event was ignored by the cases projection, with the reason (listed as an anomaly). */
  anomaly?: string;
}

/** The effects of an event the cases projection did nothing with (shared: no allocation per event). */
export const NO_CASE_EFFECTS: CaseEffects = Object.freeze({});

/** A missed SLA target of a case: which one and the instant it was due (the instant it was missed). */
export interface SlaMiss {
  target: 'firstResponse' | 'nextResponse' | 'resolution';
  dueAt: number;
}

/** Read access to the cases projection, as the customer projections need it. */
export interface CaseLookup {
  getCase(caseId: string): CaseView | undefined;
  casesOfCustomer(customerId: string): readonly CaseView[];
  /**
   * The SLA targets of a case missed as of `asOf`, in due order (the cases projection's `slaMissesOf`): the
   * health signal "aging unresolved case or SLA miss" reads them. Lookups without SLA data leave it out.
   */
  slaMisses?(caseId: string, asOf: number): readonly SlaMiss[];
  /**
   * For `identity_gap`: whether the customer an event was attributed to was then known only by identities
   * and took part in a merge after that event (identity's `anonymousThenMerged` on the fold's graph). Without
   * it, the journey map counts a gap when that customer is no longer the event's customer (merged into another).
   */
  anonymousThenMerged?(attributedCustomerId: string, at: number, eventId: string): boolean;
}

/** A customer's timeline: three parallel arrays (event id, instant, packed code of type, channel and actor). */
export interface TimelineArrays {
  ids: readonly string[];
  ats: readonly number[];
  codes: readonly number[];
}

/** A case that can make a new case an unthreaded switch, as it was when the new case opened. */
export interface UnthreadedCandidate {
  openedEventId: string;
  channels: ReadonlySet<Channel>;
}

// The contracts of a standard projection module. Both drivers (the live engine and the batch replay) fold
// every module of the registries (customers/registry.ts, standard/index.ts) in the same tenant-wide order.

/**
 * A standard projection folded per customer. Its state lives in the customer's record under `key`; `apply`
 * is called once per distinct event of the customer, in `(occurredAt, id)` order, after the cases
 * projection produced the event's `effects` and after the customer's timeline got the event at `pos`.
 * Positional parameters rather than one object: the fold calls it for every event.
 */
export interface CustomerProjection<K extends string, S> {
  /** A name for docs and errors. */
  readonly name: string;
  /** The field of the customer record that holds the state. */
  readonly key: K;
  /** A fresh state for a new customer. */
  create(): S;
  /** A deep copy (for snapshots): continuing either copy never affects the other. */
  clone(state: S): S;
  /**
   * Folds one event. `record` is the customer's record: its timeline (which holds the event at `pos`) and
   * its `key` field are this projection's to read, the field its own to change. `t` is the event's type code
   * (`typeCode`). `unthreaded`: the unthreaded-switch candidates of a case the event opened, when the driver
   * took them as the cases were then (see `applyJourneyEvent`).
   */
  apply(
    record: TimelineArrays & { [P in K]: S },
    pos: number,
    je: JourneyEvent,
    t: number,
    effects: CaseEffects,
    cases: CaseLookup,
    config: JourneyConfig,
    unthreaded: readonly UnthreadedCandidate[] | undefined,
  ): void;
}

/** The state type of a {@link CustomerProjection}. */
export type StateOfCustomerProjection<P> = P extends CustomerProjection<string, infer S> ? S : never;

/**
 * A standard projection folded over a whole tenant (an operational view, say): one state per tenant, every
 * event of the tenant in `(occurredAt, id)` order, after identity resolution and the cases projection. It
 * feeds a report section of its own, built from a tally: plain data that tallies of disjoint parts of a
 * tenant add up to (`mergeTallies`), so sharded replays stay exact.
 */
export interface TenantProjection<S, T, R, F = TenantFoldReader> {
  /** The report section's key under `tenants.<id>`, and the projection's name. */
  readonly name: string;
  create(config: JourneyConfig): S;
  clone(state: S): S;
  /** Folds one event; `effects` are the cases projection's for the same event. */
  apply(state: S, je: JourneyEvent, effects: CaseEffects, cases: CaseLookup, config: JourneyConfig): void;
  /**
   * What the report needs of the state for a window, before rates and statistics. `fold` reads the rest of
   * the tenant's fold as it is at the window's `asOf`: a `TenantFoldReader` (cases, SLA outcomes, customer
   * records) by default; a view that reads other projections' state (the triage queue, the at-risk segment)
   * names a wider `F` that the drivers' reader also satisfies (it is the `TenantFold` with the reader's
   * methods), without this module importing the fold's types.
   */
  tally(state: S, window: ReportWindow, canonical: (customerId: string) => string, fold: F): T;
  mergeTallies(a: T, b: T): T;
  /** The report section, from a tally. */
  section(tally: T, window: ReportWindow): R;
}

/** An SLA target kind (domain.md, Cases > SLA). */
export type SlaTargetKind = 'firstResponse' | 'nextResponse' | 'resolution';

/**
 * One SLA target of a case as of an instant: running (`active`), met (`hit`) or missed. `settledAt` is the
 * instant it was settled (a hit: the event that met it; a miss: its due instant), `null` while active.
 */
export interface SlaOutcome {
  target: SlaTargetKind;
  state: 'active' | 'hit' | 'missed';
  dueAt: number | null;
  settledAt: number | null;
}

/** A customer's timeline and the journey stages reached on it, as tenant-wide projections read them at tally time. */
export interface CustomerTimelineView extends TimelineArrays {
  customerId: string;
  journey: { readonly stages: readonly { readonly stage: string; readonly pos: number }[] };
}

/**
 * Read access to a folded tenant for the tally of a tenant-wide projection (the contract's extension for the
 * operational views): what the cases and customer projections hold, so a view need not keep a second copy.
 * Customer ids are as folded: pass them through `canonical` (the tally's argument) for the survivors.
 */
export interface TenantFoldReader {
  caseLookup: CaseLookup;
  /** Every case of the tenant, merged ones included, in opening order. */
  allCases(): Iterable<CaseView>;
  /** Every SLA target of a case as of `asOf`: every ended cycle's resolution target, episodes, the current ones. */
  slaOutcomes(caseId: string, asOf: number): readonly SlaOutcome[];
  /** Every customer's record (timeline and journey stages), keyed by folded customer id. */
  customerRecords(): Iterable<CustomerTimelineView>;
}
