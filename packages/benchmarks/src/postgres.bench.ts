/**
 * The PostgreSQL adapter (`pnpm bench -- postgres`), on a throwaway cluster this benchmark starts itself
 * (fsync on, as in production; OMNITRAIL_BENCH_PG_FSYNC=off to compare without it). Every sample runs in a
 * fresh database, so no side inherits another's tables or caches.
 * - appends of the storage workload (10,000 customer streams, ~230-byte events), batches of 1 and 100,
 *   1 and 16 concurrent writers (each stream written by one writer, with exact expected revisions), against
 *   raw `pg` INSERTs of the same rows into a table of the same shape and indexes (the database's own cost),
 *   and against Emmett's PostgreSQL event store (`@event-driven-io/emmett-postgresql`);
 * - `readAll` of a 1M-event log and a catch-up subscription over it, against a raw paged `SELECT` of the
 *   same rows (OMNITRAIL_BENCH_PG_READ_EVENTS sizes the log; loading 1M events takes a minute or two);
 * - the journey engine's `record()` with every standard projection over PostgreSQL, against the same engine
 *   on its in-memory store.
 * OMNITRAIL_BENCH_PG_SCALE multiplies the append workloads (default 1).
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type { EventStore, EventToAppend } from '@omnitrail/eventstore';
import { createPostgresEventStore, startThrowawayPostgres, type ThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine } from '@omnitrail/journey';
import pg from 'pg';
import { compareAlternating, perSecond, report, timeMs } from './harness/index.js';
import { recordWorkload } from './record-workload/index.js';
import { generateLines, parseOps, STREAMS, type Op } from './store-workload/index.js';

const BENCH = 'postgres';
const SCALE = Number(process.env.OMNITRAIL_BENCH_PG_SCALE ?? 1);
const READ_EVENTS = Number(process.env.OMNITRAIL_BENCH_PG_READ_EVENTS ?? 1_000_000);
const FSYNC = (process.env.OMNITRAIL_BENCH_PG_FSYNC ?? 'on') !== 'off';

/** One side of an append comparison: opens on a fresh database, appends a stream's batch, closes. */
interface Appender {
  append(stream: string, events: readonly EventToAppend[], length: number): Promise<void>;
  close(): Promise<void>;
}
type AppenderFactory = (connectionString: string, writers: number) => Promise<Appender>;

let databases = 0;
/** A fresh database for one sample, dropped afterwards (neither is timed). */
async function withDatabase<T>(server: ThrowawayPostgres, use: (connectionString: string) => Promise<T>): Promise<T> {
  const name = `bench_${++databases}`;
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    return await use(server.connectionString.replace(/\/postgres$/, `/${name}`));
  } finally {
    // pg's pool.end() resolves before its connections' sockets are closed: wait for them to leave.
    for (let i = 0; i < 200; i++) {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const omnitrail: AppenderFactory = async (connectionString, writers) => {
  const store = await createPostgresEventStore({ connectionString, maxConnections: writers });
  return {
    async append(stream, events, length) {
      await store.appendToStream(stream, events, { expectedRevision: length === 0 ? 'no_stream' : BigInt(length - 1) });
    },
    close: () => store.close(),
  };
};

/** The rows Omnitrail stores, inserted with plain parameterised INSERTs: no checks, no locks, one statement per batch. */
const rawInserts: AppenderFactory = async (connectionString, writers) => {
  const pool = new pg.Pool({ connectionString, max: writers });
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE raw_events (
    position bigserial PRIMARY KEY, stream_name text COLLATE "C" NOT NULL, revision bigint NOT NULL, id text COLLATE "C" NOT NULL,
    type text COLLATE "C" NOT NULL, data json NOT NULL, metadata json, recorded_at timestamptz NOT NULL DEFAULT now())`);
  await pool.query('CREATE UNIQUE INDEX raw_events_stream_revision ON raw_events (stream_name, revision)');
  await pool.query('CREATE UNIQUE INDEX raw_events_id ON raw_events (id)');
  const statements = new Map<number, string>();
  const insertOf = (n: number) => {
    let text = statements.get(n);
    if (text === undefined) {
      const rows = Array.from({ length: n }, (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5}::json)`);
      text = `INSERT INTO raw_events (stream_name, revision, id, type, data) VALUES ${rows.join(', ')}`;
      statements.set(n, text);
    }
    return text;
  };
  return {
    async append(stream, events, length) {
      const values: unknown[] = [];
      events.forEach((e, i) => values.push(stream, length + i, e.id, e.type, JSON.stringify(e.data)));
      await pool.query({ name: `raw_insert_${events.length}`, text: insertOf(events.length), values });
    },
    close: () => pool.end(),
  };
};

