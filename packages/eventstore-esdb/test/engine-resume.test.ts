// The journey engine resumes over EventStoreDB (the in-process fake server): its snapshot is a document
// (a head stream and, past 64 KiB, chunk streams), the restart equivalence property as over the file store
// and PostgreSQL (packages/journey/test/helpers/resume-fixture.ts).
import { afterEach, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import { createEventStoreDbEventStore, startFakeEventStoreDb, type FakeEventStoreDb } from '@omnitrail/eventstore-esdb';
import { resumeScenarioArbitrary, runResumeScenario } from '../../journey/test/helpers/resume-fixture.js';

const servers: FakeEventStoreDb[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

it('gives the state and reports of an engine that never stopped, whatever the stops (property)', async () => {
  const kinds = new Map<string, number>();
  let chunkEvents = 0;
  await assertProperty(
    fc.asyncProperty(resumeScenarioArbitrary(), async (scenario) => {
      const server = await startFakeEventStoreDb();
      servers.push(server);
      // Small chunks (16 KiB), so that the larger snapshots of these runs go through chunk streams.
      const seen = await runResumeScenario(scenario, {
        open: async () => createEventStoreDbEventStore({ connectionString: server.connectionString, documentChunkSize: 16384 }),
        crash: (store) => store.close(),
      });
      for (const e of seen) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
      chunkEvents += server.log.events.filter((e) => e.streamName.startsWith('omnitrail-document~')).length;
      await server.close();
    }),
    fcParameters({ numRuns: 15 }),
  );
  expect(kinds.get('loaded')).toBeGreaterThan(0);
  expect(kinds.get('written')).toBeGreaterThan(0);
  // Some snapshots were past the inline limit and went through chunk streams.
  expect(chunkEvents).toBeGreaterThan(0);
}, 120_000);
