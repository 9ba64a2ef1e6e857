import { writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStoreDbEventStore, startFakeEventStoreDb, type FakeEventStoreDb } from '@omnitrail/eventstore-esdb';
import { generateWorkload } from '@omnitrail/testing';
import { StoreAccessError } from '../src/index.js';
import { appendStoreEvents, readStoreValues } from '../src/internal.js';
import { run, tempDir } from './helpers.js';

/** A TCP server that accepts connections and never answers: a host that is up but is not EventStoreDB. */
async function startSilentServer(): Promise<{ uri: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    uri: `esdb://127.0.0.1:${port}?tls=false`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Drains `readStoreValues` into an array. */
async function readAllValues(uri: string, options: { connectTimeoutMs?: number } = {}): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const value of readStoreValues(uri, 'replay', options)) values.push(value);
  return values;
}

describe('--store esdb:// against the fake EventStoreDB server', () => {
  let server: FakeEventStoreDb;
  beforeAll(async () => {
    server = await startFakeEventStoreDb();
  });
  afterAll(async () => {
    await server.close();
  });

  it('omnitrail import --store esdb:// then replay --store esdb:// --json gives the report of the same NDJSON', async () => {
    const dir = tempDir();
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'ts,who\n2024-03-01T10:00:00Z,c1\n2024-03-01T11:00:00Z,c2\n2024-03-02T09:30:00Z,c1\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'ts' }, customerId: { column: 'who' }, tenantId: 'shop' }));
    const uri = server.connectionString;

    const toStore = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--store', uri]);
    expect(toStore.code, toStore.stderr).toBe(0);
    expect(toStore.stderr).toContain(`appended 3 events to ${uri}`);
    // Two customers of one tenant: two streams, written through the real client into the fake server's log.
    expect(server.log.stream('customer-shop.c1')).toHaveLength(2);
    expect(server.log.stream('customer-shop.c2')).toHaveLength(1);

    const toFile = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--out', join(dir, 'e.ndjson')]);
    expect(toFile.code, toFile.stderr).toBe(0);

    const fromStore = await run(['replay', '--store', uri, '--json', join(dir, 'store-report.json')]);
    const fromFile = await run(['replay', join(dir, 'e.ndjson'), '--json', join(dir, 'file-report.json')]);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const storeReport = readFileSync(join(dir, 'store-report.json'), 'utf8');
    const fileReport = readFileSync(join(dir, 'file-report.json'), 'utf8');
    expect(JSON.parse(storeReport)).toEqual(JSON.parse(fileReport));
    expect(storeReport).toBe(fileReport);
    expect((JSON.parse(storeReport) as { input: { accepted: number } }).input.accepted).toBe(3);

    // journey reads the same store.
    const journeyFromStore = await run(['journey', 'c1', '--store', uri]);
    const journeyFromFile = await run(['journey', 'c1', join(dir, 'e.ndjson')]);
    expect(journeyFromStore.code, journeyFromStore.stderr).toBe(0);
    expect(journeyFromStore.stdout).toBe(journeyFromFile.stdout);
  });

  it('appends a generated workload, one stream per customer over several batches, and replays it like the NDJSON file', async () => {
    // A fresh server, so the report covers exactly these events.
    const own = await startFakeEventStoreDb();
    try {
      const events = [...generateWorkload({ seed: 11, customers: 3, events: 1600, tenants: 2 })];
      const appended = (await appendStoreEvents(own.connectionString, events as Parameters<typeof appendStoreEvents>[1])).count;
      expect(appended).toBe(1600);
      expect(own.log.events).toHaveLength(1600);

      // Some streams need several appends (more than one batch of 500); every event lands in its customer's stream.
      const byStream = new Map<string, number>();
      for (const e of events) {
        const stream = `customer-${e.tenantId}.${e.customerId ?? 'none'}`;
        byStream.set(stream, (byStream.get(stream) ?? 0) + 1);
      }
      expect([...byStream.values()].some((n) => n > 500)).toBe(true);
      for (const [stream, n] of byStream) expect(own.log.stream(stream), stream).toHaveLength(n);

      // readStoreValues gives back the envelopes unchanged, in $all order.
      const values = await readAllValues(own.connectionString);
      const byId = new Map(events.map((e) => [e.id, e]));
      expect(values).toHaveLength(1600);
      for (const value of values) expect(value).toEqual(byId.get((value as { id: string }).id));

      const dir = tempDir();
      writeFileSync(join(dir, 'w.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const fromStore = await run(['replay', '--store', own.connectionString, '--json', '-']);
      const fromFile = await run(['replay', join(dir, 'w.ndjson'), '--json', '-']);
      expect(fromStore.code, fromStore.stderr).toBe(0);
      expect(JSON.parse(fromStore.stdout)).toEqual(JSON.parse(fromFile.stdout));
      expect(fromStore.stdout).toBe(fromFile.stdout);
    } finally {
      await own.close();
    }
  });

  it('reads envelopes stored as JSON text as well as JSON objects, like the file store', async () => {
    const own = await startFakeEventStoreDb();
    const store = createEventStoreDbEventStore({ connectionString: own.connectionString });
    try {
      const envelope = { id: 'e-text', type: 'MessageReceived', tenantId: 't1', customerId: 'c1' };
      await store.appendToStream('s-1', [{ id: 'e-text', type: 'MessageReceived', data: JSON.stringify(envelope) }], { expectedRevision: 'no_stream' });
      await store.appendToStream('s-1', [{ id: 'e-obj', type: 'MessageReceived', data: { ...envelope, id: 'e-obj' } }], { expectedRevision: 'any' });
      await store.appendToStream('s-1', [{ id: 'e-raw', type: 'MessageReceived', data: 'not json' }], { expectedRevision: 'any' });
      expect(await readAllValues(own.connectionString)).toEqual([envelope, { ...envelope, id: 'e-obj' }, 'not json']);
    } finally {
      await store.close();
      await own.close();
    }
  });
});

describe('--store esdb:// when the server cannot be used', () => {
  const unreachable = 'esdb://127.0.0.1:1?tls=false';

  it.each([
    ['replay', ['replay', '--store', unreachable]],
    ['journey', ['journey', 'c1', '--store', unreachable]],
  ])('%s exits 1 with an error naming the URI and the reason, without a stack trace (a retrying client would outlast the test timeout)', async (_, argv) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^omnitrail: --store "esdb:\/\/127\.0\.0\.1:1\?tls=false": cannot reach EventStoreDB \(unavailable\): .*ECONNREFUSED 127\.0\.0\.1:1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('Usage:');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('import exits 1 with the same error and writes nothing', async () => {
    const dir = tempDir();
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'ts,who\n2024-03-01T10:00:00Z,c1\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'ts' }, customerId: { column: 'who' }, tenantId: 'shop' }));
    const r = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--store', unreachable]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--store "${unreachable}": cannot reach EventStoreDB (unavailable)`);
    expect(r.stderr).not.toContain('appended');
  });

  it('gives up on a server that accepts the connection but never answers, within the connect timeout', async () => {
    const silent = await startSilentServer();
    try {
      const read = readAllValues(silent.uri, { connectTimeoutMs: 300 });
      await expect(read).rejects.toThrow(StoreAccessError);
      await expect(read).rejects.toThrow(`--store "${silent.uri}": cannot reach EventStoreDB: no answer within 300 ms`);
      const write = appendStoreEvents(silent.uri, [{ id: 'e1', type: 'MessageReceived', tenantId: 't1', customerId: 'c1' }], 'import', { connectTimeoutMs: 300 });
      await expect(write).rejects.toThrow('no answer within 300 ms');
    } finally {
      await silent.close();
    }
  });

  it('exits 2 with the usage on a malformed EventStoreDB connection string', async () => {
    const r = await run(['replay', '--store', 'esdb://localhost:notaport']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--store "esdb://localhost:notaport": not a valid EventStoreDB connection string');
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });
});
