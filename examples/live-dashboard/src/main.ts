// The live dashboard, run end to end: a seeded stream of support events is recorded over five minutes of
// simulated time (40× faster by default), the server is restarted halfway on the same file store, and a
// follower checks that it got every stored event over server-sent events exactly once. With `--serve` the
// simulation runs in real time and the dashboard stays up: open the printed address in a browser.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followDashboard } from './follower.js';
import { startDashboard, type Dashboard } from './server.js';
import { simulatedEvents } from './simulation.js';

const serve = process.argv.includes('--serve');
const speed = serve ? 1 : 40;
const start = Date.parse('2024-05-06T09:00:00Z');
const durationMs = 5 * 60_000;
const tenantId = 'acme';
let simulatedNow = start;
const clock = () => simulatedNow;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const directory = await mkdtemp(join(tmpdir(), 'omnitrail-live-dashboard-'));
const options = { directory, tenantId, clock, port: Number(process.env.PORT ?? 0) };
let dashboard: Dashboard = await startDashboard(options);
console.log(`live dashboard: ${dashboard.url}`);

const received: string[] = [];
const follower = followDashboard(dashboard.url, (u) => {
  if (u.reset === true) received.length = 0;
  for (const e of u.events) received.push(e.position);
});

const events = simulatedEvents({ seed: 7, tenantId, start, durationMs, customers: 24 });
const restartAt = Math.floor(events.length / 2);
for (let i = 0; i < events.length; i++) {
  const at = Date.parse(events[i]!.occurredAt!);
  if (at > simulatedNow) {
    await sleep((at - simulatedNow) / speed);
    simulatedNow = at;
  }
  if (i === restartAt) {
    // A restart on the same store and port: the engine folds the file store again, the follower reconnects.
    await dashboard.close();
    dashboard = await startDashboard({ ...options, port: dashboard.port });
  }
  await dashboard.engine.record(events[i]!);
}
simulatedNow = start + durationMs;

const stored = await dashboard.positions();
for (let waited = 0; received.length < stored.length && waited < 5000; waited += 50) await sleep(50);
const state = (await (await fetch(`${dashboard.url}api/state`)).json()) as { metrics: { open: number; resolved: number }; queue: unknown[] };
console.log(`recorded ${events.length} events over 5 simulated minutes; the follower got ${received.length} of them over ${follower.connections()} connections (one server restart)`);
console.log(`open cases: ${state.metrics.open}, waiting in the queue: ${state.queue.length}, resolved: ${state.metrics.resolved}`);
const exact = received.length === stored.length && received.every((p, i) => p === stored[i]);
if (serve) {
  console.log('serving; press Ctrl-C to stop');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}
follower.stop();
await dashboard.close();
await rm(directory, { recursive: true, force: true });
if (!exact || stored.length !== events.length) {
  console.error(`the follower's events differ from the store's: got ${received.length}, stored ${stored.length}, recorded ${events.length}`);
  process.exit(1);
}
