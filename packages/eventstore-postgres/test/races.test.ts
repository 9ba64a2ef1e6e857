// Many processes on one database: the cross-process id race, readers facing a transaction that commits late,
// concurrent startups, a pool passed in, and a server that cannot be reached.
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { expect, it } from 'vitest';
import type { EventStore, RecordedEvent, SubscriptionItem } from '@omnitrail/eventstore';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { startFixture } from './processes.js';
import { describeWithPostgres } from './server.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describeWithPostgres('PostgreSQL adapter: many processes, one database', (server) => {
  it('gives exactly one success and one DuplicateEventIdError in each of 1,000 races between two processes appending the same new id to two streams', async () => {
    const schema = 'id_race';
    // Create the schema first, so the two racers' startups do not race on it (that is tested below).
    await (await createPostgresEventStore({ connectionString: server().connectionString, schema })).close();
    const sides = ['left', 'right'].map((side) => startFixture('id-racer', [server().connectionString, schema, side]));
    const answers = new Map<string, string[]>();
    const waiting = new Map<string, () => void>();
    for (const fixture of sides) {
      fixture.onLine((line) => {
        const [i, outcome] = line.split(' ') as [string, string];
        if (outcome === undefined) return;
        const list = answers.get(i) ?? [];
        list.push(outcome);
        answers.set(i, list);
        if (list.length === 2) waiting.get(i)?.();
      });
    }
    await Promise.all(sides.map((f) => f.waitFor((line) => line === 'ready')));
    const races = 1000;
    const window = 20;
    for (let start = 0; start < races; start += window) {
      const round = Array.from({ length: Math.min(window, races - start) }, (_, k) => String(start + k));
      const done = round.map((i) => new Promise<void>((resolve) => waiting.set(i, resolve)));
      // Both processes get each race at the same moment.
      for (const i of round) for (const f of sides) f.write(`race ${i}`);
      await Promise.all(done);
    }
    for (const f of sides) f.write('end');
    await Promise.all(sides.map((f) => f.exited));
    for (let i = 0; i < races; i++) expect([...answers.get(String(i))!].sort(), `race ${i}`).toEqual(['DUPLICATE_EVENT_ID', 'ok']);
    const store = await createPostgresEventStore({ connectionString: server().connectionString, schema });
    const all = await collect(store.readAll());
    await store.close();
    expect(all).toHaveLength(races);
    expect(new Set(all.map((e) => e.id)).size).toBe(races);
  });

  it('never lets a reader or a subscription skip or reorder the event of a transaction that commits after later ones', async () => {
    const { connectionString } = server();
    const schema = 'open_transaction';
    const writer = await createPostgresEventStore({ connectionString, schema });
    // The reader is another store, as another process would be.
    const reader = await createPostgresEventStore({ connectionString, schema, pollIntervalMs: 10 });
    const slowClient = new pg.Client({ connectionString });
    await slowClient.connect();
    try {
      await writer.appendToStream('before', [1, 2, 3].map((n) => ({ id: `before-${n}`, type: 'Before', data: { n } })));
      const delivered: RecordedEvent[] = [];
      const subscription = reader.subscribeToAll();
      let caughtUp!: () => void;
      const caughtUpOnce = new Promise<void>((resolve) => (caughtUp = resolve));
      const pump = (async () => {
        for await (const item of subscription as AsyncIterable<SubscriptionItem>) {
          if (item.kind === 'caught-up') caughtUp();
          else delivered.push(item.event);
        }
      })();
      await caughtUpOnce;

      // A transaction appends through the adapter's own append function, and stays open.
      await slowClient.query('BEGIN');
      await slowClient.query(`SELECT * FROM ${schema}.append($1, $2, $3, $4, $5, $6, $7)`, [['slow'], ['any'], [1], ['slow-1'], ['Slow'], ['{"late":true}'], [null]]);
      // Later transactions commit first.
      for (let n = 0; n < 5; n++) await writer.appendToStream(`fast-${n}`, [{ id: `fast-${n}`, type: 'Fast', data: { n } }]);

      // What is committed is not all settled: the reader sees only what precedes the open transaction...
      const whileOpen = await collect(reader.readAll());
      expect(whileOpen.map((e) => e.id)).toEqual(['before-1', 'before-2', 'before-3']);
      // ...whereas the fast events are committed (a reader following `position > last` would take them,
      // and its cursor would then be past the slow event's lower position).
      const committed = await slowClient.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.events WHERE id LIKE 'fast-%'`);
      expect(Number(committed.rows[0]!.n)).toBe(5);
      // The subscription, woken by the fast appends and polling every 10 ms, gets nothing more either.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(delivered.map((e) => e.id)).toEqual(['before-1', 'before-2', 'before-3']);

      await slowClient.query('COMMIT');
      const all = await collect(reader.readAll());
      // The slow event holds the lowest position of the later ones: it was appended first.
      expect(all.map((e) => e.id)).toEqual(['before-1', 'before-2', 'before-3', 'slow-1', 'fast-0', 'fast-1', 'fast-2', 'fast-3', 'fast-4']);
      for (let i = 1; i < all.length; i++) expect(all[i]!.position > all[i - 1]!.position).toBe(true);
      // Reading on from where the reader stopped while the transaction was open loses nothing.
      const after = await collect(reader.readAll({ fromPosition: whileOpen[2]!.position }));
      expect(after.map((e) => e.id)).toEqual(all.slice(3).map((e) => e.id));
      // The subscription delivers the same events in the same order, once each.
      while (delivered.length < all.length) await new Promise((resolve) => setTimeout(resolve, 10));
      await subscription.unsubscribe();
      await pump;
      expect(delivered.map((e) => e.position)).toEqual(all.map((e) => e.position));
    } finally {
      await slowClient.end();
      await writer.close();
      await reader.close();
    }
  });

  it("reads its own acknowledged appends while another writer's older transaction is open (it waits for them to settle)", async () => {
    const { connectionString } = server();
    const schema = 'own_writes';
    const store = await createPostgresEventStore({ connectionString, schema });
    const reader = await createPostgresEventStore({ connectionString, schema });
    const slowClient = new pg.Client({ connectionString });
    await slowClient.connect();
    try {
      await store.appendToStream('a', [{ id: 'own-1', type: 'Own', data: null }]);
      await slowClient.query('BEGIN');
      await slowClient.query(`SELECT * FROM ${schema}.append($1, $2, $3, $4, $5, $6, $7)`, [['slow'], ['any'], [1], ['slow-1'], ['Slow'], ['null'], [null]]);
      await store.appendToStream('a', [{ id: 'own-2', type: 'Own', data: null }]);
      const reading = collect(store.readAll());
      // Another store has no own appends to wait for: it reads what is settled.
      expect((await collect(reader.readAll())).map((e) => e.id)).toEqual(['own-1']);
      // Long enough for a read that did not wait to have finished without own-2.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await slowClient.query('COMMIT');
      expect((await reading).map((e) => e.id)).toEqual(['own-1', 'slow-1', 'own-2']);
    } finally {
      await slowClient.end();
      await store.close();
      await reader.close();
    }
  });

  it('lets several processes start on a new schema at once: each migrates or waits, none fails', async () => {
    const stores = await Promise.all(Array.from({ length: 6 }, () => createPostgresEventStore({ connectionString: server().connectionString, schema: 'started_together' })));
    await Promise.all(stores.map((store, i) => store.appendToStream(`s-${i}`, [{ id: `together-${i}`, type: 'Started', data: { i } }])));
    expect(await collect(stores[0]!.readAll())).toHaveLength(6);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('leaves a pool passed in open on close(), and ends the one it created', async () => {
    const pool = new pg.Pool({ connectionString: server().connectionString, max: 3 });
    const store: EventStore = await createPostgresEventStore({ pool, schema: 'given_pool' });
    await store.appendToStream('s', [{ id: 'pooled-1', type: 'T', data: null }]);
    const sub = store.subscribeToAll();
    const first = await sub[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ kind: 'event' });
    await store.close();
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM given_pool.events');
    expect(Number(rows[0]!.n)).toBe(1);
    await pool.end();
    await expect(store.appendToStream('s', [{ id: 'pooled-2', type: 'T', data: null }])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });

  it('rejects a schema name that is not a plain lowercase identifier, naming the option', async () => {
    await expect(createPostgresEventStore({ connectionString: server().connectionString, schema: 'Bad-Name; DROP' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'schema',
    });
  });
});

it('fails with PostgresUnavailableError naming the host, port and reason when the server refuses the connection', async () => {
  // A port nothing listens on: take a free one and close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const error = await createPostgresEventStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'POSTGRES_UNAVAILABLE', name: 'PostgresUnavailableError', host: '127.0.0.1', port });
  expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  expect((error as Error).message).toContain('connection refused (ECONNREFUSED)');
});

it('fails with PostgresUnavailableError, not a hang, when the server accepts the connection and never answers', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  try {
    const error = await createPostgresEventStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POSTGRES_UNAVAILABLE', host: '127.0.0.1', port });
    expect((error as Error).message).toMatch(/timeout/i);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
