// The dashboard's server: a journey engine on a file store, an HTTP server (node:http, no framework) that
// serves the page, and a stream of server-sent events the page follows. Every update carries the store
// positions of the events it reports, and the SSE id is the last of them, so a page that reconnects (after a
// network blip or a server restart) sends `Last-Event-ID` and gets exactly the events it has not seen.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CatalogEvent } from '@omnitrail/events';
import { openFileEventStore, type FileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine, type JourneyEngine } from '@omnitrail/journey';
import { DASHBOARD_PAGE } from './page.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The file store's directory: the dashboard's durable state, read again after a restart. */
  directory: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  tenantId: string;
  /** The engine's clock (ms): a simulation passes its simulated time. */
  clock: () => number;
  /** How long a disconnected page waits before reconnecting (the SSE `retry` field, default 300 ms). */
  retryMs?: number;
  /** How often the page's waiting clocks get the server's time (default 1 s). */
  tickMs?: number;
  /** At most this many past events on a first connection (default 200). */
  historyLimit?: number;
}

/** An event as the page's activity feed shows it, with its position in the store. */
export interface FeedEntry {
  position: string;
  id: string;
  type: string;
  occurredAt: string;
  customerId: string | null;
  caseId: string | null;
  channel: string | null;
  actor: string;
  text: string | null;
}

/** A waiting case of the queue: the customer wrote last and nobody has answered yet. */
export interface QueueRow {
  caseId: string;
  customerId: string;
  status: string;
  waitingSince: string;
  channels: readonly string[];
  reopenCount: number;
}

/** What the page draws besides the feed: open cases by status, the queue, and the headline metrics. */
export interface DashboardState {
  now: string;
  openByStatus: Record<string, number>;
  queue: QueueRow[];
  metrics: {
    cases: number;
    open: number;
    resolved: number;
    inbound: number;
    firstResponseMedianMs: number | null;
    resolutionMedianMs: number | null;
    csatPercent: number | null;
    csatAnswers: number;
  };
}

/** A running dashboard. */
export interface Dashboard {
  url: string;
  port: number;
  engine: JourneyEngine;
  /** The store positions of the tenant's events, in order (what a page that saw everything has shown). */
  positions(): Promise<string[]>;
  /** Ends every page's stream, stops the server and the engine and closes the store. */
  close(): Promise<void>;
}

const OPEN_STATUSES = ['bot', 'open', 'pending_customer', 'on_hold', 'snoozed'] as const;
const JOURNEY_STREAMS = { streamNamePrefix: 'journey-' };

function feedEntry(position: bigint, e: CatalogEvent): FeedEntry {
  const data = e.data as { text?: unknown };
  return {
    position: position.toString(),
    id: e.id,
    type: e.type,
    occurredAt: e.occurredAt,
    customerId: e.customerId ?? null,
    caseId: e.caseId ?? null,
    channel: e.channel ?? null,
    actor: e.actor.kind,
    text: typeof data.text === 'string' ? data.text : null,
  };
}

