import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptStoreError, LOCK_FILE, openFileEventStore, ReadOnlyStoreError, StoreLockedError, type RecordedEvent, type RecoveryReport } from '@omnitrail/eventstore';
import { temporaryStores } from './fixtures/temporary-stores.js';

const { tmp, open, stores } = temporaryStores('omnitrail-file-');
const closeAll = async () => {
  for (const s of stores.splice(0)) await s.close();
};
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const segments = (d: string) => readdirSync(d).filter((f) => f.startsWith('segment-')).sort();

/** A store with three single-event records; returns the directory, its events and the last segment file. */
async function threeRecords() {
  const directory = tmp();
  const store = await open({ directory, fsync: 'none' });
  for (let i = 0; i < 3; i++) await store.appendToStream('s', [{ id: `e${i}`, type: 'T', data: { i, pad: 'p'.repeat(40) } }]);
  const events = await collect(store.readAll());
  await closeAll();
  const segment = join(directory, segments(directory).at(-1)!);
  return { directory, events, segment, size: statSync(segment).size };
}

describe('file store: recovery on open', () => {
  it('truncates a torn tail (a truncated last record) and reports it', async () => {
    const { directory, events, segment, size } = await threeRecords();
    truncateSync(segment, size - 7);
    let reported: RecoveryReport | undefined;
    const store = await open({ directory, onRecovery: (r) => (reported = r) });
    expect(reported).toBe(store.recovery);
    expect(store.recovery.truncatedTail).toMatchObject({ segment, reason: expect.stringMatching(/truncated record/) });
    expect(store.recovery.truncatedOnDisk).toBe(true);
    expect(store.recovery.events).toBe(2);
    expect(statSync(segment).size).toBe(store.recovery.truncatedTail!.offset);
    expect(await collect(store.readAll())).toEqual(events.slice(0, 2));
    const r = await store.appendToStream('s', [{ id: 'e2', type: 'T', data: { again: true } }], { expectedRevision: 1n });
    expect(r.nextExpectedRevision).toBe(2n);
  });

  it('truncates a last record with a flipped bit and reports a checksum mismatch', async () => {
    const { directory, events, segment, size } = await threeRecords();
    const bytes = readFileSync(segment);
    bytes[size - 10]! ^= 0x04;
    writeFileSync(segment, bytes);
    const store = await open({ directory });
    expect(store.recovery.truncatedTail).toMatchObject({ segment, reason: 'checksum mismatch' });
    expect(store.recovery.truncatedTail!.discardedBytes).toBeGreaterThan(0);
    expect(await collect(store.readAll())).toEqual(events.slice(0, 2));
  });

  it('truncates a torn header of a few bytes', async () => {
    const { directory, segment, size } = await threeRecords();
    writeFileSync(segment, Buffer.concat([readFileSync(segment), Buffer.from([5, 0, 0])]));
    const store = await open({ directory });
    expect(store.recovery.truncatedTail).toMatchObject({ offset: size, discardedBytes: 3 });
    expect((await collect(store.readAll())).length).toBe(3);
  });

  it('fails with CorruptStoreError naming segment and offset for a bad record in the middle, and changes nothing', async () => {
    const { directory, events, segment, size } = await threeRecords();
    const bytes = readFileSync(segment);
    const firstRecordLength = 8 + bytes.readUInt32LE(0);
    bytes[firstRecordLength + 20]! ^= 0xff; // inside the second record's payload
    writeFileSync(segment, bytes);
    const error = await openFileEventStore({ directory }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect(error).toMatchObject({ code: 'CORRUPT_STORE', segment, offset: firstRecordLength });
    expect((error as Error).message).toContain(`byte offset ${firstRecordLength}`);
    expect(statSync(segment).size).toBe(size);
    expect(existsSync(join(directory, LOCK_FILE))).toBe(false);
    expect(events.length).toBe(3);
  });

  it('fails with CorruptStoreError for a torn record in a segment that is not the last', async () => {
    const directory = tmp();
    const store = await open({ directory, fsync: 'none', segmentSize: 1024 });
    for (let i = 0; i < 30; i++) await store.appendToStream(`s${i % 3}`, [{ id: `e${i}`, type: 'T', data: { pad: 'x'.repeat(100) } }]);
    await closeAll();
    const names = segments(directory);
    expect(names.length).toBeGreaterThan(2);
    const first = join(directory, names[0]!);
    truncateSync(first, statSync(first).size - 5);
    await expect(openFileEventStore({ directory })).rejects.toMatchObject({ code: 'CORRUPT_STORE', segment: first });
  });

  it('read-only open ignores a torn tail without modifying the file', async () => {
    const { directory, segment, size } = await threeRecords();
    truncateSync(segment, size - 3);
    const store = await open({ directory, readOnly: true });
    expect(store.recovery.truncatedTail).toBeDefined();
    expect(store.recovery.truncatedOnDisk).toBe(false);
    expect(statSync(segment).size).toBe(size - 3);
    expect((await collect(store.readAll())).length).toBe(2);
  });
});

describe('file store: segments, persistence', () => {
  it('rolls over to new segments and reads across them after reopen', async () => {
    const directory = tmp();
    const store = await open({ directory, fsync: 'batch', segmentSize: 4096 });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.appendToStream(`s${i % 7}`, [{ id: `e${i}`, type: `T${i % 4}`, data: { i, pad: 'y'.repeat(i % 50) } }])),
    );
    const before = await collect(store.readAll());
    await closeAll();
    expect(segments(directory).length).toBeGreaterThan(3);
    const reopened = await open({ directory });
    expect(await collect(reopened.readAll())).toEqual(before);
    expect(await collect(reopened.readAll({ direction: 'backwards', filter: { eventTypePrefix: 'T3' } }))).toEqual(
      before.filter((e) => e.type === 'T3').reverse(),
    );
    const s3: RecordedEvent[] = await collect(reopened.readStream('s3', { direction: 'backwards' }));
    expect(s3.map((e) => e.revision)).toEqual(Array.from({ length: s3.length }, (_, i) => BigInt(s3.length - 1 - i)));
  });
});

