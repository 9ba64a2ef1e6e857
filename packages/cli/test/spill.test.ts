import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { journeyOf, replayReport, resolveJourneyConfig } from '@omnitrail/journey';
import { createReplayEventLog, foldTenantColumns, namedOnlyCustomer, ranksByPosition, replayEventLogOf, type SpilledEventReader } from '@omnitrail/journey/internal';
import { generateWorkload, toNdjson } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReport, readInputs, replayFiles, runCli, StrictInputError, type ReplayInput } from '../src/index.js';
import { appendStoreEvents, createSpillFile } from '../src/internal.js';
import { ev, ndjson, run, tempDir } from './helpers.js';

/** A seeded workload as parsed events and as NDJSON. */
function workload(seed: number, events: number, tenants = 2): { parsed: CatalogEvent[]; text: string } {
  const raws = [...generateWorkload({ seed, customers: Math.max(3, Math.round(events / 40)), events, tenants, lateMergeRate: 0.05 })];
  return { parsed: raws.map((r) => parseEventOrThrow(r)), text: [...toNdjson(raws)].join('') };
}

/** A spill reader over events kept as JSON text, that checks the fold asks in ascending position order. */
function jsonReader(events: readonly CatalogEvent[], windowEvents: number): SpilledEventReader & { reads: number } {
  const lines = events.map((e) => JSON.stringify(e));
  const reader = {
    reads: 0,
    windowEvents,
    read(positions: ArrayLike<number>, visit: (i: number, event: CatalogEvent) => void) {
      for (let i = 0; i < positions.length; i++) {
        if (i > 0 && positions[i]! <= positions[i - 1]!) throw new Error(`positions out of order at ${i}`);
        reader.reads++;
        visit(i, parseEventOrThrow(JSON.parse(lines[positions[i]!]!)));
      }
    },
  };
  return reader;
}

/** Replays a log of the events spilled after `keep` of them, through a JSON reader. */
function spilledLog(events: readonly CatalogEvent[], keep: number, windowEvents: number) {
  const log = createReplayEventLog();
  const reader = jsonReader(events, windowEvents);
  events.forEach((event, i) => {
    if (i === keep) log.spill(reader);
    log.add(event);
  });
  if (keep >= events.length) log.spill(reader);
  return { log, reader };
}

describe('a spilled replay event log', () => {
  it('gives the same report as the events in memory, whatever the spill point and window (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 64 }), fc.option(fc.integer({ min: 0, max: 100 })), (seed, keep, window, cut) => {
        const { parsed } = workload(seed, 400, 1 + (seed % 5));
        const times = parsed.map((e) => Date.parse(e.occurredAt)).sort((a, b) => a - b);
        const asOf = cut === null ? undefined : times[Math.floor(((times.length - 1) * cut) / 100)]!;
        const options = asOf === undefined ? {} : { asOf };
        const expected = replayReport({ events: parsed, ...options });
        const { log, reader } = spilledLog(parsed, keep, window);
        expect(log.spilled).toBe(true);
        expect(replayReport({ events: log, ...options })).toEqual(expected);
        // Every folded event that a projection reads came back through the reader.
        expect(reader.reads).toBeGreaterThan(0);
      }),
      { numRuns: 25 },
    );
  });

  it('holds only the events identity resolution reads once spilled', () => {
    // 75 customers: with a dozen, one customer's anonymous start can be a fifth of the events by itself.
    const { parsed } = workload(3, 3_000);
    const { log } = spilledLog(parsed, 0, 50);
    const held = parsed.filter((_, p) => log.held(p) !== undefined);
    // Those are the events that do more than name their customer: a small share.
    expect(held).toEqual(parsed.filter((e) => namedOnlyCustomer(e) === undefined));
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(parsed.length / 5);
    expect(log.events()).toEqual(parsed);
  });

  it('lists a spilled fold\'s events and finds a customer\'s journey like the events in memory', () => {
    const { parsed } = workload(11, 500, 1);
    const config = resolveJourneyConfig();
    const { log } = spilledLog(parsed, 100, 16);
    const tenant = parsed[0]!.tenantId;
    const asOf = Math.max(...parsed.map((e) => Date.parse(e.occurredAt))) + 1;
    const inMemory = foldTenantColumns(replayEventLogOf(parsed), tenant, asOf, config);
    const spilled = foldTenantColumns(log, tenant, asOf, config);
    expect(spilled.events).toEqual(inMemory.events);
    const customer = inMemory.events.at(-1)!.customerId;
    expect(journeyOf({ events: log, customerId: customer })).toEqual(journeyOf({ events: parsed, customerId: customer }));
  });
});

