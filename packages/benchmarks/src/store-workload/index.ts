// The storage benchmarks' workload (eventstore and peer): seeded, journey-like events over 10,000 customer
// streams, ~230 bytes each as NDJSON (benchmarks.md), kept as lines so each run parses fresh objects.
import type { EventToAppend } from '@omnitrail/eventstore';

/** Customer streams the workload spreads its events over. */
export const STREAMS = 10_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const TYPES: [string, number][] = [
  ['CustomerMessaged', 30],
  ['AgentReplied', 25],
  ['PageViewed', 15],
  ['CaseOpened', 8],
  ['CaseResolved', 6],
  ['OrderPlaced', 6],
  ['SessionStarted', 4],
  ['CaseEscalated', 3],
  ['SurveyAnswered', 3],
];
/** The event types of the workload. */
export const WORKLOAD_TYPES: readonly string[] = TYPES.map(([type]) => type);
const CHANNELS = ['email', 'chat', 'phone', 'whatsapp', 'instagram', 'web', 'store'];
const WORDS = ['order', 'refund', 'late', 'thanks', 'where', 'is', 'my', 'parcel', 'help', 'account', 'please', 'broken'];

/** One append of the workload: the event and the stream it goes to. */
export interface Op {
  stream: string;
  event: EventToAppend;
}

/** `count` events over {@link STREAMS} customer streams, as NDJSON lines (re-parsed per run so every run stores fresh objects). */
export function generateLines(count: number, seed: number, idPrefix: string): { streams: string[]; lines: string[] } {
  const rnd = mulberry32(seed);
  const total = TYPES.reduce((n, [, w]) => n + w, 0);
  const streams: string[] = new Array(count);
  const lines: string[] = new Array(count);
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    let r = rnd() * total;
    let type = TYPES[0]![0];
    for (const [t, w] of TYPES) {
      if ((r -= w) < 0) {
        type = t;
        break;
      }
    }
    const customer = Math.floor(rnd() * STREAMS);
    const words = Array.from({ length: 3 + Math.floor(rnd() * 5) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
    const data: Record<string, unknown> = {
      customerId: `cus_${String(customer).padStart(6, '0')}`,
      channel: CHANNELS[Math.floor(rnd() * CHANNELS.length)],
      occurredAt: new Date(base + i * 1000).toISOString(),
      caseId: `case_${Math.floor(rnd() * 50_000)}`,
      text: words,
    };
    if (type === 'OrderPlaced') data['amount'] = Math.round(rnd() * 50_000) / 100;
    if (type === 'SurveyAnswered') data['score'] = Math.floor(rnd() * 11);
    streams[i] = `customer-${customer}`;
    lines[i] = JSON.stringify({ id: `${idPrefix}${String(i).padStart(20, '0')}`, type, data });
  }
  return { streams, lines };
}

/** The workload's events parsed afresh (so every run stores objects of its own). */
export const parseOps = (w: { streams: string[]; lines: string[] }): Op[] => w.lines.map((l, i) => ({ stream: w.streams[i]!, event: JSON.parse(l) as EventToAppend }));
