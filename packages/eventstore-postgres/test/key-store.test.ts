import { createPostgresKeyStore } from '@omnitrail/eventstore-postgres';
import { keyStoreContract } from '@omnitrail/testing/vitest';
import { expect, it } from 'vitest';
import { describeWithPostgres } from './server.js';

describeWithPostgres('PostgreSQL key store against a real server', (server) => {
  // Each test gets a schema of its own, so it sees an empty key store; reopen opens the same schema again.
  let schemas = 0;
  keyStoreContract(
    'PostgreSQL',
    () => {
      const schema = `keys_${++schemas}`;
      const open = () => createPostgresKeyStore({ connectionString: server().connectionString, schema });
      return { store: open(), reopen: open };
    },
    { propertyRuns: 10 },
  );

  it('gives two stores racing for the same customer the same key', async () => {
    const schema = `keys_race_${++schemas}`;
    const a = createPostgresKeyStore({ connectionString: server().connectionString, schema });
    const b = createPostgresKeyStore({ connectionString: server().connectionString, schema });
    await a.tenantSecret('t1');
    const [ka, kb] = await Promise.all([a.customerKey('t1', 'c1', { create: true }), b.customerKey('t1', 'c1', { create: true })]);
    expect(Buffer.from(ka!).equals(Buffer.from(kb!))).toBe(true);
    await a.close();
    await b.close();
  });
});
