// The journey engine resumes over PostgreSQL: snapshots in the documents table, restart equivalence as a
// property (stops at random points, resumes, goes on) against an engine that never stopped. The scenario
// and its checks are shared with the file store's test (packages/journey/test/helpers/resume-fixture.ts).
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import { createPostgresEventStore, createPostgresKeyStore } from '@omnitrail/eventstore-postgres';
import { resumeScenarioArbitrary, runResumeScenario } from '../../journey/test/helpers/resume-fixture.js';
import { describeWithPostgres } from './server.js';

describeWithPostgres('journey engine over PostgreSQL: resume', (server) => {
  it('gives the state and reports of an engine that never stopped, whatever the stops (property)', async () => {
    let schemas = 0;
    const kinds = new Map<string, number>();
    await assertProperty(
      fc.asyncProperty(resumeScenarioArbitrary(), async (scenario) => {
        // A schema per run: an empty store each time; reopening opens the same schema.
        const schema = `resume_${++schemas}`;
        const seen = await runResumeScenario(scenario, {
          open: () => createPostgresEventStore({ connectionString: server().connectionString, schema, pollIntervalMs: 20 }),
          crash: (store) => store.close(),
          // Sealed scenarios: keys in the schema's key tables, snapshots sealed in its documents table.
          openKeys: () => createPostgresKeyStore({ connectionString: server().connectionString, schema }),
        });
        for (const e of seen) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
      }),
      fcParameters({ numRuns: 8 }),
    );
    // And one scenario that surely resumes from a snapshot (closed after its first batch), whatever the seed.
    const [sample] = fc.sample(resumeScenarioArbitrary(), { seed: 7, numRuns: 1 });
    const seen = await runResumeScenario({ ...sample!, stops: [{ after: 1, how: 'close' }], sealed: true }, {
      open: () => createPostgresEventStore({ connectionString: server().connectionString, schema: 'resume_fixed', pollIntervalMs: 20 }),
      crash: (store) => store.close(),
      openKeys: () => createPostgresKeyStore({ connectionString: server().connectionString, schema: 'resume_fixed' }),
    });
    for (const e of seen) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    // The runs resumed from snapshots in the documents table, and rebuilt after damaged ones.
    expect(kinds.get('loaded')).toBeGreaterThan(0);
    expect(kinds.get('written')).toBeGreaterThan(0);
  }, 180_000);
});
