// The file store's persisted index (index.bin, issue 19): an open that uses it gives exactly what a full scan
// gives, a bad or stale index is rejected and the scan takes over, and what the index stops verifying at
// open is verified when read.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptStoreError, DuplicateEventIdError, InvalidArgumentError, openFileEventStore, type FileEventStore, type FileEventStoreOptions } from '@omnitrail/eventstore';
import { crc32 } from '../src/file/format.js';
import { temporaryStores } from './fixtures/temporary-stores.js';

const { tmp, open, close } = temporaryStores('omnitrail-index-');
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const segments = (d: string) => readdirSync(d).filter((f) => f.startsWith('segment-')).sort();
const indexPath = (d: string) => join(d, 'index.bin');

/** Everything a reader can observe of a store, as plain data, to compare an index-assisted open with a scan. */
async function observe(store: FileEventStore, subscribers: readonly string[]) {
  const all = await collect(store.readAll());
  const backwards = await collect(store.readAll({ direction: 'backwards', maxCount: 7 }));
  const streams = [...new Set(all.map((e) => e.streamName))].sort();
  const perStream: Record<string, unknown[]> = {};
  for (const s of streams) {
    perStream[s] = await collect(store.readStream(s));
    perStream[`${s} backwards`] = (await collect(store.readStream(s, { direction: 'backwards', maxCount: 3 }))).map((e) => e.revision);
  }
  const filtered = (await collect(store.readAll({ filter: { eventTypePrefix: 'B' } }))).map((e) => e.position);
  const checkpoints: Record<string, string | undefined> = {};
  for (const s of subscribers) checkpoints[s] = (await store.checkpoints.load(s))?.toString();
  const groups = await store.streamGroups!.list({ prefix: '', separator: '-' });
  return { events: store.recovery.events, all, backwards, perStream, filtered, checkpoints, groups };
}

/** The same store opened read-only with its index ignored: the reference every index-assisted open must equal. */
async function observeByScan(directory: string, subscribers: readonly string[]) {
  const scan = await open({ directory, readOnly: true, ignoreIndex: true });
  expect(scan.recovery.index).toBe('ignored');
  const seen = await observe(scan, subscribers);
  await close(scan);
  return seen;
}

let idCounter = 0;
const eventsOf = (n: number, type = 'A') => Array.from({ length: n }, (_, i) => ({ id: `ev-${++idCounter}`, type: i % 2 === 0 ? type : 'B', data: { i, pad: 'x'.repeat(i * 13) } }));

/** A store with `records` appends over five streams and two checkpoints, closed with an index covering all of it. */
async function indexedStore(records = 40, extra: Partial<FileEventStoreOptions> = {}) {
  const directory = tmp();
  // No index while it is filled: a background write could leave the last records to a scan, if too few
  // remain uncovered for close() to rewrite it. A writer that only opens and closes then indexes everything.
  const store = await open({ directory, fsync: 'none', segmentSize: 2048, indexInterval: Infinity, ...extra });
  for (let r = 0; r < records; r++) {
    await store.appendToStream(`tenant${r % 2}-s${r % 5}`, eventsOf(1 + (r % 3)));
    if (r % 7 === 3) await store.checkpoints.store(`sub${r % 2}`, BigInt(r));
  }
  const events = store.recovery.events + (await collect(store.readAll())).length;
  await close(store);
  expect(existsSync(indexPath(directory))).toBe(false);
  await close(await open({ directory, segmentSize: 2048, indexInterval: 1 }));
  expect(existsSync(indexPath(directory))).toBe(true);
  return { directory, events };
}

