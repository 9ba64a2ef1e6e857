// Journey engine workers in separate processes over one throwaway PostgreSQL: 3 workers and 1 recording
// process, 30 tenants; one worker is killed with SIGKILL mid-stream. At the end every tenant has exactly
// one owner among the survivors, the survivors took the victim's tenants over from the snapshots it wrote
// of them (per-tenant snapshots every 10 events of a tenant), and the union of their reports equals the
// replay of the same store.
import { expect, it } from 'vitest';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { replayReport } from '../../journey/src/index.js';
import { startFixture, type Fixture } from './processes.js';
import { describeWithPostgres } from './server.js';

const TENANTS = 30;
const EVENTS = 1500;
const ASOF = Date.parse('2031-01-01T00:00:00Z');
const FROM = Date.parse('2024-01-01T00:00:00Z');

/** Asks a worker for its tenants and waits for the answer. */
async function ownedBy(worker: Fixture): Promise<string[]> {
  const answer = worker.waitFor((line) => line.startsWith('owned '));
  worker.write('owned');
  return JSON.parse((await answer).slice('owned '.length)) as string[];
}

describeWithPostgres('journey engine workers over PostgreSQL: processes and a kill', (server) => {
  it('3 workers, 1 recorder, 30 tenants, one worker killed mid-stream: one owner per tenant, reports equal the replay', async () => {
    const { connectionString } = server();
    const schema = 'workers';
    // Creates the schema once, before the processes race to.
    const store = await createPostgresEventStore({ connectionString, schema });
    const workers = ['w1', 'w2', 'w3'].map((id) => startFixture('journey-worker', [connectionString, schema, id, '1500', '250', '10']));
    // What each worker did with its tenants' snapshots: `<kind> <tenant>`.
    const snapshotLines = workers.map(() => [] as string[]);
    workers.forEach((worker, i) => worker.onLine((line) => line.startsWith('snapshot ') && snapshotLines[i]!.push(line.split(' ').slice(1, 3).join(' '))));
    try {
      await Promise.all(workers.map((worker) => worker.waitFor((line) => line === 'ready')));
      const recorder = startFixture('journey-recorder', [connectionString, schema, String(TENANTS), String(EVENTS), '25']);
      // Mid-stream: once a third of the events are in, and the victim serves some tenants.
      await recorder.waitFor((line) => line.startsWith('recorded ') && Number(line.slice(9)) >= EVENTS / 3);
      const victim = workers[1]!;
      const survivors = [workers[0]!, workers[2]!];
      // Once the victim has snapshotted at least one of its tenants.
      for (let i = 0; !snapshotLines[1]!.some((line) => line.startsWith('written ')); i++) {
        if (i > 400) throw new Error('the victim never wrote a tenant snapshot');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const victimTenants = await ownedBy(victim);
      expect(victimTenants.length).toBeGreaterThan(0);
      victim.child.kill('SIGKILL');
      const snapshotted = victimTenants.filter((t) => snapshotLines[1]!.includes(`written ${t}`));
      expect(snapshotted.length).toBeGreaterThan(0);
      expect((await victim.exited).signal).toBe('SIGKILL');
      await recorder.waitFor((line) => line === 'done');
      expect((await recorder.exited).code).toBe(0);

      // The survivors take the victim's tenants over once its leases run out (1.5 s).
      let owned: string[][] = [];
      for (let i = 0; ; i++) {
        owned = await Promise.all(survivors.map(ownedBy));
        if (owned.flat().length === TENANTS && new Set(owned.flat()).size === TENANTS) break;
        if (i > 300) throw new Error(`tenants never all served: ${JSON.stringify(owned)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(owned.every((list) => list.length > 0)).toBe(true);
      // Every victim tenant it had snapshotted was loaded from a snapshot by the survivor that took it (the
      // victim's, or a later one), then caught up from the log after it; none was rejected.
      const loadedBySurvivors = [snapshotLines[0]!, snapshotLines[2]!].flat();
      for (const tenant of snapshotted) expect(loadedBySurvivors).toContain(`loaded ${tenant}`);
      expect(loadedBySurvivors.filter((line) => line.startsWith('rejected '))).toEqual([]);

      const events: CatalogEvent[] = [];
      for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) events.push(parseEventOrThrow(stored.data));
      expect(events).toHaveLength(EVENTS);
      const replay = replayReport({ events, asOf: ASOF, from: FROM, to: ASOF });
      expect(Object.keys(replay.tenants)).toHaveLength(TENANTS);
      const union: Record<string, unknown> = {};
      for (const worker of survivors) {
        const answer = worker.waitFor((line) => line.startsWith('reports '));
        worker.write(`reports ${ASOF} ${FROM}`);
        Object.assign(union, JSON.parse((await answer).slice('reports '.length)) as Record<string, unknown>);
      }
      // Through JSON on both sides: the workers' reports crossed a pipe.
      expect(union).toEqual(JSON.parse(JSON.stringify(replay.tenants)));
    } finally {
      for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await store.close();
    }
  }, 60_000);
});
