// The soak (issue 22): a live engine over the file store with bounded memory, recording at a steady rate
// while subscribers attach and detach, the heap sampled after a full GC and the engine's subject tables and
// held events sampled. CI runs a 20-second slice; the campaign is
// `OMNITRAIL_SOAK_MINUTES=30 pnpm exec vitest run packages/journey/test/soak.test.ts` (OMNITRAIL_SOAK_RATE
// events a second, 50 by default), which prints every sample (docs/reliability.md).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { followChildLines } from '@omnitrail/testing';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const minutes = Number(process.env.OMNITRAIL_SOAK_MINUTES ?? 20 / 60);
const rate = Number(process.env.OMNITRAIL_SOAK_RATE ?? 50);
const seconds = Math.round(minutes * 60);
// A sample a minute in the campaign; four in the CI slice.
const sampleEvery = seconds >= 240 ? 60 : Math.max(2, Math.floor(seconds / 4));
// Customers start an hour apart in event time (about 40 events each): at 50 events a second a simulated day
// passes in about 20 s. The campaign keeps 3 days of events in memory; the CI slice (about a day) 6 hours,
// so that it evicts too.
const horizonHours = seconds >= 240 ? 72 : 6;
const minEvictEvents = seconds >= 240 ? 1000 : 50;
const TENANTS = 4;

interface Tables {
  tenantSubjects: number;
  tenantSubscribers: number;
  partitionSubjects: number;
  partitionSubscribers: number;
  changesObserved: boolean;
  ownInFlight: number;
  holes: number;
  afterHole: number;
  readAhead: number;
}
interface Sample {
  kind: 'sample';
  phase: string;
  seconds: number;
  recorded: number;
  heapUsed: number;
  rss: number;
  subscribers: number;
  tables: Tables;
  memory: { heldEvents: number; heldAtLeast: number; evictedEvents: number; rehydrations: number; records: number; cases: number; partitions: number };
}
interface End {
  kind: 'end';
  recorded: number;
  generated: number;
  attached: number;
  emissions: number;
  firstEmissionMissing: number;
  seconds: number;
  tables: Tables;
  memory: { heldEvents: number; evictedEvents: number; rehydrations: number; rehydratedEvents: number };
}

async function runSoak(): Promise<{ samples: Sample[]; end: End }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'fixtures', 'soak-engine.ts'), String(seconds), String(rate), String(sampleEvery), '22', String(horizonHours), String(minEvictEvents)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const samples: Sample[] = [];
  let end: End | undefined;
  const { code, stderr } = await followChildLines(child, (line) => {
    if (line.length === 0) return;
    const parsed = JSON.parse(line) as Sample | End;
    if (parsed.kind === 'sample') {
      samples.push(parsed);
      if (minutes >= 1) console.log(`soak ${line}`);
    } else end = parsed;
  });
  if (code !== 0 || end === undefined) throw new Error(`soak exited with ${code}: ${stderr}`);
  return { samples, end };
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

describe('soak: a live engine recording with subscribers coming and going', () => {
  it(`records every event, serves every subscriber, and its subject tables return to empty (${seconds} s at ${rate} events/s)`, { timeout: seconds * 1500 + 120_000 }, async () => {
    const { samples, end } = await runSoak();
    // Every generated event was recorded once; subscribers received states (each state stream its current state first).
    expect(end.recorded).toBe(end.generated);
    expect(end.attached).toBeGreaterThan(seconds * 10);
    expect(end.emissions).toBeGreaterThan(end.attached / 2);
    expect(end.firstEmissionMissing).toBe(0);
    // While subscribers were attached, the tables held a subject per watched tenant or partition, never more.
    for (const s of samples.filter((x) => x.phase !== 'all-detached')) {
      expect(s.tables.tenantSubjects).toBeLessThanOrEqual(4);
      expect(s.tables.partitionSubjects).toBeLessThanOrEqual(s.subscribers);
      expect(s.tables.tenantSubscribers + s.tables.partitionSubscribers).toBeLessThanOrEqual(s.subscribers);
    }
    // Once the last subscriber left, nothing is kept for them; and once the subscription handed back every
    // recorded event, nothing is kept of the delivery either (a hole left open grew with the log).
    const empty = { tenantSubjects: 0, tenantSubscribers: 0, partitionSubjects: 0, partitionSubscribers: 0, changesObserved: false, ownInFlight: 0, holes: 0, afterHole: 0, readAhead: 0 };
    expect(samples.at(-1)!.tables).toEqual(empty);
    expect(end.tables).toEqual(empty);
    // The events leave memory: the engine holds those within the horizon of each tenant's latest event, and
    // at most a few eviction steps more (it cuts at fold snapshots, in steps of minEvictEvents), however long it records.
    for (const s of samples) expect(s.memory.heldEvents).toBeLessThanOrEqual(s.memory.heldAtLeast + TENANTS * 3 * minEvictEvents);
    expect(end.memory.evictedEvents).toBeGreaterThan(end.recorded / 4);
    expect(end.memory.heldEvents + end.memory.evictedEvents).toBeGreaterThanOrEqual(end.recorded);
    // The figures, for docs/reliability.md (memory is reported, not asserted: see the campaign there).
    const recording = samples.filter((s) => s.phase.startsWith('recording'));
    const tail = samples.filter((s) => s.phase === 'churn-only' || s.phase === 'all-detached');
    const first = recording[0]!;
    const last = recording.at(-1)!;
    console.log(
      `soak: ${end.seconds} s, ${end.recorded} events, ${end.attached} subscriptions, ${end.emissions} emissions; heap after GC ${recording.map((s) => mb(s.heapUsed)).join(' → ')} MB ` +
        `(${Math.round((last.heapUsed - first.heapUsed) / Math.max(1, last.recorded - first.recorded))} B per recorded event); churn-only tail ${tail.map((s) => mb(s.heapUsed)).join(' → ')} MB; ` +
        `held events ${recording.map((s) => s.memory.heldEvents).join(' → ')} (${end.memory.evictedEvents} evicted, ${end.memory.rehydrations} history re-reads of ${end.memory.rehydratedEvents} events); ` +
        `records ${last.memory.records}, cases ${last.memory.cases}, host partitions ${last.memory.partitions}`,
    );
  });
});