const emmett: AppenderFactory = async (connectionString, writers) => {
  // Emmett on a pool of the same size as the other sides'.
  const pool = new pg.Pool({ connectionString, max: writers });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pooled: true, pool } });
  await store.schema.migrate();
  return {
    async append(stream, events, length) {
      // Emmett's stream versions count events (0n: no stream yet).
      await store.appendToStream(stream, events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown> })), { expectedStreamVersion: BigInt(length) });
    },
    async close() {
      await store.close();
      await pool.end();
    },
  };
};

/** Appends the workload in batches, each stream written by one of `writers` concurrent writers. Returns events/s. */
async function appendWorkload(server: ThrowawayPostgres, factory: AppenderFactory, ops: readonly Op[], batch: number, writers: number): Promise<number> {
  return withDatabase(server, async (connectionString) => {
    const appender = await factory(connectionString, writers);
    // Batches as the other store benchmarks cut them: `batch` consecutive events, to the first one's stream.
    const lanes: { stream: string; events: EventToAppend[] }[][] = Array.from({ length: writers }, () => []);
    for (let i = 0; i < ops.length; i += batch) {
      const stream = ops[i]!.stream;
      const lane = Number(stream.slice(stream.lastIndexOf('-') + 1)) % writers;
      lanes[lane]!.push({ stream, events: ops.slice(i, i + batch).map((o) => o.event) });
    }
    const lengths = new Map<string, number>();
    const ms = await timeMs(() =>
      Promise.all(
        lanes.map(async (lane) => {
          for (const { stream, events } of lane) {
            const length = lengths.get(stream) ?? 0;
            await appender.append(stream, events, length);
            lengths.set(stream, length + events.length);
          }
        }),
      ),
    );
    await appender.close();
    return perSecond(ops.length, ms);
  });
}

async function appendComparisons(server: ThrowawayPostgres): Promise<void> {
  const configs = [
    { batch: 1, writers: 1, events: 3_000 },
    { batch: 1, writers: 16, events: 10_000 },
    { batch: 100, writers: 1, events: 30_000 },
    { batch: 100, writers: 16, events: 60_000 },
  ];
  let seed = 100;
  for (const { batch, writers, events } of configs) {
    const count = Math.round(events * SCALE);
    const references: [string, AppenderFactory, string][] = [
      ['raw pg INSERTs of the same rows', rawInserts, '≥ 0.8 ×'],
      ['Emmett 0.42 PostgreSQL event store', emmett, '≥ 3 ×'],
    ];
    for (const [name, reference, goal] of references) {
      // Fresh ids for every sample: each runs in a new database, but the workload is re-parsed anyway.
      const workload = generateLines(count, seed++, `W${seed}-`);
      const r = await compareAlternating(
        () => appendWorkload(server, omnitrail, parseOps(workload), batch, writers),
        () => appendWorkload(server, reference, parseOps(workload), batch, writers),
      );
      report({
        benchmark: BENCH,
        name: `appendToStream, batches of ${batch}, ${writers} concurrent writer${writers > 1 ? 's' : ''}, ${count.toLocaleString('en-US')} events over ${STREAMS.toLocaleString('en-US')} streams`,
        value: r.subject,
        unit: 'events/s',
        reference: { name, value: r.reference, ratio: r.ratio },
        goal,
        samples: r.subjectSamples,
      });
    }
  }
}

/** The same rows Omnitrail's readAll returns, read with plain keyset-paged SELECTs of the same page size. */
async function rawSelect(connectionString: string, pageSize: number): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  let count = 0;
  let cursor = '0';
  for (;;) {
    const { rows } = await client.query<{ position: string }>({
      name: 'raw_page',
      text: `SELECT position, stream_name, revision, id, type, data, metadata, recorded_at FROM omnitrail.events WHERE position > $1 ORDER BY position LIMIT $2`,
      values: [cursor, pageSize],
    });
    count += rows.length;
    if (rows.length < pageSize) break;
    cursor = rows[rows.length - 1]!.position;
  }
  await client.end();
  return count;
}

