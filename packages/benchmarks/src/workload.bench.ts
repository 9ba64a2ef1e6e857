// The seeded workload generator (@omnitrail/workload): how fast it yields events, alone and with the NDJSON
// serialisation `omnitrail demo` and the replay benchmarks write (the ratio is the generator's share of
// that pipeline). Both stream: memory stays at one customer's events. OMNITRAIL_BENCH_EVENTS and
// OMNITRAIL_BENCH_CUSTOMERS change the size (default 1M events, 10,000 customers).
import { generateWorkload, toNdjson } from '@omnitrail/workload';
import { compareAlternating, perSecond, report, timeMs } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.OMNITRAIL_BENCH_CUSTOMERS ?? 10_000);

export async function run(): Promise<void> {
  const options = { seed: 42, customers: CUSTOMERS, events: EVENTS };
  let bytes = 0;
  const generated = await compareAlternating(
    async () =>
      perSecond(
        EVENTS,
        await timeMs(() => {
          let n = 0;
          for (const _ of generateWorkload(options)) n++;
          if (n !== EVENTS) throw new Error(`generated ${n} events, expected ${EVENTS}`);
        }),
      ),
    async () =>
      perSecond(
        EVENTS,
        await timeMs(() => {
          bytes = 0;
          for (const chunk of toNdjson(generateWorkload(options))) bytes += chunk.length;
        }),
      ),
  );
  const size = `${EVENTS.toLocaleString('en-US')} events, ${CUSTOMERS.toLocaleString('en-US')} customers`;
  report({
    benchmark: 'workload',
    name: `generateWorkload (${size})`,
    value: generated.subject,
    unit: 'events/s',
    reference: { name: 'generateWorkload + toNdjson', value: generated.reference, ratio: generated.ratio },
    // The fast-check generator it replaced (issue 16) yielded 1M events in 1.5-1.65 s on the 2-core box.
    goal: '≥ 600,000 events/s (the fast-check generator: ~650,000)',
    samples: generated.subjectSamples,
  });
  report({ benchmark: 'workload', name: `NDJSON bytes per event (${size})`, value: bytes / EVENTS, unit: 'bytes' });
}
