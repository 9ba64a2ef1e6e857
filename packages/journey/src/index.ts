/**
 * `@omnitrail/journey`: the live journey engine (`createJourneyEngine`), the batch replay (`replayReport`,
 * `journeyOf`), host projections, the configuration, and the queries and types of the standard projections
 * (cases, journey map, customer 360, churn and health, metrics). Every name is chosen on purpose and listed in
 * docs/api.md; what the CLI, the shards and the benchmarks need beyond it is in `@omnitrail/journey/internal`.
 */

// The live engine and host projections.
export {
  createJourneyEngine,
  defineJourneyProjection,
  journeyStreamName,
  type JourneyChange,
  type JourneyEngine,
  type JourneyEngineOptions,
  type Erasure,
  type ErasureHook,
  type JourneyPartitioning,
  type JourneyProjection,
  type JourneyProjectionEvent,
  type JourneyProjectionHandle,
  type RecordResult,
  type RejectedStoredEvent,
  type StoreHealth,
  type StateOfJourneyProjection,
} from './live/index.js';

// The batch replay.
export { journeyOf, replayReport, type JourneyRequest, type JourneyResult, type ReplayBounds, type ReplayOptions, type ReplayResult } from './batch/index.js';

export { segmentOf, type SegmentRequest, type SegmentResult, type SegmentRow } from './batch/segment.js';

// Configuration.
export { CHURN_SIGNAL_NAMES, DEFAULT_HEALTH_BANDS, DEFAULT_TRIAGE_POINTS, defaultJourneyConfig, JourneyConfigError, resolveJourneyConfig, type DeepPartial } from './core/config/index.js';
export type { BusinessHoursCalendar, ChurnSignalConfig, HealthBandLimits, IdentityLimits, JourneyConfig, ReopenWindow, TriagePoints } from './core/model/index.js';

// The model the projections share, and a folded tenant.
export { isOpenCaseStatus, OPEN_CASE_STATUSES, type CaseEffects, type CaseStatus, type CaseView, type JourneyEvent, type ReportWindow, type SlaMiss } from './core/model/index.js';
export type { TenantFold } from './core/standard/index.js';

// Queries over a folded tenant (`engine.fold(tenant)`, `engine.foldAsOf(tenant, asOf)`).
export { CASE_ANOMALIES, listCases, slaMissesOf, slaStatus, type CaseSlaStatus, type CaseSnapshot, type SlaState, type SlaTargetStatus } from './core/cases/index.js';
export { customerProfile, type CustomerProfile } from './core/customer-profile/index.js';
export {
  customerJourney,
  JOURNEY_STAGES,
  journeyFunnel,
  retentionByCohort,
  type CustomerJourneyView,
  type FunnelOptions,
  type FunnelResult,
  type FunnelStep,
  type RetentionCohort,
  type RetentionOptions,
  type SessionView,
  type TimelineEntry,
} from './core/journey-map/index.js';
export type { ContextLostAnnotation, ContextLostKind, JourneyStage } from './core/journey-map/state.js';
export { customerHealth, healthBand, type CustomerHealth, type HealthBand } from './core/churn/index.js';

// The triage queue and the customer segments (operations.md), over a fold at `asOf`; the engine's queries.
export { TRIAGE_REASONS, triageQueue, type TriageEntry, type TriageInput, type TriageReason, type TriageReasonName } from './core/triage/index.js';
export {
  atRiskCustomers,
  largestNegativeSignals,
  segmentCustomers,
  type AtRiskCustomer,
  type SegmentCustomer,
  type SegmentFilter,
  type SegmentsInput,
  type SegmentsSection,
} from './core/segments/index.js';
export type { AsOfOption, TriageQueries } from './live/triage.js';

// The replay report's shape (report.md).
export type {
  CaseMetricsSection,
  CasesSection,
  ContextLostExample,
  CustomerMetricsSection,
  DurationSpread,
  ExamplesSection,
  HealthSection,
  JourneysSection,
  MetricsSection,
  DurationStats,
  OpenCaseRow,
  RejectedLine,
  ReplayReport,
  SeriesBucket,
  SeriesInterval,
  SeriesSection,
  TenantReport,
} from './core/report/types.js';
