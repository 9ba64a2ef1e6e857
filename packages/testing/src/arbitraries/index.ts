export type { Journey, JourneyOptions, SizeRange } from './types.js';
export { dataArbitraries, identityArbitrary, eventArbitrary, anyEventArbitrary, type EventArbitraryOptions } from './events.js';
// The journey interpreter lives in @omnitrail/workload (the CLI's demo uses it without fast-check); the kit
// re-exports it so property tests keep one import.
export {
  type StepKind,
  type JourneyStep,
  type JourneyHeader,
  type JourneyContext,
  type JourneyBuilder,
  type JourneyRates,
  type RawEvent,
  DEFAULT_CONVERSATION_CHANNELS,
  DEFAULT_JOURNEY_RATES,
  resolveRates,
  stepWeights,
  createJourneyBuilder,
  toMs,
} from '@omnitrail/workload';
export { stepArbitrary, headerArbitrary, type JourneyDescriptor, journeyDescriptorArbitrary, buildJourney, journeyArbitrary } from './journey.js';
export { tenantJourneysArbitrary, sortRawEvents, type TenantJourneys, type TenantJourneysOptions } from './tenant.js';