describe('ranksByPosition', () => {
  it('orders indexes by position, packed or (for huge positions) by comparison (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.nat(5000), fc.integer({ min: 2 ** 50, max: 2 ** 53 - 1 })), { maxLength: 200 }), (positions) => {
        const expected = positions.map((_, i) => i).sort((a, b) => positions[a]! - positions[b]!);
        expect([...ranksByPosition(positions)]).toEqual(expected);
      }),
    );
  });
});

describe('the spill file', () => {
  it('reads back events by position, dense or sparse, and lines longer than one read', () => {
    const dir = tempDir();
    const spill = createSpillFile({ directory: dir });
    const big = parseEventOrThrow(ev({ id: 'big', data: { text: 'x'.repeat(3 << 20) } }));
    const events = Array.from({ length: 3000 }, (_, i) => parseEventOrThrow(ev({ id: `s-${i}` })));
    events.splice(1500, 0, big);
    events.forEach((e, i) => spill.append(e, i % 2 === 0 ? JSON.stringify(e) : undefined));
    expect(spill.size).toBe(events.length);
    const got: CatalogEvent[] = [];
    spill.read(Array.from({ length: events.length }, (_, i) => i), (i, e) => (got[i] = e));
    expect(got).toEqual(events);
    const sparse = [0, 999, 1500, 1501, 2999, 3000];
    spill.read(sparse, (i, e) => expect(e).toEqual(events[sparse[i]!]));
    expect(() => spill.read([events.length], () => undefined)).toThrow(/no spilled event at position 3001/);
    spill.close();
    spill.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a spill file read back in an order of the fold\'s own', () => {
  it('hands back any subset of positions in the asked order, across buckets, runs of any size (property)', () => {
    const events = Array.from({ length: 300 }, (_, i) => parseEventOrThrow(ev({ id: `q-${i}`, data: { text: i % 50 === 7 ? 'y'.repeat(70_000) : `t${i}` } })));
    fc.assert(
      fc.property(fc.shuffledSubarray(events.map((_, i) => i)), fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }), (order, bucketEvents, runs) => {
        const dir = tempDir();
        const spill = createSpillFile({ directory: dir, bucketEvents });
        events.forEach((e) => spill.append(e));
        const sequence = spill.inOrder(Int32Array.from(order));
        const got: CatalogEvent[] = [];
        for (let at = 0, r = 0; at < order.length; r++) {
          const count = Math.min(runs[r % runs.length]!, order.length - at);
          const out: CatalogEvent[] = [];
          sequence.next(out, count);
          got.push(...out.slice(0, count));
          at += count;
        }
        expect(got).toEqual(order.map((p) => events[p]));
        expect(() => sequence.next([], 1)).toThrow(/only 0 of the 1 events asked for are left/);
        // Closing the file closes a sequence left open and deletes everything.
        spill.close();
        expect(readdirSync(dir)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects positions that are not distinct spilled events', () => {
    const spill = createSpillFile({ directory: tempDir() });
    spill.append(parseEventOrThrow(ev({ id: 'only' })));
    expect(() => spill.inOrder(Int32Array.from([0, 0]))).toThrow(/position 0 is not a distinct spilled event/);
    expect(() => spill.inOrder(Int32Array.from([1]))).toThrow(/position 1 is not a distinct spilled event/);
    spill.close();
  });
});

describe('readInputs and replayFiles past maxEventsInMemory', () => {
  it('give byte-identical reports and counters for files, gzip and standard input (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 300 }), async (seed, max) => {
        const dir = tempDir();
        const { text } = workload(seed, 300, 1 + (seed % 7));
        const lines = text.trimEnd().split('\n');
        // Duplicates, a conflicting id and an invalid line, so the counters are exercised too.
        const extra = [lines[5]!, lines[200]!, lines[7]!.replace('"occurredAt":"', '"occurredAt":"1'), '{"id":"broken"'];
        const plain = join(dir, 'a.ndjson');
        writeFileSync(plain, `${[...lines.slice(0, 150), ...extra].join('\n')}\n`);
        const gz = join(dir, 'b.ndjson.gz');
        writeFileSync(gz, gzipSync(`${lines.slice(150).join('\n')}\n`));
        const inputs = (): ReplayInput[] => [
          { kind: 'file', path: plain, name: 'a.ndjson' },
          { kind: 'file', path: gz, name: 'b.ndjson.gz' },
          { kind: 'stdin', stream: Readable.from([Buffer.from(`${lines.slice(100, 120).join('\n')}\n`)]), name: '-' },
        ];
        const spillDir = tempDir();
        const expected = formatReport(await replayFiles(inputs(), { maxEventsInMemory: 1_000_000 }));
        expect(formatReport(await replayFiles(inputs(), { maxEventsInMemory: max, spillDirectory: spillDir }))).toBe(expected);
        // The spill file is gone once the report is built.
        expect(readdirSync(spillDir)).toEqual([]);
      }),
      { numRuns: 12 },
    );
  });

  it('spills events parsed by workers and read from a store (no line text: written as JSON) alike', async () => {
    const dir = tempDir();
    const { text } = workload(21, 3000);
    const path = join(dir, 'w.ndjson');
    writeFileSync(path, text);
    const expected = formatReport(await replayFiles([path], { workers: 0 }));
    expect(formatReport(await replayFiles([path], { workers: 2, maxEventsInMemory: 0 }))).toBe(expected);
    const store = join(dir, 'store');
    const events = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; type: string; tenantId: string; customerId?: string });
    await appendStoreEvents(`file:${store}`, events);
    const fromStore = formatReport(await replayFiles([{ kind: 'store', uri: `file:${store}` }], { maxEventsInMemory: 0 }));
    expect(fromStore).toBe(formatReport(await replayFiles([{ kind: 'store', uri: `file:${store}` }])));
    expect(JSON.parse(fromStore).tenants).toEqual(JSON.parse(expected).tenants);
  });

  it('does not make a spill file for an empty input, even at a limit of 0', async () => {
    const dir = tempDir();
    const path = join(dir, 'empty.ndjson');
    writeFileSync(path, '\n');
    const spillDir = tempDir();
    const ingest = await readInputs([{ kind: 'file', path }], { maxEventsInMemory: 0, spillDirectory: spillDir });
    expect(ingest.log.spilled).toBe(false);
    expect(readdirSync(spillDir)).toEqual([]);
    ingest.close();
  });

  it('deletes the spill file when strict mode stops the read', async () => {
    const dir = tempDir();
    const spillDir = tempDir();
    const path = join(dir, 'bad.ndjson');
    writeFileSync(path, ndjson([ev({ id: 'k1' }), ev({ id: 'k2' }), ev({ id: 'k3' }), 'oops']));
    await expect(readInputs([{ kind: 'file', path }], { strict: true, maxEventsInMemory: 1, spillDirectory: spillDir })).rejects.toBeInstanceOf(StrictInputError);
    expect(readdirSync(spillDir)).toEqual([]);
  });

  it('keeps everything in memory below the limit and spills past it', async () => {
    const dir = tempDir();
    const path = join(dir, 'x.ndjson');
    writeFileSync(path, ndjson([ev({ id: 'm1' }), ev({ id: 'm2' }), ev({ id: 'm3' })]));
    const inMemory = await readInputs([{ kind: 'file', path }], { maxEventsInMemory: 3 });
    expect(inMemory.log.spilled).toBe(false);
    inMemory.close();
    const spillDir = tempDir();
    const spilled = await readInputs([{ kind: 'file', path }], { maxEventsInMemory: 2, spillDirectory: spillDir });
    expect(spilled.log.spilled).toBe(true);
    expect(readdirSync(spillDir)).toHaveLength(1);
    expect(spilled.events.map((e) => e.id)).toEqual(['m1', 'm2', 'm3']);
    spilled.close();
    expect(readdirSync(spillDir)).toEqual([]);
  });

  it('omnitrail replay --max-events-in-memory gives the same report; a bad value is a usage error', async () => {
    const dir = tempDir();
    const { text } = workload(5, 250);
    const path = join(dir, 'w.ndjson');
    writeFileSync(path, text);
    const whole = await run(['replay', path, '--no-progress']);
    const spilled = await run(['replay', path, '--no-progress', '--max-events-in-memory', '10']);
    expect(whole.code).toBe(0);
    expect(spilled.code).toBe(0);
    expect(spilled.stdout).toBe(whole.stdout);
    const bad = await run(['replay', path, '--max-events-in-memory', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-events-in-memory must be a non-negative integer, got "lots"/);
    expect(existsSync(path)).toBe(true);
  });

  it('calls the io hook before a spilled fold only (the executable tightens V8 heap growth there)', async () => {
    const dir = tempDir();
    const path = join(dir, 'w.ndjson');
    writeFileSync(path, workload(8, 60).text);
    const calls: string[] = [];
    const io = (label: string) => ({ stdout: { write: () => true }, stderr: { write: () => true }, cwd: dir, beforeSpilledFold: () => calls.push(label) });
    expect(await runCli(['replay', path, '--no-progress'], io('held'))).toBe(0);
    expect(await runCli(['replay', path, '--no-progress', '--max-events-in-memory', '5'], io('spilled'))).toBe(0);
    expect(calls).toEqual(['spilled']);
  });
});
