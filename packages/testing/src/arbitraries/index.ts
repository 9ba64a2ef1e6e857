export * from './types.js';
export { dataArbitraries, identityArbitrary, eventArbitrary, anyEventArbitrary, type EventArbitraryOptions } from './events.js';
export {
  type StepKind,
  type JourneyStep,
  type JourneyHeader,
  type JourneyContext,
  type JourneyBuilder,
  type JourneyDescriptor,
  DEFAULT_CONVERSATION_CHANNELS,
  resolveRates,
  stepWeights,
  stepArbitrary,
  headerArbitrary,
  createJourneyBuilder,
  journeyDescriptorArbitrary,
  buildJourney,
  journeyArbitrary,
  toMs,
} from './journey.js';
export { tenantJourneysArbitrary, sortRawEvents, type TenantJourneys, type TenantJourneysOptions } from './tenant.js';
