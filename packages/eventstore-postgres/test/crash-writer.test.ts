// Writer processes killed with SIGKILL in mid-append: every acknowledged event is there, in order, and
// nothing of an unacknowledged batch is half there.
import { expect, it } from 'vitest';
import type { RecordedEvent } from '@omnitrail/eventstore';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { checkCrashLog, type AckedBatch } from './log-check.js';
import { startFixture } from './processes.js';
import { describeWithPostgres } from './server.js';

describeWithPostgres('PostgreSQL adapter: writers killed with SIGKILL in mid-append', (server) => {
  it('keeps every acknowledged batch, whole and in order, across 30 kills of writer processes (4 concurrent appends each)', async () => {
    const { connectionString } = server();
    const schema = 'killed_writers';
    await (await createPostgresEventStore({ connectionString, schema })).close();
    const acked: AckedBatch[] = [];
    let kills = 0;
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
    for (let round = 0; round < 10; round++) await Promise.all([runAndKill(), runAndKill(), runAndKill()]);
    expect(kills).toBe(30);

    const store = await createPostgresEventStore({ connectionString, schema });
    const all: RecordedEvent[] = [];
    for await (const e of store.readAll()) all.push(e);
    await store.close();
    expect(acked.length).toBeGreaterThanOrEqual(30);
    checkCrashLog(all, acked);
  });
});
