import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { eventStoreContract } from '@omnitrail/testing/vitest';
import { createEventStoreDbEventStore, startFakeEventStoreDb } from '@omnitrail/eventstore-esdb';

// Wire-level: the real client against the in-process fake server (one fresh server, so one empty store, per test).
eventStoreContract('EventStoreDB (in-process gRPC server)', async () => {
  const server = await startFakeEventStoreDb();
  const open = async () => createEventStoreDbEventStore({ connectionString: server.connectionString });
  return { store: await open(), reopen: open, cleanup: () => server.close() };
}, { capabilities: { idUniqueness: 'stream' } });

// Against a real EventStoreDB when one is named. Each test gets its own stream prefix, so it sees an empty store.
// OMNITRAIL_ESDB_CONNECTION_STRING (the name docs/../spec uses) is accepted too.
const url = process.env['OMNITRAIL_ESDB_URL'] ?? process.env['OMNITRAIL_ESDB_CONNECTION_STRING'];
describe.skipIf(url === undefined)('real EventStoreDB server (SKIPPED unless OMNITRAIL_ESDB_URL names one)', () => {
  eventStoreContract(`EventStoreDB server at OMNITRAIL_ESDB_URL`, async () => {
    const streamPrefix = `t${randomUUID().slice(0, 8)}-`;
    const open = async () => createEventStoreDbEventStore({ connectionString: url!, streamPrefix });
    return { store: await open(), reopen: open };
  }, { capabilities: { idUniqueness: 'stream' } });
});