describe('file store index: an open that uses it equals a full scan', () => {
  it('reopens from the index: nothing scanned, the same events, streams, revisions, checkpoints and groups', async () => {
    const { directory, events } = await indexedStore();
    expect(segments(directory).length).toBeGreaterThan(3);
    const store = await open({ directory, indexInterval: 1 });
    expect(store.recovery).toMatchObject({ index: 'used', indexedEvents: events, scannedRecords: 0, events, truncatedTail: undefined });
    const viaIndex = await observe(store, ['sub0', 'sub1', 'nobody']);
    expect(viaIndex).toEqual(await observeByScan(directory, ['sub0', 'sub1', 'nobody']));
    expect(viaIndex.checkpoints).toEqual({ sub0: '38', sub1: '31', nobody: undefined });
  });

  it('scans only the records after the index, and appends continue at the right positions and revisions', async () => {
    const { directory, events } = await indexedStore();
    // Appends the index will not cover: this writer never rewrites it.
    const writer = await open({ directory, fsync: 'none', segmentSize: 2048, indexInterval: Infinity });
    await writer.appendToStream('tenant0-s0', eventsOf(2));
    await writer.checkpoints.store('sub0', 99n);
    await writer.appendToStream('tenant2-new', eventsOf(1));
    await close(writer);
    const store = await open({ directory, segmentSize: 2048 });
    expect(store.recovery).toMatchObject({ index: 'used', indexedEvents: events, scannedRecords: 3, events: events + 3 });
    expect(await observe(store, ['sub0', 'sub1'])).toEqual(await observeByScan(directory, ['sub0', 'sub1']));
    const before = (await collect(store.readStream('tenant0-s0'))).at(-1)!;
    const r = await store.appendToStream('tenant0-s0', eventsOf(2), { expectedRevision: before.revision });
    expect(r).toEqual({ nextExpectedRevision: before.revision + 2n, position: BigInt(events + 5) });
    const fresh = await store.appendToStream('brand-new', eventsOf(1), { expectedRevision: 'no_stream' });
    expect(fresh).toEqual({ nextExpectedRevision: 0n, position: BigInt(events + 6) });
    await expect(store.appendToStream('tenant1-s1', eventsOf(1), { expectedRevision: 0n })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
  });

  it('finds duplicate ids in the indexed prefix: another stream is refused, a retry gets the original result', async () => {
    const { directory } = await indexedStore();
    const store = await open({ directory });
    expect(store.recovery.index).toBe('used');
    const stored = (await collect(store.readStream('tenant1-s3')))[0]!;
    const again = { id: stored.id, type: stored.type, data: stored.data };
    await expect(store.appendToStream('tenant0-other', [again])).rejects.toBeInstanceOf(DuplicateEventIdError);
    // The batch that stored it, retried in its own stream, is recognised.
    const batch = (await collect(store.readAll())).filter((e) => e.streamName === 'tenant1-s3' && e.revision < 2n);
    const retried = await store.appendToStream(
      'tenant1-s3',
      batch.map((e) => ({ id: e.id, type: e.type, data: e.data })),
    );
    expect(retried.position).toBe(batch.at(-1)!.position);
  });

  it('property: over random appends, checkpoints and reopens, every index-assisted open equals a full scan', async () => {
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('append' as const), stream: fc.integer({ min: 0, max: 6 }), count: fc.integer({ min: 1, max: 4 }), pad: fc.nat(300) }), weight: 6 },
      { arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), subscriber: fc.integer({ min: 0, max: 2 }), position: fc.nat(50) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('reopen' as const), interval: fc.constantFrom(1, 700, 5000) }), weight: 2 },
    );
    const subscribers = ['c0', 'c1', 'c2'];
    const uses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), fc.constantFrom(1024, 4096), async (ops, segmentSize) => {
        const directory = tmp();
        let store = await open({ directory, fsync: 'none', segmentSize, indexInterval: 1 });
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'append') {
            await store.appendToStream(`g${o.stream % 3}-s${o.stream}`, Array.from({ length: o.count }, (_, i) => ({ id: `p${n++}`, type: i % 2 ? 'A' : 'B', data: { pad: 'y'.repeat(o.pad) } })));
          } else if (o.kind === 'checkpoint') {
            await store.checkpoints.store(subscribers[o.subscriber]!, BigInt(o.position));
          } else {
            await close(store);
            store = await open({ directory, fsync: 'none', segmentSize, indexInterval: o.interval });
            expect(store.recovery.index).toMatch(/^(used|absent)$/);
            uses.set(store.recovery.index, (uses.get(store.recovery.index) ?? 0) + 1);
            expect(await observe(store, subscribers)).toEqual(await observeByScan(directory, subscribers));
          }
        }
        await close(store);
        const last = await open({ directory, readOnly: true });
        expect(await observe(last, subscribers)).toEqual(await observeByScan(directory, subscribers));
        await close(last);
        rmSync(directory, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
    // The property is about index-assisted opens: a good share of the reopens must have used one (~3/4 do;
    // the others reopen a store smaller than the interval it was closed with).
    const used = uses.get('used') ?? 0;
    expect(used).toBeGreaterThan((used + (uses.get('absent') ?? 0)) / 3);
  }, 60_000);
});

