// Failover of journey engine workers (docs/workers.md): two worker processes at the default lease settings
// over a throwaway PostgreSQL holding a seeded workload of 20 tenants; one is killed with SIGKILL, and the
// figure is the time from the kill until the survivor serves every tenant (the victim's taken over and
// caught up from the log). Needs PostgreSQL binaries (skipped with a line otherwise). Size:
// OMNITRAIL_BENCH_FAILOVER_EVENTS (default 20,000).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresEventStore, findPostgresBinaries, startThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine, DEFAULT_WORKER_LEASE_MS } from '@omnitrail/journey';
import { generateWorkload } from '@omnitrail/workload';
import { report } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_FAILOVER_EVENTS ?? 20_000);
const TENANTS = 20;
const here = dirname(fileURLToPath(import.meta.url));

/** Starts a worker process; resolves with it and a function waiting for a line. */
function startWorker(connectionString: string, id: string): { child: ChildProcess; next: (test: (line: string) => boolean) => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'failover-worker', 'index.ts'), connectionString, 'failover', id], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      for (const waiter of [...waiters]) if (waiter.test(line)) waiters.splice(waiters.indexOf(waiter), 1) && waiter.resolve(line);
    }
  });
  return {
    child,
    next: (test) =>
      new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code})`)));
      }),
  };
}

export async function run(): Promise<void> {
  if (findPostgresBinaries() === undefined) {
    console.log('  failover · skipped: no PostgreSQL binaries');
    return;
  }
  const server = await startThrowawayPostgres();
  const workers: ChildProcess[] = [];
  try {
    const store = await createPostgresEventStore({ connectionString: server.connectionString, schema: 'failover' });
    const recorder = createJourneyEngine({ store, standardProjections: false, snapshots: false });
    const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${i + 1}`);
    const events = [...generateWorkload({ seed: 19, customers: Math.max(TENANTS * 5, Math.round(EVENTS / 50)), events: EVENTS, tenants })];
    for (let i = 0; i < events.length; i += 1000) await recorder.recordUnknown(events.slice(i, i + 1000));
    await recorder.close();

    const survivor = startWorker(server.connectionString, 'survivor');
    workers.push(survivor.child);
    await survivor.next((line) => line.startsWith('ready'));
    const victim = startWorker(server.connectionString, 'victim');
    workers.push(victim.child);
    await victim.next((line) => line.startsWith('ready'));
    // Once the split settled: the survivor serves fewer than all (it handed the victim its share).
    let served = TENANTS;
    while (served === TENANTS) served = Number((await survivor.next((line) => line.startsWith('owned '))).split(' ')[1]);
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_WORKER_LEASE_MS / 2));
    const all = survivor.next((line) => line.startsWith('owned ') && Number(line.split(' ')[1]) === TENANTS);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const servedAt = Number((await all).split(' ')[2]);
    const seconds = (servedAt - killedAt) / 1000;
    report({
      benchmark: 'failover',
      name: `kill -9 of a worker until its tenants are served again (2 workers, ${TENANTS} tenants, ${EVENTS.toLocaleString('en-US')} events, PostgreSQL, default leases)`,
      value: seconds,
      unit: 's',
      reference: { name: 'lease time', value: DEFAULT_WORKER_LEASE_MS / 1000, ratio: seconds / (DEFAULT_WORKER_LEASE_MS / 1000) },
    });
    await store.close();
  } finally {
    for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.stop();
  }
}