async function readComparisons(server: ThrowawayPostgres): Promise<void> {
  await withDatabase(server, async (connectionString) => {
    const pageSize = 500;
    const store = await createPostgresEventStore({ connectionString, pageSize });
    const workload = generateLines(READ_EVENTS, 7, 'R');
    const ops = parseOps(workload);
    const loadMs = await timeMs(async () => {
      // Loaded in calls of 10,000 events, 100 per stream batch.
      for (let i = 0; i < ops.length; i += 10_000) {
        const appends: { streamName: string; events: EventToAppend[] }[] = [];
        for (let j = i; j < Math.min(i + 10_000, ops.length); j += 100) appends.push({ streamName: ops[j]!.stream, events: ops.slice(j, j + 100).map((o) => o.event) });
        for (const result of await store.appendToStreams(appends)) if (result.status === 'rejected') throw result.reason;
      }
    });
    console.log(`  loaded ${READ_EVENTS.toLocaleString('en-US')} events with appendToStreams in ${(loadMs / 1000).toFixed(1)} s (${Math.round(perSecond(READ_EVENTS, loadMs)).toLocaleString('en-US')} events/s)`);
    const readAll = async () => {
      let n = 0;
      const ms = await timeMs(async () => {
        for await (const _ of store.readAll()) n++;
      });
      if (n !== READ_EVENTS) throw new Error(`readAll returned ${n} of ${READ_EVENTS} events`);
      return perSecond(n, ms);
    };
    const catchUp = async () => {
      let n = 0;
      const ms = await timeMs(async () => {
        const subscription = store.subscribeToAll();
        for await (const item of subscription) {
          if (item.kind === 'caught-up') break;
          n++;
        }
      });
      if (n !== READ_EVENTS) throw new Error(`the subscription delivered ${n} of ${READ_EVENTS} events`);
      return perSecond(n, ms);
    };
    const raw = async () => {
      let n = 0;
      const ms = await timeMs(async () => (n = await rawSelect(connectionString, pageSize)));
      if (n !== READ_EVENTS) throw new Error(`the raw SELECT returned ${n} of ${READ_EVENTS} rows`);
      return perSecond(n, ms);
    };
    const size = READ_EVENTS.toLocaleString('en-US');
    const all = await compareAlternating(readAll, raw);
    report({ benchmark: BENCH, name: `readAll of ${size} events (pages of ${pageSize})`, value: all.subject, unit: 'events/s', reference: { name: `raw paged SELECT of the same rows`, value: all.reference, ratio: all.ratio }, samples: all.subjectSamples });
    const sub = await compareAlternating(catchUp, raw);
    report({ benchmark: BENCH, name: `catch-up subscribeToAll over ${size} events (pages of ${pageSize})`, value: sub.subject, unit: 'events/s', reference: { name: `raw paged SELECT of the same rows`, value: sub.reference, ratio: sub.ratio }, samples: sub.subjectSamples });
    await store.close();
  });
}

async function recordComparison(server: ThrowawayPostgres): Promise<void> {
  const { raws, asOf } = recordWorkload();
  const count = Math.min(raws.length, Math.round(20_000 * SCALE));
  const input = raws.slice(0, count);
  const recordAll = async (store: EventStore | undefined) => {
    const engine = createJourneyEngine({ clock: () => asOf, ...(store ? { store } : {}) });
    await engine.ready();
    const ms = await timeMs(async () => {
      for (let i = 0; i < input.length; i += 1000) await engine.recordUnknown(input.slice(i, i + 1000));
    });
    await engine.close();
    return perSecond(input.length, ms);
  };
  const r = await compareAlternating(
    () => withDatabase(server, async (connectionString) => {
      const store = await createPostgresEventStore({ connectionString });
      try {
        return await recordAll(store);
      } finally {
        await store.close();
      }
    }),
    () => recordAll(undefined),
  );
  report({
    benchmark: BENCH,
    name: `journey engine record() over PostgreSQL, batches of 1,000, every standard projection (${count.toLocaleString('en-US')} events)`,
    value: r.subject,
    unit: 'events/s',
    reference: { name: 'the same engine on its in-memory store', value: r.reference, ratio: r.ratio },
    samples: r.subjectSamples,
  });
}

export async function run(): Promise<void> {
  const server = await startThrowawayPostgres({ fsync: FSYNC, settings: { shared_buffers: '256MB', max_wal_size: '2GB' } });
  console.log(`  throwaway PostgreSQL on ${server.host}:${server.port}, fsync ${FSYNC ? 'on' : 'off'}, synchronous_commit on`);
  try {
    await appendComparisons(server);
    await readComparisons(server);
    await recordComparison(server);
  } finally {
    await server.stop();
  }
}
