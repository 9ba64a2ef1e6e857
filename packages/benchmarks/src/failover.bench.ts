// Failover of journey engine workers (docs/workers.md): two worker processes over a throwaway PostgreSQL
// holding a seeded workload of 20 tenants; one is killed with SIGKILL, and the figure is the time from the
// kill until the survivor serves every tenant again, at the default lease settings. Each is run with
// per-tenant snapshots (the victim snapshotted each of its tenants, every 250 events of a tenant; the
// survivor loads them and reads the log after them) and without (`snapshots: false`: the survivor reads the
// victim's tenants' whole history, as before per-tenant snapshots). The total is dominated by the lease and
// by where the survivor's lease round falls, so the takeover itself (from the victim's last lease expiry to
// every tenant served: loading and catching up) is measured again with short leases (1 s, rounds every
// 25 ms), where the round adds at most 25 ms. Needs PostgreSQL binaries (skipped with a line otherwise).
// Size: OMNITRAIL_BENCH_FAILOVER_EVENTS (default 20,000).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventStore } from '@omnitrail/eventstore';
import { createPostgresEventStore, findPostgresBinaries, startThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine, DEFAULT_WORKER_LEASE_MS } from '@omnitrail/journey';
import { generateWorkload } from '@omnitrail/workload';
import { report } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_FAILOVER_EVENTS ?? 20_000);
const TENANTS = 20;
const SNAPSHOT_EVERY = 250;
const here = dirname(fileURLToPath(import.meta.url));

interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  next: (test: (line: string) => boolean) => Promise<string>;
}

/** Starts a worker process; `next` waits for a line. */
function startWorker(connectionString: string, schema: string, id: string, everyEvents: string, leases: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'failover-worker', 'index.ts'), connectionString, schema, id, everyEvents, leases], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    lines,
    next: (test) =>
      new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code})`)));
      }),
  };
}

/** The latest expiry among the leases `owner` holds (ms), read from the lease documents. */
async function leasesOf(store: EventStore, tenants: readonly string[], owner: string): Promise<{ count: number; expiresAt: number }> {
  let count = 0;
  let expiresAt = 0;
  for (const tenant of tenants) {
    const document = await store.documents.read(`lease:journey-tenant:${tenant}`);
    if (document === undefined) continue;
    const lease = JSON.parse(new TextDecoder().decode(document.value)) as { owner: string; expiresAt: number };
    if (lease.owner !== owner) continue;
    count++;
    expiresAt = Math.max(expiresAt, lease.expiresAt);
  }
  return { count, expiresAt };
}

/** One failover over its own schema: the seconds from the kill to every tenant served, and from the victim's last lease expiry. */
async function failover(connectionString: string, schema: string, everyEvents: string, leases: string, workers: ChildProcess[]): Promise<{ total: number; takeover: number; loaded: number; victimTenants: number }> {
  const store = await createPostgresEventStore({ connectionString, schema });
  try {
    const recorder = createJourneyEngine({ store, standardProjections: false, snapshots: false });
    const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${i + 1}`);
    const events = [...generateWorkload({ seed: 19, customers: Math.max(TENANTS * 5, Math.round(EVENTS / 50)), events: EVENTS, tenants })];
    for (let i = 0; i < events.length; i += 1000) await recorder.recordUnknown(events.slice(i, i + 1000));
    await recorder.close();

    // The victim first: it catches every tenant up and snapshots them, then hands the survivor its share
    // (the survivor never held the victim's tenants, so it can load their snapshots when it takes them over).
    const victim = startWorker(connectionString, schema, 'victim', everyEvents, leases);
    workers.push(victim.child);
    await victim.next((line) => line.startsWith('ready'));
    const survivor = startWorker(connectionString, schema, 'survivor', everyEvents, leases);
    workers.push(survivor.child);
    await survivor.next((line) => line.startsWith('ready'));
    // Once the split settled: the survivor serves some tenants (its latest `owned` line), the victim holds the rest.
    const servedBySurvivor = () => Number(survivor.lines.filter((line) => line.startsWith('owned ')).at(-1)?.split(' ')[1] ?? 0);
    for (let i = 0; ; i++) {
      const victimHeld = (await leasesOf(store, tenants, 'victim')).count;
      if (servedBySurvivor() > 0 && victimHeld + servedBySurvivor() === TENANTS) break;
      if (i > 600) throw new Error(`the split never settled (victim ${victimHeld}, survivor ${servedBySurvivor()})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, leases === 'default' ? DEFAULT_WORKER_LEASE_MS / 2 : 500));
    const all = survivor.next((line) => line.startsWith('owned ') && Number(line.split(' ')[1]) === TENANTS);
    const held = await leasesOf(store, tenants, 'victim');
    const linesBefore = survivor.lines.length;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const servedAt = Number((await all).split(' ')[2]);
    const loaded = survivor.lines.slice(linesBefore).filter((line) => line.startsWith('snapshot loaded ')).length;
    victim.child.kill('SIGKILL');
    survivor.child.kill('SIGKILL');
    return { total: (servedAt - killedAt) / 1000, takeover: (servedAt - held.expiresAt) / 1000, loaded, victimTenants: held.count };
  } finally {
    await store.close();
  }
}

export async function run(): Promise<void> {
  if (findPostgresBinaries() === undefined) {
    console.log('  failover · skipped: no PostgreSQL binaries');
    return;
  }
  const server = await startThrowawayPostgres();
  const workers: ChildProcess[] = [];
  try {
    const size = `2 workers, ${TENANTS} tenants, ${EVENTS.toLocaleString('en-US')} events, PostgreSQL`;
    const fromLog = await failover(server.connectionString, 'failover_log', 'off', 'default', workers);
    const fromSnapshots = await failover(server.connectionString, 'failover_snapshots', String(SNAPSHOT_EVERY), 'default', workers);
    report({
      benchmark: 'failover',
      name: `kill -9 of a worker until its tenants are served again, caught up from the log (no snapshots; ${size}, default leases)`,
      value: fromLog.total,
      unit: 's',
      reference: { name: 'lease time', value: DEFAULT_WORKER_LEASE_MS / 1000, ratio: fromLog.total / (DEFAULT_WORKER_LEASE_MS / 1000) },
    });
    report({
      benchmark: 'failover',
      name: `kill -9 of a worker until its tenants are served again, from its tenant snapshots (${fromSnapshots.loaded} of ${fromSnapshots.victimTenants} loaded; ${size}, default leases)`,
      value: fromSnapshots.total,
      unit: 's',
      reference: { name: 'lease time', value: DEFAULT_WORKER_LEASE_MS / 1000, ratio: fromSnapshots.total / (DEFAULT_WORKER_LEASE_MS / 1000) },
    });
    const shortLog = await failover(server.connectionString, 'takeover_log', 'off', '1000/25', workers);
    const shortSnapshots = await failover(server.connectionString, 'takeover_snapshots', String(SNAPSHOT_EVERY), '1000/25', workers);
    report({
      benchmark: 'failover',
      name: `takeover: from the victim's last lease expiry until its ${shortLog.victimTenants} tenants are served, caught up from the log (${size}, 1 s leases)`,
      value: shortLog.takeover,
      unit: 's',
    });
    report({
      benchmark: 'failover',
      name: `takeover: the same from the victim's tenant snapshots (${shortSnapshots.loaded} of ${shortSnapshots.victimTenants} loaded, then the log after them)`,
      value: shortSnapshots.takeover,
      unit: 's',
      reference: { name: 'from the log', value: shortLog.takeover, ratio: shortSnapshots.takeover / shortLog.takeover },
    });
  } finally {
    for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.stop();
  }
}
