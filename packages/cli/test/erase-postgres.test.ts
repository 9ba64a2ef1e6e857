// omnitrail erase --store postgres:// and import --seal --store postgres:// against a throwaway PostgreSQL
// server (issue 22): the keys live in the schema's key tables; the tables' values hold no personal value in
// clear; replay --store opens them; erase deletes an imported customer's keys, and an engine-written
// customer's, with every engine snapshot key.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore, createPostgresKeyStore, findPostgresBinaries, POSTGRES_BINARIES_HINT, startThrowawayPostgres, type ThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { ERASED_VALUE } from '@omnitrail/events';
import { createJourneyEngine } from '@omnitrail/journey';
import { readStoreValues } from '../src/internal.js';
import { run, tempDir } from './helpers.js';
import { DANA, OTHERS, withoutPersonal, writeMessages } from './sealed-messages.js';

const missing = findPostgresBinaries() === undefined && process.env['CI'] !== 'true';
if (missing) console.warn(`erase --store postgres:// tests skipped: no PostgreSQL binaries; ${POSTGRES_BINARIES_HINT}.`);

/**
 * Every row of a schema's tables as `pg_dump` writes them, with each bytea value (written as hex) decoded to
 * its raw bytes: what a copy of the database holds. (The CLI does not depend on a PostgreSQL client; the
 * server's own tools are there wherever its tests run.)
 */
function tableValues(connectionString: string, schema: string): string {
  const dump = execFileSync(join(findPostgresBinaries()!, 'pg_dump'), ['--data-only', '--schema', schema, '--dbname', connectionString], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const bytea = [...dump.matchAll(/\\\\x([0-9a-f]+)/g)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1'));
  return `${dump}\n${bytea.join('\n')}`;
}

describe.skipIf(missing)(missing ? `erase --store postgres:// (SKIPPED: no PostgreSQL binaries; ${POSTGRES_BINARIES_HINT})` : 'erase and sealed import --store postgres://', () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('import --seal, replay like the NDJSON, erase an imported customer: the tables hold none of its values, every count stays', async () => {
    const dir = tempDir();
    const { csv, mapping } = writeMessages(dir);
    const uri = `${server.connectionString}?schema=cli_sealed`;
    const ndjson = join(dir, 'messages.ndjson');
    expect((await run(['import', 'csv', csv, '--mapping', mapping, '--out', ndjson])).code).toBe(0);
    const imported = await run(['import', 'csv', csv, '--mapping', mapping, '--store', uri, '--seal']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('(personal fields sealed with the key tables of schema cli_sealed)');
    let values = tableValues(server.connectionString, 'cli_sealed');
    for (const value of [...DANA, ...OTHERS]) expect(values).not.toContain(value);
    expect(values).toContain('customer-shop.dana');

    const fromNdjson = await run(['replay', ndjson, '--json', '-']);
    const before = await run(['replay', '--store', uri, '--json', '-']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toBe(fromNdjson.stdout);

    const erased = await run(['erase', '--store', uri, '--tenant', 'shop', 'dana']);
    expect(erased.code, erased.stderr).toBe(0);
    expect(JSON.parse(erased.stdout)).toMatchObject({ tenantId: 'shop', customerId: 'dana', customerIds: ['dana'], keysDeleted: 2 });
    const after = await run(['replay', '--store', uri, '--json', '-']);
    expect(after.code, after.stderr).toBe(0);
    expect(withoutPersonal(after.stdout)).toBe(withoutPersonal(before.stdout));
    const texts: unknown[] = [];
    for await (const value of readStoreValues(uri)) texts.push((value as { data: { text?: unknown } }).data.text);
    expect(texts.filter((t) => t === ERASED_VALUE)).toHaveLength(3);
    expect(texts).toEqual(expect.arrayContaining([OTHERS[0], OTHERS[2]]));
    values = tableValues(server.connectionString, 'cli_sealed');
    for (const value of DANA) expect(values).not.toContain(value);
  });

  it('erases a customer of a store an engine with keys wrote, snapshot keys included', async () => {
    const schema = 'cli_engine';
    const uri = `${server.connectionString}?schema=${schema}`;
    const store = await createPostgresEventStore({ connectionString: server.connectionString, schema });
    const keys = createPostgresKeyStore({ connectionString: server.connectionString, schema });
    const engine = createJourneyEngine({ store, keys, clock: () => Date.parse('2024-04-01T00:00:00Z'), logger: { info: () => undefined, warn: () => undefined } });
    const base = { tenantId: 't1', channel: 'email', caseId: 'k1' };
    await engine.record([
      { ...base, type: 'MessageReceived', customerId: 'ann', occurredAt: '2024-03-01T10:00:00Z', data: { text: 'Ann: my IBAN is FR76 3000 6000' } },
      { ...base, type: 'MessageReceived', customerId: 'bo', caseId: 'k2', occurredAt: '2024-03-01T10:05:00Z', data: { text: 'Bo: hello' } },
    ] as never);
    await engine.close();
    expect(await keys.customerIds('$snapshots')).toHaveLength(1);
    // Its snapshot is in the documents table, sealed (the bytea decoded: the grep reads it).
    const values = tableValues(server.connectionString, schema);
    expect(values).toContain('OTJSEAL1');
    expect(values).not.toContain('Ann: my IBAN');
    const erased = await run(['erase', '--store', uri, '--tenant', 't1', 'ann']);
    expect(erased.code, erased.stderr).toBe(0);
    expect(JSON.parse(erased.stdout)).toMatchObject({ customerId: 'ann', keysDeleted: 1 });
    expect(await keys.customerIds('t1')).toEqual(['bo']);
    // The engine's snapshot, sealed before the erasure, can never be opened again.
    expect(await keys.customerIds('$snapshots')).toEqual([]);
    const texts: unknown[] = [];
    for await (const value of readStoreValues(uri)) texts.push((value as { type: string; data: { text?: unknown } }).type === 'MessageReceived' ? (value as { data: { text?: unknown } }).data.text : undefined);
    expect(texts).toEqual([ERASED_VALUE, 'Bo: hello', undefined]); // the last: the CustomerErased event
    await keys.close();
    await store.close();
  });

  it('says why a PostgreSQL store without key tables has nothing to erase', async () => {
    const uri = `${server.connectionString}?schema=cli_clear`;
    const dir = tempDir();
    const { csv, mapping } = writeMessages(dir);
    expect((await run(['import', 'csv', csv, '--mapping', mapping, '--store', uri])).code).toBe(0);
    const erased = await run(['erase', '--store', uri, '--tenant', 'shop', 'dana']);
    expect(erased.code).toBe(1);
    expect(erased.stderr).toMatch(/no key tables in schema cli_clear: its events were not written with sealed personal fields/);
    // Reading it created no key tables (a later import still writes in clear unless asked).
    expect((await run(['replay', '--store', uri, '--json', '-'])).code).toBe(0);
    expect(tableValues(server.connectionString, 'cli_clear')).toContain(DANA[0]);
    const again = await run(['erase', '--store', uri, '--tenant', 'shop', 'dana']);
    expect(again.stderr).toMatch(/no key tables/);
  });
});
