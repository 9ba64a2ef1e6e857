// The server goes away under live work: a restart under a live subscription, and a SIGKILL of every server
// process in mid-append followed by crash recovery.
import pg from 'pg';
import { expect, it } from 'vitest';
import type { EventStore, RecordedEvent, SubscriptionItem } from '@omnitrail/eventstore';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { checkCrashLog, type AckedBatch } from './log-check.js';
import { startFixture } from './processes.js';
import { describeWithPostgres } from './server.js';

async function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of store.readAll()) out.push(e);
  return out;
}

/** Follows a store from the start, keeping what it delivers. */
function follow(store: EventStore) {
  const delivered: RecordedEvent[] = [];
  let failure: unknown;
  const subscription = store.subscribeToAll();
  const pump = (async () => {
    try {
      for await (const item of subscription as AsyncIterable<SubscriptionItem>) if (item.kind === 'event') delivered.push(item.event);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    delivered,
    /** Resolves once `count` events were delivered (or the subscription failed). */
    async until(count: number) {
      while (delivered.length < count && failure === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      if (failure !== undefined) throw failure;
    },
    async stop() {
      await subscription.unsubscribe();
      await pump;
    },
  };
}

/**
 * Appends batches of `size` events to a few streams until stopped. An append that fails because the server
 * is away is retried with the same batch (a retry that finds its events already committed answers the
 * original result, so nothing is stored twice). `acked()` counts acknowledged batches.
 */
function keepWriting(writer: EventStore, idPrefix: string, size: number) {
  let acked = 0;
  let stopped = false;
  let failure: unknown;
  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      const events = Array.from({ length: size }, (_, i) => ({ id: `${idPrefix}-${n}-${i}`, type: 'Written', data: { n, i } }));
      for (;;) {
        try {
          await writer.appendToStream(`s-${n % 4}`, events);
          acked++;
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'POSTGRES_UNAVAILABLE') throw error;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }
  })().catch((error: unknown) => {
    failure = error;
    throw error;
  });
  done.catch(() => undefined);
  return {
    acked: () => acked,
    /** Resolves once `count` batches are acknowledged. */
    async until(count: number) {
      while (acked < count && failure === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      if (failure !== undefined) throw failure;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

describeWithPostgres('PostgreSQL adapter: the server goes away', (server) => {
  it('keeps a live subscription across a server restart: every event once, in order, nothing lost', async () => {
    const { connectionString } = server();
    const schema = 'restarted';
    const options = { connectionString, schema, reconnectDelayMs: 50, pollIntervalMs: 50 };
    const writer = await createPostgresEventStore(options);
    const reader = await createPostgresEventStore(options);
    const follower = follow(reader);
    const writing = keepWriting(writer, 'restart', 2);
    try {
      await writing.until(50);
      await follower.until(20);
      await server().restart();
      await writing.until(writing.acked() + 50);
      await writing.stop();
      const all = await readEverything(reader);
      expect(all).toHaveLength(writing.acked() * 2);
      await follower.until(all.length);
      expect(follower.delivered.map((e) => e.id)).toEqual(all.map((e) => e.id));
    } finally {
      await writing.stop().catch(() => undefined);
      await follower.stop();
      await writer.close();
      await reader.close();
    }
  });

  it('keeps a live subscription across dropped connections (every session terminated, three times): every event once, in order', async () => {
    const { connectionString } = server();
    const schema = 'dropped';
    const options = { connectionString, schema, reconnectDelayMs: 20, pollIntervalMs: 50 };
    const writer = await createPostgresEventStore(options);
    const reader = await createPostgresEventStore(options);
    const follower = follow(reader);
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    const writing = keepWriting(writer, 'dropped', 1);
    try {
      for (let round = 1; round <= 3; round++) {
        await writing.until(round * 40);
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        expect(rows[0]!.n).toBeGreaterThan(0);
      }
      await writing.until(160);
      await writing.stop();
      const all = await readEverything(reader);
      expect(all).toHaveLength(writing.acked());
      await follower.until(all.length);
      expect(follower.delivered.map((e) => e.id)).toEqual(all.map((e) => e.id));
    } finally {
      await writing.stop().catch(() => undefined);
      await follower.stop();
      await admin.end();
      await writer.close();
      await reader.close();
    }
  });

  it('keeps every acknowledged event after a SIGKILL of every server process in mid-append, and the subscription resumes without loss or duplicate', async () => {
    const { connectionString } = server();
    const schema = 'server_killed';
    const reader = await createPostgresEventStore({ connectionString, schema, reconnectDelayMs: 50, pollIntervalMs: 50 });
    const follower = follow(reader);
    const writer = startFixture('writer', [connectionString, schema, '4']);
    const acked: AckedBatch[] = [];
    writer.onLine((line) => {
      if (line.startsWith('{')) acked.push(JSON.parse(line) as AckedBatch);
    });
    try {
      while (acked.length < 100) await new Promise((resolve) => setTimeout(resolve, 10));
      await server().kill();
      const beforeCrash = [...acked];
      await server().start();
      // The writer retries what failed and goes on.
      const restarted = acked.length;
      while (acked.length < restarted + 100) await new Promise((resolve) => setTimeout(resolve, 10));
      writer.child.kill('SIGKILL');
      await writer.exited;
      const all = await readEverything(reader);
      checkCrashLog(all, acked);
      const stored = new Set(all.map((e) => (e.data as { batch: string }).batch));
      for (const a of beforeCrash) expect(stored.has(a.batch), `batch ${a.batch} acknowledged before the crash`).toBe(true);
      await follower.until(all.length);
      expect(follower.delivered.map((e) => e.id)).toEqual(all.map((e) => e.id));
    } finally {
      writer.child.kill('SIGKILL');
      await follower.stop();
      await reader.close();
    }
  });
});
