/**
 * `@omnitrail/journey`: the live journey engine (`createJourneyEngine`), the batch replay (`replayReport`,
 * `journeyOf`), host projections, the configuration, and the queries and types of the standard projections
 * (cases, journey map, customer 360, churn and health, metrics). Every name is chosen on purpose and listed in
 * docs/api.md; what the CLI, the shards and the benchmarks need beyond it is in `@omnitrail/journey/internal`.
 */

// The live engine and host projections.
export {
  createJourneyEngine,
  DEFAULT_WORKER_LEASE_MS,
  defineJourneyProjection,
  journeyStreamName,
  type EngineSnapshotEvent,
  type EngineSnapshotInfo,
  type JourneyChange,
  type JourneyEngine,
  type JourneyEngineLogger,
  type JourneyEngineOptions,
  type JourneyEngineSnapshotOptions,
  type JourneyWorkerOptions,
  JourneyWorkerOptionsError,
  type Erasure,
  type ErasureHook,
  type JourneyPartitioning,
  type JourneyProjection,
  type JourneyProjectionEvent,
  type JourneyProjectionHandle,
  type RecordResult,
  type RejectedStoredEvent,
  type SnapshotRejection,
  type StoreHealth,
  type StateOfJourneyProjection,
  TenantNotOwnedError,
  type TenantOwnershipChange,
  type BeyondHorizonError,
  type JourneyMemoryOptions,
  type JourneyMemoryStats,
} from './live/index.js';
export type { JourneyOperations, OperationsStreamOptions } from './live/operations.js';

// The batch replay.
export { journeyOf, replayReport, type JourneyRequest, type JourneyResult, type ReplayBounds, type ReplayOptions, type ReplayResult } from './batch/index.js';

export { segmentOf, type SegmentRequest, type SegmentResult, type SegmentRow } from './batch/segment.js';

// Configuration.
export { CHURN_SIGNAL_NAMES, DEFAULT_HEALTH_BANDS, DEFAULT_TRIAGE_POINTS, defaultJourneyConfig, JourneyConfigError, resolveJourneyConfig, type DeepPartial } from './core/config/index.js';
export type { BusinessHoursCalendar, ChurnSignalConfig, CostTable, HealthBandLimits, IdentityLimits, JourneyConfig, ReopenWindow, TriagePoints } from './core/model/index.js';

// The model the projections share, and a folded tenant.
export { isOpenCaseStatus, OPEN_CASE_STATUSES, type CaseEffects, type CaseStatus, type CaseView, type JourneyEvent, type ReportWindow, type SlaMiss } from './core/model/index.js';
export type { TenantFold } from './core/standard/index.js';

// Queries over a folded tenant (`engine.fold(tenant)`, `engine.foldAsOf(tenant, asOf)`).
export { CASE_ANOMALIES, listCases, slaMissesOf, slaOutcomes, slaStatus, type CaseSlaStatus, type CaseSnapshot, type SlaState, type SlaTargetStatus } from './core/cases/index.js';
export type { SlaOutcome, SlaTargetKind } from './core/model/index.js';
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

// The operational views (operations.md): `engine.operations(tenant, name)` and `tenants.<id>.operations.<name>`.
export {
  NO_OPEN_CALLBACK,
  NO_TOPIC,
  UNNAMED_MARKETPLACE,
  type AgentFigures,
  type AgentsSection,
  type ByChannelSection,
  type CallbacksSection,
  type ChannelFigures,
  type ContactDriver,
  type ContactDriversSection,
  type CostsSection,
  type MarketplaceFigures,
  type MarketplacesSection,
  type OperationsSections,
  type OperationsViewName,
  type PendingCallback,
  type SelfServiceSection,
  type SlaBreach,
  type SlaSection,
  type SlaTargetFigures,
  type StageChannelsSection,
  type VoiceSection,
} from './core/operations/index.js';

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