describe('file store: locking and read-only mode', () => {
  it('gives a second writer StoreLockedError naming the pid; the lock is released on close', async () => {
    const directory = tmp();
    const first = await open({ directory });
    expect(readFileSync(join(directory, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    const error = await openFileEventStore({ directory }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error).toMatchObject({ code: 'STORE_LOCKED', pid: process.pid, directory });
    expect((error as Error).message).toMatch(/readOnly/);
    await first.close();
    expect(existsSync(join(directory, LOCK_FILE))).toBe(false);
    const second = await open({ directory });
    await second.appendToStream('s', [{ id: 'a', type: 'T', data: 1 }]);
  });

  it('recovers a stale lock whose pid is dead', async () => {
    const directory = tmp();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(directory, LOCK_FILE), `${dead}\n`);
    const store = await open({ directory });
    expect(readFileSync(join(directory, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    await store.appendToStream('s', [{ id: 'a', type: 'T', data: 1 }]);
  });

  it('opens read-only without the lock, reads, and refuses writes with ReadOnlyStoreError', async () => {
    const directory = tmp();
    const writer = await open({ directory });
    await writer.appendToStream('s', [{ id: 'a', type: 'T', data: { ok: 1 } }]);
    await writer.checkpoints.store('p', 1n);
    const reader = await open({ directory, readOnly: true });
    expect(reader.readOnly).toBe(true);
    expect((await collect(reader.readStream('s'))).map((e) => e.id)).toEqual(['a']);
    expect(await reader.checkpoints.load('p')).toBe(1n);
    const error = await reader.appendToStream('s', [{ id: 'b', type: 'T', data: 1 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadOnlyStoreError);
    expect(error).toMatchObject({ code: 'READ_ONLY_STORE' });
    await expect(reader.checkpoints.store('p', 2n)).rejects.toMatchObject({ code: 'READ_ONLY_STORE' });
    await reader.close();
    expect(readFileSync(join(directory, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
  });
});

describe('file store: documents', () => {
  const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value).toString('utf8'));

  it('keeps the previous version when a writer died before its rename, and removes its temporary file on open', async () => {
    const directory = tmp();
    const store = await open({ directory });
    const { version } = await store.documents.write('snap', Buffer.from('previous'), { expectedVersion: 'absent' });
    const [file] = readdirSync(join(directory, 'documents'));
    // What a crash mid-write leaves: a half-written temporary file beside the document.
    writeFileSync(join(directory, 'documents', `${file}.tmp-99999-1`), Buffer.from('OTDOC001 torn'));
    await closeAll();
    const reopened = await open({ directory });
    expect(readdirSync(join(directory, 'documents'))).toEqual([file]);
    const read = await reopened.documents.read('snap');
    expect(text(read?.value)).toBe('previous');
    expect(read?.version).toBe(version);
  });

  it('refuses to hand back a damaged document (CORRUPT_DOCUMENT) and lets a writer replace it', async () => {
    const directory = tmp();
    const store = await open({ directory });
    await store.documents.write('snap', Buffer.from('a value that will be damaged'), { expectedVersion: 'absent' });
    const path = join(directory, 'documents', readdirSync(join(directory, 'documents'))[0]!);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    writeFileSync(path, bytes);
    await expect(store.documents.read('snap')).rejects.toMatchObject({ code: 'CORRUPT_DOCUMENT', key: 'snap', reason: 'checksum mismatch' });
    const replaced = await store.documents.write('snap', Buffer.from('fresh'), { expectedVersion: 'any' });
    expect(replaced.version).toBe(2n);
    expect(text((await store.documents.read('snap'))?.value)).toBe('fresh');
  });

  it('checksums a large document in steps, and decides a write over it from its header alone', async () => {
    const directory = tmp();
    const store = await open({ directory });
    // 13 MB: a checksum over several steps of 4 MB (with turns of the event loop between them).
    const big = Buffer.alloc(13 << 20);
    for (let i = 0; i < big.length; i += 4099) big[i] = i % 251;
    await store.documents.write('snap', big, { expectedVersion: 'absent' });
    expect(Buffer.from((await store.documents.read('snap'))!.value).equals(big)).toBe(true);
    const path = join(directory, 'documents', readdirSync(join(directory, 'documents'))[0]!);
    // A byte damaged in the last step is caught.
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
    writeFileSync(path, bytes);
    await expect(store.documents.read('snap')).rejects.toMatchObject({ code: 'CORRUPT_DOCUMENT', reason: 'checksum mismatch' });
    // Its header still says its version: a writer that read version 1 replaces it, one that expects none does not.
    await expect(store.documents.write('snap', Buffer.from('x'), { expectedVersion: 'absent' })).rejects.toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT' });
    expect((await store.documents.write('snap', Buffer.from('fresh'), { expectedVersion: 1n })).version).toBe(2n);
    // A damaged tombstone still counts as a document there (as a damaged document does).
    expect(await store.documents.delete('snap', { expectedVersion: 2n })).toBe(true);
    const tombstone = readFileSync(path);
    tombstone[tombstone.length - 1] = tombstone[tombstone.length - 1]! ^ 0x01;
    writeFileSync(path, tombstone);
    await expect(store.documents.write('snap', Buffer.from('y'), { expectedVersion: 'absent' })).rejects.toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT' });
    expect((await store.documents.write('snap', Buffer.from('z'), { expectedVersion: 3n })).version).toBe(4n);
  });

  it('reads documents read-only, and refuses to write them', async () => {
    const directory = tmp();
    const writer = await open({ directory });
    await writer.documents.write('snap', Buffer.from('shared'), { expectedVersion: 'absent' });
    const reader = await open({ directory, readOnly: true });
    expect(text((await reader.documents.read('snap'))?.value)).toBe('shared');
    await expect(reader.documents.write('snap', Buffer.from('x'), { expectedVersion: 'any' })).rejects.toMatchObject({ code: 'READ_ONLY_STORE' });
  });
});
