// Erasure over PostgreSQL (issue 22): an engine writing to the PostgreSQL store with the PostgreSQL key store
// leaves no personal value in clear in the database's tables, and none of an erased customer's afterwards;
// its snapshots are sealed, resealed under a new key by an erasure, and an old one cannot be loaded again.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresEventStore, createPostgresKeyStore } from '@omnitrail/eventstore-postgres';
import { ERASED_VALUE } from '@omnitrail/events';
import { createJourneyEngine, type EngineSnapshotEvent } from '@omnitrail/journey';
import { expect, it } from 'vitest';
import { describeWithPostgres } from './server.js';

const clock = () => Date.parse('2026-06-01T00:00:00Z');
const DANA = { email: 'dana.k@example.com', text: 'Dana: my card ends in 4471', comment: 'Dana found it slow' };
const ELI = { email: 'eli.r@example.com', text: 'Eli: where is my parcel' };

/** Every row of every table of the schema, as text: what a copy of the database would show. */
async function tableText(connectionString: string, schema: string): Promise<string> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    let text = '';
    for (const { table_name } of rows) {
      const result = await client.query(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
      text += result.rows.map((r: { row: string }) => r.row).join('\n');
    }
    return text;
  } finally {
    await client.end();
  }
}

/**
 * Every value of every row of the schema's tables, bytea columns as their raw bytes (latin1): the documents
 * table's snapshots included, decompressed by the server (a large value is stored compressed on disk).
 */
async function tableValues(connectionString: string, schema: string): Promise<string> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    const parts: string[] = [];
    for (const { table_name } of rows) {
      const result = await client.query<Record<string, unknown>>(`SELECT * FROM "${schema}"."${table_name}"`);
      for (const row of result.rows) for (const value of Object.values(row)) parts.push(Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/** Every file of the cluster's data directory (tables, write-ahead log), after a checkpoint: dead rows included. */
async function clusterBytes(connectionString: string, dataDirectory: string): Promise<string> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query('CHECKPOINT');
  await client.end();
  return readdirSync(dataDirectory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      try {
        return readFileSync(join(entry.parentPath, entry.name)).toString('latin1');
      } catch {
        return ''; // a file the server removed meanwhile (a recycled WAL segment)
      }
    })
    .join('\n');
}

