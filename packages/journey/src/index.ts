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
  type EngineSnapshotEvent,
  type EngineSnapshotInfo,
  type JourneyChange,
  type JourneyEngine,
  type JourneyEngineLogger,
  type JourneyEngineOptions,
  type JourneyEngineSnapshotOptions,
  type JourneyPartitioning,
  type JourneyProjection,
  type JourneyProjectionEvent,
  type JourneyProjectionHandle,
  type RecordResult,
  type RejectedStoredEvent,
  type SnapshotRejection,
  type StoreHealth,
  type StateOfJourneyProjection,
} from './live/index.js';

// The batch replay.
export { journeyOf, replayReport, type JourneyRequest, type JourneyResult, type ReplayBounds, type ReplayOptions, type ReplayResult } from './batch/index.js';

// Configuration.
export { CHURN_SIGNAL_NAMES, defaultJourneyConfig, JourneyConfigError, resolveJourneyConfig, type DeepPartial } from './core/config/index.js';
export type { BusinessHoursCalendar, ChurnSignalConfig, IdentityLimits, JourneyConfig, ReopenWindow } from './core/model/index.js';

// The model the projections share, and a folded tenant.
export { isOpenCaseStatus, OPEN_CASE_STATUSES, type CaseEffects, type CaseStatus, type CaseView, type JourneyEvent, type ReportWindow } from './core/model/index.js';
export type { TenantFold } from './core/standard/index.js';

// Queries over a folded tenant (`engine.fold(tenant)`, `engine.foldAsOf(tenant, asOf)`).
export { CASE_ANOMALIES, listCases, slaStatus, type CaseSlaStatus, type CaseSnapshot, type SlaState, type SlaTargetStatus } from './core/cases/index.js';
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

// The replay report's shape (report.md).
export type {
  CaseMetricsSection,
  CasesSection,
  CustomerMetricsSection,
  HealthSection,
  JourneysSection,
  MetricsSection,
  DurationStats,
  OpenCaseRow,
  RejectedLine,
  ReplayReport,
  TenantReport,
} from './core/report/types.js';
