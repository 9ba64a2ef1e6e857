import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore, findPostgresBinaries, POSTGRES_BINARIES_HINT, startThrowawayPostgres, type ThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { generateWorkload } from '@omnitrail/testing';
import { appendStoreEvents, readStoreValues } from '../src/internal.js';
import { run, tempDir } from './helpers.js';

// A throwaway PostgreSQL cluster of this file. Without binaries, outside CI, skipped (saying how to get them).
const missing = findPostgresBinaries() === undefined && process.env['CI'] !== 'true';
if (missing) console.warn(`--store postgres:// tests skipped: no PostgreSQL binaries; ${POSTGRES_BINARIES_HINT}.`);

describe.skipIf(missing)(missing ? `--store postgres:// (SKIPPED: no PostgreSQL binaries; ${POSTGRES_BINARIES_HINT})` : '--store postgres:// against a throwaway PostgreSQL server', () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('omnitrail import --store postgres:// then replay --store postgres:// --json gives the report of the same NDJSON', async () => {
    const dir = tempDir();
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'ts,who\n2024-03-01T10:00:00Z,c1\n2024-03-01T11:00:00Z,c2\n2024-03-02T09:30:00Z,c1\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'ts' }, customerId: { column: 'who' }, tenantId: 'shop' }));
    const uri = `${server.connectionString}?schema=cli_import`;

    const toStore = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--store', uri]);
    expect(toStore.code, toStore.stderr).toBe(0);
    expect(toStore.stderr).toContain(`appended 3 events to ${uri}`);
    // One stream per customer, in the schema named by the URI.
    const store = await createPostgresEventStore({ connectionString: server.connectionString, schema: 'cli_import' });
    const c1 = [];
    for await (const e of store.readStream('customer-shop.c1')) c1.push(e);
    await store.close();
    expect(c1).toHaveLength(2);

    const toFile = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--out', join(dir, 'e.ndjson')]);
    expect(toFile.code, toFile.stderr).toBe(0);
    const fromStore = await run(['replay', '--store', uri, '--json', join(dir, 'store-report.json')]);
    const fromFile = await run(['replay', join(dir, 'e.ndjson'), '--json', join(dir, 'file-report.json')]);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(readFileSync(join(dir, 'store-report.json'), 'utf8')).toBe(readFileSync(join(dir, 'file-report.json'), 'utf8'));

    const journeyFromStore = await run(['journey', 'c1', '--store', uri]);
    const journeyFromFile = await run(['journey', 'c1', join(dir, 'e.ndjson')]);
    expect(journeyFromStore.code, journeyFromStore.stderr).toBe(0);
    expect(journeyFromStore.stdout).toBe(journeyFromFile.stdout);
  });

  it('appends a generated workload over several batches per stream and replays it like the NDJSON file', async () => {
    const uri = `${server.connectionString}?schema=cli_workload`;
    const events = [...generateWorkload({ seed: 11, customers: 3, events: 1600, tenants: 2 })];
    expect((await appendStoreEvents(uri, events as Parameters<typeof appendStoreEvents>[1])).count).toBe(1600);
    const values: unknown[] = [];
    for await (const value of readStoreValues(uri)) values.push(value);
    const byId = new Map(events.map((e) => [e.id, e]));
    expect(values).toHaveLength(1600);
    for (const value of values) expect(value).toEqual(byId.get((value as { id: string }).id));

    const dir = tempDir();
    writeFileSync(join(dir, 'w.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const fromStore = await run(['replay', '--store', uri, '--json', '-']);
    const fromFile = await run(['replay', join(dir, 'w.ndjson'), '--json', '-']);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromStore.stdout).toBe(fromFile.stdout);
  });
});

describe('--store postgres:// when the server cannot be used', () => {
  const unreachable = 'postgres://postgres@127.0.0.1:1/postgres';

  it('replay exits 1 with one line naming the URI, the host and the reason', async () => {
    const r = await run(['replay', '--store', unreachable]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^omnitrail: --store "postgres:\/\/postgres@127\.0\.0\.1:1\/postgres": .*cannot reach PostgreSQL at 127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('import exits 1 with the same error and appends nothing', async () => {
    const dir = tempDir();
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'ts,who\n2024-03-01T10:00:00Z,c1\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'ts' }, customerId: { column: 'who' }, tenantId: 'shop' }));
    const r = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--store', unreachable]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach PostgreSQL at 127.0.0.1:1');
    expect(r.stderr).not.toContain('appended');
  });

  it('exits 2 with the usage for a schema that is not a plain identifier', async () => {
    const r = await run(['replay', '--store', `${unreachable}?schema=Bad-Name`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('schema: expected a lowercase PostgreSQL identifier');
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });
});
