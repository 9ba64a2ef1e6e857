// Erasure over PostgreSQL (issue 22): an engine writing to the PostgreSQL store with the PostgreSQL key store
// leaves no personal value in clear in the database's tables, and none of an erased customer's afterwards.
import pg from 'pg';
import { createPostgresEventStore, createPostgresKeyStore } from '@omnitrail/eventstore-postgres';
import { ERASED_VALUE } from '@omnitrail/events';
import { createJourneyEngine } from '@omnitrail/journey';
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
});
