/**
 * `@omnitrail/workload`: the seeded generator of realistic omnichannel journeys that the CLI's demo, the
 * benchmarks and the testing kit share. Plain functions with no test-runner or fast-check dependency; the
 * testing kit's arbitraries draw the same journey steps through fast-check instead. Every name is listed in
 * docs/api.md.
 */
export {
  createJourneyBuilder,
  DEFAULT_CONVERSATION_CHANNELS,
  DEFAULT_JOURNEY_RATES,
  type JourneyBuilder,
  type JourneyContext,
  type JourneyHeader,
  type JourneyRates,
  type JourneyStep,
  type RawEvent,
  resolveRates,
  type StepKind,
  stepWeights,
  toMs,
} from './journey/index.js';
export { createSeededRandom, mixSeed, type SeededRandom } from './random/index.js';
export { generateWorkload, type WorkloadOptions } from './workload/index.js';
export { toNdjson, writeNdjsonFile } from './ndjson/index.js';
