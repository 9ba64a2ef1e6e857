/**
 * `@omnitrail/journey/internal`: what the CLI, its shard workers, the benchmarks and the project's tests need
 * beyond the public API: the batch fold over columns and spilled logs, tallies that add up across shards,
 * the link keys that cut a tenant into independent parts, and the registries of standard projections.
 * No stability promise: these names change with the implementation.
 */

// The codec that seals and opens personal fields (the CLI reads a file store's events through it).
export { createPersonalDataCodec, SEALED_PROPERTY, type PersonalDataCodec } from './live/personal-data/index.js';
// The batch driver.
export {
  foldTenant,
  foldTenantColumns,
  journeyOf,
  mergeReplayTallies,
  replayResultOf,
  replayTally,
  replayWindow,
  type ReplayTally,
} from './batch/index.js';
export {
  createReplayEventLog,
  ranksByPosition,
  replayEventLogOf,
  SPILLED_WINDOW_EVENTS,
  type EventSequence,
  type ReplayEventLog,
  type SpilledEventReader,
  type TenantEventColumns,
} from './batch/log.js';
export { caseLinkKey, createLinkSets, foldLinkKeys, partitionEvents, type LinkSets } from './batch/parts.js';

// The live driver's fold, for tests and benchmarks.
export { engineSnapshotPause, engineSubjectTables, type EngineSubjectTables, type SnapshotPause } from './live/index.js';
export { addEvents, createLiveTenant, createRecordedIndex, foldEventsAsOf, tenantFoldOf, type LiveEvent, type LiveTenant } from './live/tenant-state.js';

// The engine's snapshot encoding, for its tests.
export { decodeEngineSnapshot, encodeEngineSnapshot, encodeEngineSnapshotInSlices, type SavedEngineState, type SavedTenant } from './live/engine-snapshot/index.js';
export { decodeSnapshotValue, encodeSnapshotValue, encodeSnapshotValueInSlices, type SlicedEncoding } from './live/snapshot-codec/index.js';
// Sealed snapshots (an engine with keys), for tests and tools that inspect a snapshot's clear header.
export { deleteSnapshotKeys, isSealedEngineSnapshot, openSealedEngineSnapshot, readSealedSnapshotHeader, sealEngineSnapshot, type SealedSnapshotHeader } from './live/sealed-snapshot/index.js';
export { SNAPSHOT_KEY_TENANT } from './live/personal-data/index.js';

// The registries and the report made from a fold.
export { CUSTOMER_PROJECTIONS, type CustomerProjectionStates } from './core/customers/index.js';
export {
  mergeTenantTallies,
  TENANT_PROJECTIONS,
  tenantReport,
  tenantFoldReader,
  tenantReportOf,
  tenantTally,
  type AnyTenantProjection,
  type TenantTally,
} from './core/standard/index.js';
export type { CustomerProjection, CustomerTimelineView, StateOfCustomerProjection, TenantFoldReader, TenantProjection } from './core/model/index.js';
export { healthSection } from './core/churn/index.js';
export { seriesTally, HEALTH_SERIES_BUCKETS, type SeriesTally } from './core/series/index.js';

// Identity resolution.
export {
  anonymousThenMerged,
  canonicalCustomerId,
  createIdentityState,
  namedOnlyCustomer,
  resolveIdentity,
  resolveTenantIdentities,
  type IdentityState,
} from './core/identity/index.js';

// Tenant leases, for benchmarks and tests that hold a tenant's lease as another worker would.
export { createLeaseKeeper, type LeaseKeeper } from './live/leases/index.js';
export { tenantLeaseName } from './live/workers/index.js';
