// Live recording with bounded memory (issue 19, docs/durable-engine.md): an engine caught up over a file
// store holding the memory bench's workload (customers coming and going, duplicate accounts merged late,
// anonymous visitors identified later) records the workload's next events, 100 per record() call, with a
// 30-day horizon and holding every event. Merges that reach evicted events read back what they need (a
// merged group's streams, or the tenant's history): their counts are part of the figure's name. Sizes:
// OMNITRAIL_BENCH_LIVE_EVENTS (history, default 200,000) and OMNITRAIL_BENCH_LIVE_RECORDED (default 12,000).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore } from '@omnitrail/eventstore';
import { jsonContentHash, parseEventOrThrow } from '@omnitrail/events';
import { createJourneyEngine, journeyStreamName, type JourneyMemoryOptions, type JourneyMemoryStats } from '@omnitrail/journey';
import { generateWorkload, type RawEvent } from '@omnitrail/workload';
import { median, perSecond, report, timeMs } from './harness/index.js';

const HISTORY = Number(process.env.OMNITRAIL_BENCH_LIVE_EVENTS ?? 200_000);
const RECORDED = Number(process.env.OMNITRAIL_BENCH_LIVE_RECORDED ?? 12_000);
const HOUR = 3_600_000;
const HORIZON: JourneyMemoryOptions = { horizonMs: 30 * 24 * HOUR };
const quiet = { info: () => undefined, warn: () => undefined };

/** The workload in time order: its first `HISTORY` events in a new file store, the rest to record live. */
async function prepare(): Promise<{ directory: string; live: RawEvent[]; clock: number }> {
  const customers = Math.round((HISTORY + RECORDED) / 50);
  const raws = [...generateWorkload({ seed: 7, events: HISTORY + RECORDED, customers, tenants: 1, startSpreadMs: customers * HOUR })];
  raws.sort((a, b) => (String(a.occurredAt) < String(b.occurredAt) ? -1 : String(a.occurredAt) > String(b.occurredAt) ? 1 : 0));
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-bench-live-'));
  const store = await openFileEventStore({ directory, fsync: 'none' });
  for (let i = 0; i < HISTORY; i += 1000) {
    const byStream = new Map<string, { id: string; type: string; data: unknown; metadata: { contentHash: number } }[]>();
    for (const raw of raws.slice(i, Math.min(HISTORY, i + 1000))) {
      const event = parseEventOrThrow(raw, { uniformShape: true });
      const name = journeyStreamName(event);
      const list = byStream.get(name) ?? [];
      list.push({ id: event.id, type: event.type, data: event, metadata: { contentHash: jsonContentHash(raw) } });
      byStream.set(name, list);
    }
    await store.appendToStreams([...byStream].map(([streamName, events]) => ({ streamName, events })));
  }
  await store.close();
  const live = raws.slice(HISTORY);
  return { directory, live, clock: Date.parse(String(live.at(-1)!.occurredAt)) + 1 };
}

/** Events recorded per second by an engine caught up over (a copy of) the store, and its memory counters. */
async function recordLive(source: string, live: readonly RawEvent[], clock: number, memory: JourneyMemoryOptions | undefined): Promise<{ perSecond: number; stats: JourneyMemoryStats }> {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-bench-live-copy-'));
  cpSync(source, directory, { recursive: true });
  try {
    const store = await openFileEventStore({ directory, fsync: 'none' });
    const engine = createJourneyEngine({ store, snapshots: false, clock: () => clock, logger: quiet, ...(memory === undefined ? {} : { memory }) });
    await engine.ready();
    const ms = await timeMs(async () => {
      for (let i = 0; i < live.length; i += 100) await engine.recordUnknown(live.slice(i, i + 100));
    });
    const stats = engine.memoryStats();
    await engine.close();
    await store.close();
    return { perSecond: perSecond(live.length, ms), stats };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const { directory, live, clock } = await prepare();
  try {
    // Alternated, three runs each, medians: the machine's load moves single runs by 2 × or more.
    const bounded: number[] = [];
    const whole: number[] = [];
    let stats: JourneyMemoryStats | undefined;
    for (let run = 0; run < 3; run++) {
      const b = await recordLive(directory, live, clock, HORIZON);
      bounded.push(b.perSecond);
      stats = b.stats;
      whole.push((await recordLive(directory, live, clock, undefined)).perSecond);
    }
    const s = stats!;
    report({
      benchmark: 'live-memory',
      name: `record() ${live.length.toLocaleString('en-US')} events live after ${HISTORY.toLocaleString('en-US')}, 30-day horizon, median of 3 alternated runs (${s.groupReads} merged groups read back, ${s.groupReadEvents} events; ${s.rehydrations} tenant histories re-read, ${s.rehydratedEvents} events)`,
      value: median(bounded),
      unit: 'events/s',
      reference: { name: 'holding every event', value: median(whole), ratio: median(bounded) / median(whole) },
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
