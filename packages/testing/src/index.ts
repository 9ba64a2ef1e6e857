/**
 * `@omnitrail/testing`: the store contract suite every adapter passes, fast-check arbitraries of omnichannel
 * journeys, the seeded workload generator, projection specs and the invariant suite of the journey reports.
 * Every name is listed in docs/api.md.
 */
export {
  collect,
  type ContractStoreFactory,
  type ContractStoreHandle,
  eventStoreContract,
  type EventStoreContractOptions,
  type EventStoreCapabilities,
} from './eventstore-contract/index.js';
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
export {
  generateWorkload,
  mixSeed,
  toNdjson,
  type WorkloadOptions,
  writeNdjsonFile,
} from './workload/index.js';
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
  journeyInvariants,
  jsonDifferences,
  parseAll,
  type ReplayReportFn,
  shuffled,
} from './invariants/index.js';