/** Starts the dashboard: opens the store, waits until the engine has folded it, then listens. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { tenantId, clock } = options;
  const retryMs = options.retryMs ?? 300;
  const historyLimit = options.historyLimit ?? 200;
  const store: FileEventStore = await openFileEventStore({ directory: options.directory, fsync: 'batch' });
  const engine = createJourneyEngine({ store, clock });
  await engine.ready();

  /** The tenant's events after `after` (exclusive) up to `upTo` (inclusive), in store order. */
  async function readFeed(after: bigint | undefined, upTo: bigint | undefined): Promise<FeedEntry[]> {
    const out: FeedEntry[] = [];
    if (upTo === undefined) return out;
    for await (const r of store.readAll<CatalogEvent>({ fromPosition: after ?? 'start', filter: JOURNEY_STREAMS })) {
      if (r.position > upTo) break;
      if (r.data.tenantId === tenantId) out.push(feedEntry(r.position, r.data));
    }
    return out;
  }

  async function lastPosition(): Promise<bigint | undefined> {
    for await (const r of store.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 1, filter: JOURNEY_STREAMS })) return r.position;
    return undefined;
  }

  function state(): DashboardState {
    // As of just after the clock, as the command line's default asOf (latest event + 1 ms): an event recorded
    // at the current instant is in the metrics period.
    const report = engine.report(tenantId, { asOf: clock() + 1 });
    const open = engine.openCases(tenantId);
    const openByStatus: Record<string, number> = {};
    for (const s of OPEN_STATUSES) openByStatus[s] = report.cases.byStatus[s];
    const queue = open
      .filter((c) => c.waitingSince !== null)
      .map((c) => ({ caseId: c.caseId, customerId: c.customerId, status: c.status, waitingSince: c.waitingSince!, channels: c.channels, reopenCount: c.reopenCount }))
      .sort((a, b) => (a.waitingSince < b.waitingSince ? -1 : a.waitingSince > b.waitingSince ? 1 : a.caseId < b.caseId ? -1 : 1));
    const m = report.metrics;
    return {
      now: new Date(clock()).toISOString(),
      openByStatus,
      queue,
      metrics: {
        cases: report.cases.count,
        open: open.length,
        resolved: m.fcr.resolved,
        inbound: Object.values(m.channelMix).reduce((s, n) => s + n, 0),
        firstResponseMedianMs: m.firstResponseMs.median,
        resolutionMedianMs: m.resolutionMs.median,
        csatPercent: m.csat.percent,
        csatAnswers: m.csat.answers,
      },
    };
  }

  // Sends (catch-ups and broadcasts) run one after another, so a page never gets an event twice or misses one
  // that was read while it was being added.
  let chain: Promise<void> = Promise.resolve();
  const serially = (job: () => Promise<void>): void => {
    chain = chain.then(job).catch((error: unknown) => console.error('live-dashboard:', error));
  };
  const clients = new Map<ServerResponse, { cursor: bigint | undefined }>();
  let sent = await lastPosition();

  const send = (res: ServerResponse, id: bigint | undefined, payload: unknown): void => {
    res.write(`${id === undefined ? '' : `id: ${id}\n`}event: update\ndata: ${JSON.stringify(payload)}\n\n`);
  };

  function broadcast(): Promise<void> {
    return (async () => {
      const entries = await readFeed(sent, await lastPosition());
      if (entries.length === 0) return;
      sent = BigInt(entries[entries.length - 1]!.position);
      const payload = state();
      for (const [res, client] of clients) {
        const mine = entries.filter((e) => client.cursor === undefined || BigInt(e.position) > client.cursor);
        if (mine.length === 0) continue;
        send(res, sent, { events: mine, state: payload });
        client.cursor = sent;
      }
    })();
  }

  let scheduled = false;
  const changes = engine.changes$.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      serially(broadcast);
    });
  });

  function follow(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: ${retryMs}\n\n`);
    const header = req.headers['last-event-id'];
    const lastSeen = typeof header === 'string' && /^\d+$/.test(header) ? BigInt(header) : undefined;
    serially(async () => {
      if (res.destroyed) return;
      // A page that saw a position this store never reached (another store, wiped since) starts over.
      const resume = lastSeen !== undefined && (sent === undefined || lastSeen <= sent);
      let entries = await readFeed(resume ? lastSeen : undefined, sent);
      if (!resume) entries = entries.slice(-historyLimit);
      if (res.destroyed) return;
      send(res, sent, { reset: !resume, events: entries, state: state() });
      clients.set(res, { cursor: sent });
    });
    req.on('close', () => clients.delete(res));
    res.on('error', () => clients.delete(res)); // a page gone mid-write: forget it, do not fail the server
  }

  function caseTimeline(caseId: string): unknown {
    const snapshot = engine.getCase(tenantId, caseId);
    if (snapshot === undefined) return undefined;
    const events = (engine.fold(tenantId)?.events ?? []).filter((je) => je.event.caseId === caseId).map((je) => ({ ...feedEntry(0n, je.event), position: null }));
    return { case: snapshot, events };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(DASHBOARD_PAGE);
    } else if (url.pathname === '/events') {
      follow(req, res);
    } else if (url.pathname === '/api/state') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state()));
    } else if (url.pathname.startsWith('/api/cases/')) {
      const timeline = caseTimeline(decodeURIComponent(url.pathname.slice('/api/cases/'.length)));
      if (timeline === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no such case' }));
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(timeline));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  const tick = setInterval(() => {
    const now = JSON.stringify({ now: new Date(clock()).toISOString() });
    for (const res of clients.keys()) res.write(`event: tick\ndata: ${now}\n\n`);
  }, options.tickMs ?? 1000);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    port,
    engine,
    async positions() {
      return (await readFeed(undefined, await lastPosition())).map((e) => e.position);
    },
    async close() {
      clearInterval(tick);
      changes.unsubscribe();
      await chain;
      for (const res of clients.keys()) res.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.close();
      await store.close();
    },
  };
}
