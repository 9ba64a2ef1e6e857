import fc from 'fast-check';
import {
  createJourneyBuilder,
  DEFAULT_CONVERSATION_CHANNELS,
  DEFAULT_JOURNEY_RATES,
  resolveRates,
  stepWeights,
  toMs,
  type JourneyContext,
  type JourneyHeader,
  type JourneyRates,
  type JourneyStep,
  type StepKind,
} from '@omnitrail/workload';
import type { Journey, JourneyOptions } from './types.js';

const DAY = 86_400_000;

/** An arbitrary journey step, with kinds weighted by `rates`. */
export function stepArbitrary(rates: JourneyRates = DEFAULT_JOURNEY_RATES): fc.Arbitrary<JourneyStep> {
  const weights = stepWeights(rates);
  const kinds = (Object.keys(weights) as StepKind[]).filter((k) => weights[k] > 0);
  const kind = fc.oneof(...kinds.map((k) => ({ weight: weights[k], arbitrary: fc.constant(k) })));
  const roll = fc.nat(999);
  return fc.record({ kind, gap: roll, a: roll, b: roll, c: roll });
}

/** An arbitrary journey header. */
export const headerArbitrary: fc.Arbitrary<JourneyHeader> = fc.record({ home: fc.nat(999), anon: fc.nat(999), offset: fc.nat(999_999) });

/** The descriptor a journey is built from: what fast-check generates and shrinks. */
export interface JourneyDescriptor {
  header: JourneyHeader;
  steps: JourneyStep[];
}

/** The arbitrary of journey descriptors (the shrinkable part) for the given options. */
export function journeyDescriptorArbitrary(options: JourneyOptions = {}): fc.Arbitrary<JourneyDescriptor> {
  const rates = resolveRates(options.rates);
  const min = options.eventsPerCustomer?.min ?? 1;
  const max = options.eventsPerCustomer?.max ?? 40;
  // Every step yields at least one event, so `min` steps give at least `min` events (before the `max` cut).
  return fc.record({
    header: headerArbitrary,
    steps: fc.array(stepArbitrary(rates), { minLength: min, maxLength: Math.max(min, Math.ceil(max / 2)) }),
  });
}

/** Builds the events of a journey descriptor. */
export function buildJourney(descriptor: JourneyDescriptor, options: JourneyOptions = {}): Journey {
  const tenantId = options.tenantId ?? 'tenant-a';
  const customerId = options.customerId ?? 'cust-1';
  const spread = options.startSpreadMs ?? 30 * DAY;
  const ctx: JourneyContext = {
    tenantId,
    customerId,
    channels: options.channels && options.channels.length > 0 ? options.channels : DEFAULT_CONVERSATION_CHANNELS,
    rates: resolveRates(options.rates),
    maxEvents: options.eventsPerCustomer?.max ?? 40,
    startMs: toMs(options.start) + Math.floor((descriptor.header.offset / 1_000_000) * spread),
  };
  if (options.sharedDeviceId !== undefined) ctx.sharedDeviceId = options.sharedDeviceId;
  const builder = createJourneyBuilder(ctx, descriptor.header);
  builder.run(descriptor.steps);
  return { tenantId, customerId, events: builder.events };
}

/**
 * A customer's journey: valid raw events (each passes `parseEvent`) in causal order, built from an array of
 * step descriptors so that shrinking removes steps and a failing journey shrinks to a few events.
 */
export function journeyArbitrary(options: JourneyOptions = {}): fc.Arbitrary<Journey> {
  return journeyDescriptorArbitrary(options).map((d) => buildJourney(d, options));
}

