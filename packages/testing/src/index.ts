/**
 * `@omnitrail/testing`: fast-check arbitraries of omnichannel journeys, the seeded workload generator,
 * projection specs and property helpers, usable from any test runner (nothing here imports one). The suites
 * that define vitest tests (the store contract, the journey invariants) are in `@omnitrail/testing/vitest`.
 * Every name is listed in docs/api.md.
 */
export {
  anyEventArbitrary,
  buildJourney,
  createJourneyBuilder,
  dataArbitraries,
  DEFAULT_CONVERSATION_CHANNELS,
  DEFAULT_JOURNEY_RATES,
  eventArbitrary,
  type EventArbitraryOptions,
  headerArbitrary,
  identityArbitrary,
  type Journey,
  journeyArbitrary,
  type JourneyBuilder,
  type JourneyContext,
  type JourneyDescriptor,
  journeyDescriptorArbitrary,
  type JourneyHeader,
  type JourneyOptions,
  type JourneyRates,
  type JourneyStep,
  type RawEvent,
  resolveRates,
  type SizeRange,
  sortRawEvents,
  stepArbitrary,
  type StepKind,
  stepWeights,
  type TenantJourneys,
  tenantJourneysArbitrary,
  type TenantJourneysOptions,
  toMs,
} from './arbitraries/index.js';
// The seeded workload generator lives in @omnitrail/workload (no fast-check); re-exported for the kit's users.
export {
  generateWorkload,
  mixSeed,
  toNdjson,
  type WorkloadOptions,
  writeNdjsonFile,
} from '@omnitrail/workload';
export { type ChildExit, followChildLines } from './child-lines/index.js';
export { countingStore, type CountingStoreOptions, type StoreReads } from './counting-store/index.js';
export {
  compareByTimeAndId,
  expectIdempotent,
  type IdempotenceOptions,
  type ProjectionDefinitionLike,
  projectionSpec,
  type ProjectionSpec,
  replayEvents,
  type ReplayResult,
  type SpecEvent,
  type SpecOptions,
} from './specs/index.js';
export {
  assertProperty,
  expectSameJson,
  fcParameters,
  type JourneyInvariantOptions,
  jsonDifferences,
  parseAll,
  type ReplayReportFn,
  shuffled,
} from './invariants/properties.js';