describe('file store index: what it is not trusted with', () => {
  /** Opens after `damage`, expects the index rejected for `reason`, and the result identical to a scan. */
  async function rejected(damage: (directory: string) => void, reason: RegExp) {
    const { directory } = await indexedStore();
    damage(directory);
    const reference = await observeByScan(directory, ['sub0', 'sub1']);
    const store = await open({ directory, readOnly: true });
    expect(store.recovery.index).toMatch(reason);
    expect(store.recovery.indexedEvents).toBe(0);
    expect(store.recovery.scannedRecords).toBeGreaterThan(0);
    expect(await observe(store, ['sub0', 'sub1'])).toEqual(reference);
    await close(store);
    // A writer removes the rejected index, then writes a good one when it closes.
    const writer = await open({ directory, indexInterval: 1 });
    expect(writer.recovery.index).toMatch(reason);
    expect(existsSync(indexPath(directory))).toBe(false);
    await writer.appendToStream('after', eventsOf(1));
    await close(writer);
    const again = await open({ directory, readOnly: true });
    expect(again.recovery.index).toBe('used');
    return directory;
  }

  it('rejects an index with a flipped bit (checksum)', async () => {
    await rejected((d) => {
      const bytes = readFileSync(indexPath(d));
      bytes[bytes.length - 5]! ^= 0x10;
      writeFileSync(indexPath(d), bytes);
    }, /^rejected: checksum mismatch$/);
  });

  it('rejects a torn index (cut short) and one that is not an index at all', async () => {
    await rejected((d) => truncateSync(indexPath(d), statSync(indexPath(d)).size - 100), /^rejected: checksum mismatch$/);
    await rejected((d) => writeFileSync(indexPath(d), 'hello'), /^rejected: not an index file$/);
  });

  it('rejects an index of another format version', async () => {
    await rejected((d) => {
      const bytes = readFileSync(indexPath(d));
      bytes.writeUInt32LE(2, 12);
      bytes.writeUInt32LE(crc32(bytes.subarray(12)), 8);
      writeFileSync(indexPath(d), bytes);
    }, /^rejected: format version 2, expected 1$/);
  });

  it('rejects an index newer than a log that was cut back (a restored or truncated segment)', async () => {
    await rejected((d) => {
      const last = join(d, segments(d).at(-1)!);
      truncateSync(last, Math.floor(statSync(last).size / 2));
      // Cut at a record boundary would be a valid shorter log; a cut mid-record leaves a torn tail too.
    }, /^rejected: segment \d+ is \d+ bytes, the index expects at least \d+$/);
  });

  it('rejects an index whose segments are gone, or whose last record was replaced', async () => {
    await rejected((d) => {
      for (const s of segments(d).slice(1)) rmSync(join(d, s));
    }, /^rejected: (segment \d+ of the index is not the store's segment number \d+|segment \d+ is \d+ bytes, the index expects)/);
    // Another log of the same shape: the index of one store copied into the other.
    const other = await indexedStore();
    await rejected((d) => copyFileSync(indexPath(other.directory), indexPath(d)), /^rejected: /);
  });

  it('opens by a full scan when index.bin cannot be read at all (a directory of that name)', async () => {
    const { directory } = await indexedStore();
    rmSync(indexPath(directory));
    mkdirSync(indexPath(directory));
    const reference = await observeByScan(directory, ['sub0']);
    const store = await open({ directory, indexInterval: 1 });
    expect(store.recovery.index).toMatch(/^rejected: unreadable \(/);
    expect(await observe(store, ['sub0'])).toEqual(reference);
    // Its index writes fail (they cannot replace a directory), quietly, and a failed write is not retried on
    // every append: the next attempt waits for about as many new bytes as the index's size (~40 per event).
    const attempts = new Set<string>();
    const watcher = watch(directory, (_event, name) => {
      if (typeof name === 'string' && name.startsWith('index.bin.tmp-')) attempts.add(name);
    });
    for (let i = 0; i < 60; i++) await store.appendToStream('more', eventsOf(1));
    await new Promise((r) => setTimeout(r, 50));
    watcher.close();
    expect(attempts.size).toBeGreaterThanOrEqual(1);
    expect(attempts.size).toBeLessThanOrEqual(4);
    await close(store);
    expect(statSync(indexPath(directory)).isDirectory()).toBe(true);
    expect(readdirSync(directory).filter((f) => f.startsWith('index.bin.tmp-'))).toEqual([]);
  });

  it('truncates a torn tail after the indexed prefix exactly as a full scan does', async () => {
    const { directory, events } = await indexedStore();
    const writer = await open({ directory, fsync: 'none', segmentSize: 2048, indexInterval: Infinity });
    await writer.appendToStream('tail', eventsOf(1));
    await writer.appendToStream('tail', eventsOf(3));
    await close(writer);
    const last = join(directory, segments(directory).at(-1)!);
    const size = statSync(last).size;
    truncateSync(last, size - 11);
    const store = await open({ directory, segmentSize: 2048 });
    expect(store.recovery).toMatchObject({ index: 'used', indexedEvents: events, scannedRecords: 1, events: events + 1, truncatedOnDisk: true });
    expect(store.recovery.truncatedTail).toMatchObject({ segment: last, reason: expect.stringMatching(/truncated record/) });
    expect(statSync(last).size).toBe(store.recovery.truncatedTail!.offset);
    expect(await observe(store, ['sub0'])).toEqual(await observeByScan(directory, ['sub0']));
    const r = await store.appendToStream('tail', eventsOf(1), { expectedRevision: 0n });
    expect(r.position).toBe(BigInt(events + 2));
  });

  it('fails the open for corruption after the indexed prefix (valid records follow it), changing nothing', async () => {
    const { directory } = await indexedStore();
    const writer = await open({ directory, fsync: 'none', segmentSize: 1 << 20, indexInterval: Infinity });
    for (let i = 0; i < 3; i++) await writer.appendToStream('tail', eventsOf(1));
    await close(writer);
    const last = join(directory, segments(directory).at(-1)!);
    const bytes = readFileSync(last);
    // The three tail records are the file's last ones: damage the middle one.
    const sizes: number[] = [];
    for (let o = 0; o < bytes.length; o += 8 + bytes.readUInt32LE(o)) sizes.push(o);
    const middle = sizes.at(-2)!;
    bytes[middle + 12]! ^= 0xff;
    writeFileSync(last, bytes);
    const indexBefore = readFileSync(indexPath(directory));
    await expect(openFileEventStore({ directory })).rejects.toMatchObject({ code: 'CORRUPT_STORE', segment: last, offset: middle, foundBy: 'open' });
    expect(readFileSync(last).equals(bytes)).toBe(true);
    expect(readFileSync(indexPath(directory)).equals(indexBefore)).toBe(true);
    expect(existsSync(join(directory, 'LOCK'))).toBe(false);
  });

  it('verifies a record the index covers when it is read: corruption is a CorruptStoreError naming segment and offset', async () => {
    const { directory } = await indexedStore();
    // A bit flipped inside the data of a record in the middle of the first segment (not the last indexed one).
    const first = join(directory, segments(directory)[0]!);
    const bytes = readFileSync(first);
    const firstRecord = 8 + bytes.readUInt32LE(0);
    const secondLength = bytes.readUInt32LE(firstRecord);
    bytes[firstRecord + 8 + secondLength - 3]! ^= 0x01;
    writeFileSync(first, bytes);
    // The full scan refuses to open; the index-assisted open succeeds and the read that reaches it fails.
    await expect(openFileEventStore({ directory, readOnly: true, ignoreIndex: true })).rejects.toMatchObject({ code: 'CORRUPT_STORE', segment: first, offset: firstRecord, foundBy: 'open' });
    const store = await open({ directory, readOnly: true });
    expect(store.recovery.index).toBe('used');
    const error = await collect(store.readAll()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect(error).toMatchObject({ segment: first, offset: firstRecord, reason: 'checksum mismatch', foundBy: 'read' });
    expect((error as Error).message).toContain(`byte offset ${firstRecord}`);
    // Events of other records still read (the first record is fine), and the bad one fails every time.
    const firstEvent = await collect(store.readAll({ maxCount: 1 }));
    expect(firstEvent.length).toBe(1);
    await expect(collect(store.readAll())).rejects.toMatchObject({ code: 'CORRUPT_STORE', foundBy: 'read' });
  });

  it('verifies the record behind a duplicate-id check too', async () => {
    const { directory } = await indexedStore();
    const store0 = await open({ directory, readOnly: true });
    const second = (await collect(store0.readAll({ maxCount: 2 })))[1]!;
    await close(store0);
    const first = join(directory, segments(directory)[0]!);
    const bytes = readFileSync(first);
    const firstRecord = 8 + bytes.readUInt32LE(0);
    bytes[firstRecord + 8 + bytes.readUInt32LE(firstRecord) - 3]! ^= 0x01;
    writeFileSync(first, bytes);
    const store = await open({ directory });
    await expect(store.appendToStream('elsewhere', [{ id: second.id, type: 'T', data: {} }])).rejects.toMatchObject({ code: 'CORRUPT_STORE', offset: firstRecord, foundBy: 'read' });
  });
});

describe('file store index: when it is written', () => {
  it('is written in the background as appends go on, before any close, and covers only durable records', async () => {
    const directory = tmp();
    const store = await open({ directory, fsync: 'batch', segmentSize: 4096, indexInterval: 2048 });
    for (let i = 0; i < 60; i++) await store.appendToStream(`s${i % 4}`, eventsOf(2));
    // The write runs beside the appends: wait for it to land, without closing.
    for (let k = 0; k < 200 && !existsSync(indexPath(directory)); k++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(indexPath(directory))).toBe(true);
    const reader = await open({ directory, readOnly: true });
    expect(reader.recovery.index).toBe('used');
    expect(reader.recovery.indexedEvents).toBeGreaterThan(0);
    expect(await observe(reader, [])).toEqual(await observeByScan(directory, []));
  });

  it('captures only durable state while concurrent appends and checkpoints are in flight (group commit)', async () => {
    const directory = tmp();
    const store = await open({ directory, fsync: 'batch', segmentSize: 8192, indexInterval: 1024 });
    const subscribers = ['k0', 'k1'];
    for (let round = 0; round < 6; round++) {
      // Each round starts 40 appends and 2 checkpoints at once: index writes are captured between their fsyncs.
      await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => store.appendToStream(`c${round % 2}-s${i % 9}`, eventsOf(1 + (i % 3)))),
        ...subscribers.map((k, i) => store.checkpoints.store(k, BigInt(round * 10 + i))),
      ]);
      // A reader opening now (the writer still open) uses whatever index the writer has written so far.
      const reader = await open({ directory, readOnly: true });
      expect(reader.recovery.index).toMatch(/^(used|absent)$/);
      expect(await observe(reader, subscribers)).toEqual(await observeByScan(directory, subscribers));
      await close(reader);
    }
    await close(store);
    const reopened = await open({ directory, readOnly: true });
    expect(reopened.recovery.index).toBe('used');
    expect(await observe(reopened, subscribers)).toEqual(await observeByScan(directory, subscribers));
  });

  it('is not written for a store smaller than the interval, nor by a read-only open', async () => {
    const small = tmp();
    const store = await open({ directory: small, fsync: 'none' });
    await store.appendToStream('s', eventsOf(5));
    await close(store);
    expect(existsSync(indexPath(small))).toBe(false);
    const reader = await open({ directory: small, readOnly: true, indexInterval: 1 });
    expect(reader.recovery).toMatchObject({ index: 'absent', indexedEvents: 0, scannedRecords: 1 });
    await close(reader);
    expect(readdirSync(small).some((f) => f.startsWith('index'))).toBe(false);
  });

  it('removes a temporary index file a killed writer left behind', async () => {
    const { directory } = await indexedStore();
    writeFileSync(join(directory, 'index.bin.tmp-12345-1'), 'half written');
    const reader = await open({ directory, readOnly: true });
    expect(reader.recovery.index).toBe('used');
    await close(reader);
    expect(existsSync(join(directory, 'index.bin.tmp-12345-1'))).toBe(true);
    const writer = await open({ directory });
    expect(writer.recovery.index).toBe('used');
    expect(existsSync(join(directory, 'index.bin.tmp-12345-1'))).toBe(false);
  });

  it('refuses a bad indexInterval, naming the option', async () => {
    for (const bad of [0, -1, Number.NaN, '5' as unknown as number]) {
      await expect(openFileEventStore({ directory: tmp(), indexInterval: bad })).rejects.toSatisfy(
        (e: unknown) => e instanceof InvalidArgumentError && (e as Error).message.includes('indexInterval'),
      );
    }
  });
});
