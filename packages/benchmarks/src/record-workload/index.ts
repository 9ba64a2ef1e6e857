import { compareEventOrder, instantMs } from '@omnitrail/events';
import { generateWorkload, type RawEvent } from '@omnitrail/workload';

/** The input of the record() benchmarks: raw events in time order, and an engine clock just after the last. */
export interface RecordWorkload {
  raws: RawEvent[];
  /** For the engines' clock (generated ids only). */
  asOf: number;
}

/**
 * The workload the record() benchmarks share: up to 100,000 events of the seeded generator, with customers
 * in the bench's proportion (`OMNITRAIL_BENCH_EVENTS`, `OMNITRAIL_BENCH_CUSTOMERS`), sorted by occurredAt:
 * a live system sees events roughly in time order.
 */
export function recordWorkload(): RecordWorkload {
  const events = Number(process.env.OMNITRAIL_BENCH_EVENTS ?? 1_000_000);
  const customers = Number(process.env.OMNITRAIL_BENCH_CUSTOMERS ?? 10_000);
  const count = Math.min(events, 100_000);
  const raws = [...generateWorkload({ seed: 7, customers: Math.max(1, Math.round(customers * (count / events))), events: count })].sort(
    (a, b) => compareEventOrder({ id: a.id, occurredAt: a.occurredAt, at: instantMs(a.occurredAt) }, { id: b.id, occurredAt: b.occurredAt, at: instantMs(b.occurredAt) }),
  );
  return { raws, asOf: instantMs(raws.at(-1)!.occurredAt) + 1 };
}
