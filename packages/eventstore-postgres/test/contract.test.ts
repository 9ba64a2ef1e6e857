import { eventStoreContract } from '@omnitrail/testing/vitest';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { describeWithPostgres } from './server.js';

describeWithPostgres('PostgreSQL adapter against a real server', (server) => {
  // Each test gets a schema of its own, so it sees an empty store; reopen opens the same schema again.
  let schemas = 0;
  eventStoreContract('PostgreSQL', async () => {
    const schema = `contract_${++schemas}`;
    const open = () => createPostgresEventStore({ connectionString: server().connectionString, schema });
    return { store: await open(), reopen: open };
  }, { capabilities: { idUniqueness: 'store' } });
});
