export {
  createJourneyBuilder,
  DEFAULT_CONVERSATION_CHANNELS,
  type JourneyBuilder,
  type JourneyContext,
  type JourneyHeader,
  type JourneyStep,
  resolveRates,
  type StepKind,
  stepWeights,
  toMs,
} from './builder.js';
export { DEFAULT_JOURNEY_RATES, type JourneyRates, type RawEvent } from './types.js';