describeWithPostgres('erasure over PostgreSQL', (server) => {
  it('keeps personal fields out of the tables in clear, and erases one customer for good', async () => {
    const schema = 'erasure_1';
    const connectionString = server().connectionString;
    const store = await createPostgresEventStore({ connectionString, schema });
    const keys = createPostgresKeyStore({ connectionString, schema });
    const engine = createJourneyEngine({ store, keys, clock });
    const base = { tenantId: 't1', occurredAt: '2026-05-01T10:00:00Z', channel: 'email' };
    await engine.record([
      { ...base, type: 'CustomerIdentified', customerId: 'dana', identities: [{ type: 'email', value: DANA.email }], data: { identities: [] } },
      { ...base, type: 'MessageReceived', customerId: 'dana', caseId: 'k1', occurredAt: '2026-05-01T10:01:00Z', data: { text: DANA.text } },
      { ...base, type: 'SurveyAnswered', customerId: 'dana', occurredAt: '2026-05-01T11:00:00Z', data: { kind: 'csat', score: 3, comment: DANA.comment } },
      { ...base, type: 'MessageReceived', identities: [{ type: 'email', value: ELI.email }], occurredAt: '2026-05-01T12:00:00Z', data: { text: ELI.text } },
    ] as never);
    const before = engine.report('t1');
    let text = await tableText(connectionString, schema);
    for (const value of [...Object.values(DANA), ...Object.values(ELI)]) expect(text).not.toContain(value);
    await engine.erase('t1', 'dana');
    expect(engine.report('t1').metrics).toEqual(before.metrics);
    text = await tableText(connectionString, schema);
    for (const value of Object.values(DANA)) expect(text).not.toContain(value);
    // A new engine over the same database: Eli's text opened, Dana's erased.
    const reader = createJourneyEngine({ store, keys, clock });
    await reader.ready();
    const texts = reader.fold('t1')!.events.map((e) => (e.event.data as { text?: string }).text).filter((t) => t !== undefined);
    expect(texts).toEqual(expect.arrayContaining([ELI.text, ERASED_VALUE]));
    expect(texts).not.toContain(DANA.text);
    expect(reader.report('t1')).toEqual(engine.report('t1'));
    await reader.close();
    await engine.close();
    await keys.close();
    await store.close();
  });

  it('seals snapshots in the documents table, resumes from them, and reseals on erase so an old one is rejected', async () => {
    const schema = 'erasure_snapshots';
    const connectionString = server().connectionString;
    const quiet = { info: () => undefined, warn: () => undefined };
    const open = async (options: { onClose: boolean } = { onClose: false }) => {
      const store = await createPostgresEventStore({ connectionString, schema, pollIntervalMs: 20 });
      const keys = createPostgresKeyStore({ connectionString, schema });
      const engine = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: options });
      const seen: EngineSnapshotEvent[] = [];
      engine.snapshotEvents$.subscribe((e) => seen.push(e));
      await engine.ready();
      return { store, keys, engine, seen, done: async () => (await engine.close(), await keys.close(), await store.close()) };
    };
    const base = { tenantId: 't1', occurredAt: '2026-05-01T10:00:00Z', channel: 'email' };
    const first = await open();
    await first.engine.record([
      { ...base, type: 'CustomerIdentified', customerId: 'dana', identities: [{ type: 'email', value: DANA.email }], data: { identities: [], traits: { pet: 'Biscuit the dog' } } },
      { ...base, type: 'MessageReceived', customerId: 'dana', caseId: 'k1', occurredAt: '2026-05-01T10:01:00Z', data: { text: DANA.text } },
      { ...base, type: 'SurveyAnswered', customerId: 'dana', occurredAt: '2026-05-01T11:00:00Z', data: { kind: 'csat', score: 3, comment: DANA.comment } },
      { ...base, type: 'MessageReceived', customerId: 'eli', identities: [{ type: 'email', value: ELI.email }], occurredAt: '2026-05-01T12:00:00Z', data: { text: ELI.text } },
    ] as never);
    const firstSnapshot = (await first.engine.snapshot())!;
    const old = (await first.store.documents.read('journey-engine.snapshot'))!;
    const dana = [...Object.values(DANA), 'Biscuit the dog'];
    let values = await tableValues(connectionString, schema);
    expect(values).toContain('OTJSEAL1');
    for (const value of [...dana, ...Object.values(ELI)]) expect(values).not.toContain(value);
    await first.done();

    const resumed = await open();
    expect(resumed.seen[0]).toMatchObject({ kind: 'loaded', events: 4, position: firstSnapshot.position });
    expect(resumed.engine.customer('t1', 'dana')?.traits).toEqual({ pet: 'Biscuit the dog' });
    await resumed.engine.erase('t1', 'dana');
    const afterErase = resumed.engine.report('t1');
    expect(resumed.seen.at(-1)).toMatchObject({ kind: 'written', events: 5 });
    await resumed.done();
    values = await tableValues(connectionString, schema);
    for (const value of dana) expect(values).not.toContain(value);
    // Nowhere in the cluster's files either (the documents' dead row versions, the write-ahead log): the
    // values were only ever written sealed. The customer ids are in clear, and found (the grep works).
    const cluster = await clusterBytes(connectionString, server().dataDirectory);
    expect(cluster).toContain('journey-t1-dana');
    for (const value of dana) expect(cluster).not.toContain(value);

    // The resumed engine after the erasure loads the new snapshot and reads what a rebuild from the log reads.
    const again = await open();
    expect(again.seen[0]).toMatchObject({ kind: 'loaded', events: 5 });
    expect(again.engine.report('t1')).toEqual(afterErase);
    // The snapshot from before the erasure, written back (a restored backup): its key is gone.
    await again.store.documents.write('journey-engine.snapshot', old.value, { expectedVersion: 'any' });
    await again.done();
    const restored = await open();
    expect(restored.seen[0]).toMatchObject({ kind: 'rejected', reason: 'key' });
    expect(restored.engine.report('t1')).toEqual(afterErase);
    expect(restored.engine.customer('t1', 'dana')?.traits).toEqual({ pet: ERASED_VALUE });
    const rebuilt = createJourneyEngine({ store: restored.store, keys: restored.keys, clock, snapshots: false });
    await rebuilt.ready();
    expect(rebuilt.report('t1')).toEqual(afterErase);
    await rebuilt.close();
    await restored.done();
  }, 60_000);
});
