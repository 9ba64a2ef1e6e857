// Writer processes killed with SIGKILL in mid-append: every acknowledged event is there, in order, and
// nothing of an unacknowledged batch is half there. CI kills 30 writers; the campaign (issue 22,
// docs/reliability.md) is `OMNITRAIL_CRASH_KILLS=1000 pnpm exec vitest run packages/eventstore-postgres/test/crash-writer.test.ts`,
// in a new schema every 60 kills so each check after a round of kills stays short.
import { expect, it } from 'vitest';
import type { RecordedEvent } from '@omnitrail/eventstore';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { checkCrashLog, type AckedBatch } from './log-check.js';
import { startFixture } from './processes.js';
import { describeWithPostgres } from './server.js';

const campaign = process.env.OMNITRAIL_CRASH_KILLS === undefined ? undefined : Number(process.env.OMNITRAIL_CRASH_KILLS);
const KILLS = campaign ?? 30;
const AT_ONCE = 3;
const KILLS_PER_SCHEMA = 60;

describeWithPostgres('PostgreSQL adapter: writers killed with SIGKILL in mid-append', (server) => {
  it(`keeps every acknowledged batch, whole and in order, across ${KILLS} kills of writer processes (4 concurrent appends each)`, { timeout: Math.max(120_000, KILLS * 10_000) }, async () => {
    const { connectionString } = server();
    const started = Date.now();
    let kills = 0;
    let ackedTotal = 0;
    let storedUnacked = 0;
    let schemas = 0;
    for (let first = 0; first < KILLS; first += KILLS_PER_SCHEMA) {
      const schema = `killed_writers_${schemas++}`;
      await (await createPostgresEventStore({ connectionString, schema })).close();
      const acked: AckedBatch[] = [];
      // Three writer processes at a time (their startup dominates), each killed at a random moment after its first acknowledgement.
      const runAndKill = async () => {
        const writer = startFixture('writer', [connectionString, schema, '4']);
        writer.onLine((line) => {
          if (line.startsWith('{')) acked.push(JSON.parse(line) as AckedBatch);
        });
        await writer.waitFor((line) => line.startsWith('{'));
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 80)));
        writer.child.kill('SIGKILL');
        const exit = await writer.exited;
        expect(exit.signal, exit.stderr).toBe('SIGKILL');
        kills++;
      };
      for (let round = first; round < Math.min(KILLS, first + KILLS_PER_SCHEMA); round += AT_ONCE) {
        await Promise.all(Array.from({ length: Math.min(AT_ONCE, KILLS - round) }, runAndKill));
        // After every round of kills: the store opens, and what was acknowledged so far is there, whole.
        const store = await createPostgresEventStore({ connectionString, schema });
        const all: RecordedEvent[] = [];
        for await (const e of store.readAll()) all.push(e);
        await store.close();
        storedUnacked = checkCrashLog(all, acked).unacknowledgedButStored;
      }
      expect(acked.length).toBeGreaterThanOrEqual(Math.min(KILLS_PER_SCHEMA, KILLS - first));
      ackedTotal += acked.length;
    }
    expect(kills).toBe(KILLS);
    console.log(`crash campaign, PostgreSQL: ${kills} kills over ${schemas} schemas, ${ackedTotal} acknowledged batches, 0 lost (last schema: ${storedUnacked} stored batches whose acknowledgement the kill cut off), ${Math.round((Date.now() - started) / 1000)} s`);
  });
});
