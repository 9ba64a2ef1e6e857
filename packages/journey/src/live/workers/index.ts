import { isDocumentVersionConflict, type DocumentStore } from '@omnitrail/eventstore';
import { hashString } from '@omnitrail/eventstore/adapter';
import { Observable, Subject } from 'rxjs';
import { createLeaseKeeper, type LeaseKeeper } from '../leases/index.js';

/**
 * Engine workers: engines over one shared store, each with a worker id, divide the tenants among themselves
 * with per-tenant leases kept in the store's documents (see ../leases and docs/workers.md). The tenant is the
 * unit because merges and cases cross customers: a tenant's fold needs all of its events in one place.
 *
 * Who should own a tenant is decided by rendezvous hashing over the live workers (a membership document every
 * worker refreshes each round): every worker computes the same preferred owner, acquires the leases of the
 * tenants it prefers and hands back those it holds but another live worker prefers. The leases make it safe
 * when views differ for a moment (two workers never hold one tenant at once); the hashing makes it balanced
 * and moves few tenants when a worker comes or goes. A worker that stops renewing (killed) drops out of the
 * membership and loses its leases after `leaseMs`, and the others take its tenants over.
 */

/** The worker settings of `createJourneyEngine({ worker })`. */
export interface JourneyWorkerOptions {
  /** The worker's id, unique among the workers over the store (1 to 120 characters). */
  id: string;
  /** How long a tenant lease and a membership entry last without renewal (ms; default 10,000). */
  leaseMs?: number;
  /** How often the worker renews its leases and rebalances (ms; default a third of `leaseMs`). */
  renewEveryMs?: number;
  /** The clock leases are judged by (ms); `Date.now` by default. */
  clock?: () => number;
}

/** A change of who serves a tenant, as one worker sees it: it `gained` the tenant (caught up, serving) or `lost` it. */
export interface TenantOwnershipChange {
  readonly tenantId: string;
  readonly change: 'gained' | 'lost';
  /** This worker's id. */
  readonly workerId: string;
}

/** A read of a tenant this worker does not serve: `owner` is the worker that holds it, if known, so a host can route. */
export class TenantNotOwnedError extends Error {
  readonly code = 'TENANT_NOT_OWNED';
  constructor(
    readonly tenantId: string,
    readonly workerId: string,
    readonly owner: string | undefined,
  ) {
    super(
      owner === undefined
        ? `tenant '${tenantId}' is not served by worker '${workerId}' and no worker holds it now (it is being taken over, or has no event yet); retry shortly`
        : `tenant '${tenantId}' is served by worker '${owner}', not by worker '${workerId}': route the read there`,
    );
    this.name = 'TenantNotOwnedError';
  }
}

/** A worker option was invalid: `field` names it. */
export class JourneyWorkerOptionsError extends Error {
  readonly code = 'INVALID_WORKER_OPTIONS';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`createJourneyEngine: invalid worker.${field}: ${reason}`);
    this.name = 'JourneyWorkerOptionsError';
  }
}

/** The default lease time of a worker's tenants (ms). */
export const DEFAULT_WORKER_LEASE_MS = 10_000;

/** The membership document: every live worker and until when it counts as live. */
const MEMBERS_KEY = 'journey-workers.members';

/** What the engine gives the ownership to work with. */
export interface TenantOwnershipOptions {
  readonly documents: DocumentStore;
  readonly worker: JourneyWorkerOptions;
  /**
   * Catches up tenants this worker just gained (reads their events from the log and folds them); they are
   * served once it resolves. Called with tenants already marked as folded here, so events the subscription
   * delivers meanwhile are folded too (the engine drops what it folded already).
   */
  readonly catchUp: (tenantIds: readonly string[], from: ReadonlyMap<string, bigint>) => Promise<void>;
  /**
   * Loads what the engine can of tenants this worker just gained before it folds them (their snapshots), and
   * answers, per tenant loaded, the store position its state covers: the catch-up reads only after it. Called
   * before the tenants are marked as folded here, so the subscription skips their events meanwhile (the
   * catch-up reads them from the store).
   */
  readonly load?: (tenantIds: readonly string[]) => Promise<ReadonlyMap<string, bigint>>;
  /**
   * Lists the store's tenants (its stream-group index, see ../tenant-discovery), called every round so that
   * tenants created later are discovered without reading the log. Absent: tenants are discovered only from
   * the events the subscription reads.
   */
  readonly listTenants?: () => Promise<readonly string[]>;
  /** Called with tenants this worker serves, just before it gives them back (hand-over, stop): the engine snapshots them. */
  readonly handOver?: (tenantIds: readonly string[]) => Promise<void>;
  readonly logger: { warn(message: string): void };
}

/** The tenants one worker holds, kept by leases and rebalanced every round (see {@link createTenantOwnership}). */
export interface TenantOwnership {
  readonly workerId: string;
  /** A tenant met in the log: a candidate for this worker. */
  discover(tenantId: string): void;
  /** Whether this worker folds the tenant's events (held, caught up or catching up). */
  folds(tenantId: string): boolean;
  /** Whether this worker serves the tenant now (held, caught up, and its lease valid by the worker's clock). */
  serves(tenantId: string): boolean;
  /** Throws {@link TenantNotOwnedError} unless this worker serves the tenant now (held and caught up). */
  requireServed(tenantId: string): void;
  /** The tenants this worker serves now, sorted. */
  served(): string[];
  readonly ownership$: Observable<TenantOwnershipChange>;
  /** Resolves once the first round is done and the tenants it gained are caught up. */
  settled(): Promise<void>;
  /** Runs one round now: membership, renewals, acquisitions, hand-overs (rounds never overlap). */
  round(): Promise<void>;
  /** Stops the rounds and gives back the leases and the membership entry (others take over at once). */
  stop(): Promise<void>;
}

/** Checks the worker options and fills in defaults. */
export function resolveWorkerOptions(worker: JourneyWorkerOptions): Required<Omit<JourneyWorkerOptions, 'clock'>> & { clock: () => number } {
  if (worker === null || typeof worker !== 'object') throw new JourneyWorkerOptionsError('id', 'worker must be an object { id, leaseMs?, renewEveryMs? }');
  if (typeof worker.id !== 'string' || worker.id.length === 0 || worker.id.length > 120) throw new JourneyWorkerOptionsError('id', 'expected a string of 1 to 120 characters');
  const leaseMs = worker.leaseMs ?? DEFAULT_WORKER_LEASE_MS;
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 10) throw new JourneyWorkerOptionsError('leaseMs', `expected an integer >= 10, got ${String(leaseMs)}`);
  const renewEveryMs = worker.renewEveryMs ?? Math.max(1, Math.floor(leaseMs / 3));
  if (!Number.isSafeInteger(renewEveryMs) || renewEveryMs < 1 || renewEveryMs >= leaseMs) {
    throw new JourneyWorkerOptionsError('renewEveryMs', `expected an integer from 1 to below leaseMs (${leaseMs}), got ${String(renewEveryMs)}`);
  }
  if (worker.clock !== undefined && typeof worker.clock !== 'function') throw new JourneyWorkerOptionsError('clock', 'expected a function returning milliseconds');
  return { id: worker.id, leaseMs, renewEveryMs, clock: worker.clock ?? Date.now };
}

/** The lease name of a tenant: its id when it fits a document key, else a hash of it. */
export function tenantLeaseName(tenantId: string): string {
  return /^[A-Za-z0-9_:@.-]{1,150}$/.test(tenantId) ? `journey-tenant:${tenantId}` : `journey-tenant:h-${hashString(tenantId).toString(16)}-${tenantId.length}`;
}

/** The worker a tenant prefers among `members` (rendezvous hashing: the highest hash of tenant and worker). */
export function preferredWorker(tenantId: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const member of members) {
    const score = hashString(`${tenantId}\u0000${member}`) >>> 0;
    if (score > bestScore || (score === bestScore && best !== undefined && member < best)) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The tenant ownership of one worker: call `round()` (or let the timer do it every `renewEveryMs`). Each round
 * refreshes this worker's membership entry, renews its leases (a lease lost to a takeover is dropped), and
 * acquires the leases of the tenants it prefers, catching them up before serving them.
 */
export function createTenantOwnership(options: TenantOwnershipOptions): TenantOwnership {
  const settings = resolveWorkerOptions(options.worker);
  const { id: workerId, leaseMs, renewEveryMs, clock } = settings;
  const { documents } = options;
  const keeper: LeaseKeeper = createLeaseKeeper({ documents, owner: workerId, leaseMs, clock });
  const known = new Set<string>();
  // Tenants whose lease this worker holds: 'loading' (their snapshots, not folded yet), 'catching-up'
  // (folded, not served yet) or 'serving'.
  const held = new Map<string, 'loading' | 'catching-up' | 'serving'>();
  // The holder last seen of tenants held elsewhere (for the routing error).
  const owners = new Map<string, string>();
  const changes = new Subject<TenantOwnershipChange>();
  let members: string[] = [workerId];
  let running: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let firstRound: Promise<void> | undefined;
  // Catch-ups of gained tenants in progress.
  const catchingUp = new Set<Promise<void>>();

  async function refreshMembership(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const document = await documents.read(MEMBERS_KEY);
      const now = clock();
      const entries: Record<string, number> = {};
      if (document !== undefined) {
        try {
          const parsed = JSON.parse(decoder.decode(document.value)) as Record<string, unknown>;
          for (const [member, until] of Object.entries(parsed)) if (typeof until === 'number' && until > now && member !== workerId) entries[member] = until;
        } catch {
          options.logger.warn(`journey worker '${workerId}': the membership document '${MEMBERS_KEY}' is not JSON; rewriting it`);
        }
      }
      if (!stopped) entries[workerId] = now + leaseMs;
      try {
        await documents.write(MEMBERS_KEY, encoder.encode(JSON.stringify(entries)), { expectedVersion: document?.version ?? 'absent' });
        members = Object.keys(entries).sort();
        return;
      } catch (error) {
        if (!isDocumentVersionConflict(error)) throw error;
      }
    }
    // Five workers wrote it in between: keep the last view; the next round tries again.
  }

  function emit(tenantId: string, change: 'gained' | 'lost'): void {
    changes.next(Object.freeze({ tenantId, change, workerId }));
  }

  function lose(tenantId: string, owner: string | undefined): void {
    const was = held.get(tenantId);
    held.delete(tenantId);
    if (owner !== undefined) owners.set(tenantId, owner);
    else owners.delete(tenantId);
    if (was === 'serving') emit(tenantId, 'lost');
  }

  async function runRound(): Promise<void> {
    await refreshMembership();
    if (options.listTenants !== undefined && !stopped) {
      try {
        for (const tenantId of await options.listTenants()) known.add(tenantId);
      } catch (error) {
        // The round goes on with the tenants known: renewals must not wait for the listing.
        options.logger.warn(`journey worker '${workerId}': listing the store's tenants failed (${(error as Error).message}); going on with the ${known.size} known`);
      }
    }
    // Renew what we hold; a lease another worker took over is gone.
    for (const tenantId of [...held.keys()]) {
      const outcome = await keeper.renew(tenantLeaseName(tenantId));
      if (outcome?.status !== 'held') lose(tenantId, outcome?.lease.owner);
    }
    const gained: string[] = [];
    for (const tenantId of [...known].sort()) {
      const name = tenantLeaseName(tenantId);
      const preferred = preferredWorker(tenantId, members);
      if (held.has(tenantId)) {
        // Hand a tenant over to the live worker that prefers it (a worker joined): it acquires it next round.
        if (preferred !== workerId && held.get(tenantId) === 'serving' && !stopped) {
          // Its snapshot first, so the worker taking it over reads only what comes after.
          await handOver([tenantId]);
          // Reads are routed to the worker taking it over; the next round reads who actually holds it.
          lose(tenantId, preferred);
          await keeper.release(name);
        }
        continue;
      }
      if (preferred === workerId && !stopped) {
        const outcome = await keeper.acquire(name);
        if (outcome.status === 'held') {
          held.set(tenantId, options.load === undefined ? 'catching-up' : 'loading');
          owners.delete(tenantId);
          gained.push(tenantId);
        } else owners.set(tenantId, outcome.lease.owner);
        continue;
      }
      const lease = await keeper.read(name);
      if (lease !== undefined && lease.expiresAt > clock()) owners.set(tenantId, lease.owner);
      else owners.delete(tenantId);
    }
    // The catch-up reads the log: it runs beside the rounds, so that the leases are renewed meanwhile.
    if (gained.length > 0) {
      const done: Promise<void> = catchUpGained(gained).finally(() => catchingUp.delete(done));
      catchingUp.add(done);
    }
  }

  async function handOver(tenantIds: readonly string[]): Promise<void> {
    if (options.handOver === undefined || tenantIds.length === 0) return;
    // A snapshot that cannot be written must not keep the tenant from being given back.
    await options.handOver(tenantIds).catch((error: unknown) => options.logger.warn(`journey worker '${workerId}': snapshots before handing over failed (${(error as Error).message})`));
  }

  async function catchUpGained(gained: readonly string[]): Promise<void> {
    try {
      let from: ReadonlyMap<string, bigint> = new Map();
      if (options.load !== undefined) {
        from = await options.load(gained.filter((tenantId) => held.get(tenantId) === 'loading'));
        for (const tenantId of gained) if (held.get(tenantId) === 'loading') held.set(tenantId, 'catching-up');
      }
      await options.catchUp(
        gained.filter((tenantId) => held.get(tenantId) === 'catching-up'),
        from,
      );
      for (const tenantId of gained) {
        if (held.get(tenantId) !== 'catching-up') continue;
        held.set(tenantId, 'serving');
        emit(tenantId, 'gained');
      }
    } catch (error) {
      // Not served half caught up: give the tenants back, a later round (here or elsewhere) tries again.
      options.logger.warn(`journey worker '${workerId}': catching up ${gained.length} tenant(s) failed (${(error as Error).message}); giving them back`);
      for (const tenantId of gained) {
        const state = held.get(tenantId);
        if (state !== 'catching-up' && state !== 'loading') continue;
        lose(tenantId, undefined);
        await keeper.release(tenantLeaseName(tenantId)).catch(() => false);
      }
    }
  }

  function round(): Promise<void> {
    const previous = running ?? Promise.resolve();
    const next = previous.then(runRound, runRound);
    const settled = next.finally(() => {
      if (running === settled) running = undefined;
    });
    // The caller handles the round's failure through `next`; this copy is only waited on (an unhandled
    // rejection of it would end the process over one failed round).
    settled.catch(() => undefined);
    running = settled;
    return next;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      round().then(schedule, (error: unknown) => {
        options.logger.warn(`journey worker '${workerId}': lease round failed (${(error as Error).message}); retrying in ${renewEveryMs} ms`);
        schedule();
      });
    }, renewEveryMs);
  }

  return {
    workerId,
    discover(tenantId) {
      if (known.has(tenantId)) return;
      known.add(tenantId);
      // The first round runs once catch-up discovered the tenants (see settled); later ones on the timer.
    },
    folds(tenantId) {
      const state = held.get(tenantId);
      return state === 'catching-up' || state === 'serving';
    },
    serves: (tenantId) => held.get(tenantId) === 'serving' && keeper.holds(tenantLeaseName(tenantId)),
    requireServed(tenantId) {
      if (held.get(tenantId) === 'serving' && keeper.holds(tenantLeaseName(tenantId))) return;
      throw new TenantNotOwnedError(tenantId, workerId, owners.get(tenantId));
    },
    served: () => [...held].filter(([, state]) => state === 'serving').map(([tenantId]) => tenantId).sort(),
    ownership$: changes.asObservable(),
    settled() {
      firstRound ??= round().then(
        async () => {
          schedule();
          await Promise.all(catchingUp);
        },
        (error: unknown) => {
          options.logger.warn(`journey worker '${workerId}': first lease round failed (${(error as Error).message}); retrying in ${renewEveryMs} ms`);
          schedule();
        },
      );
      return firstRound;
    },
    round,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running?.catch(() => undefined);
      await Promise.all(catchingUp);
      await handOver([...held].filter(([, state]) => state === 'serving').map(([tenantId]) => tenantId));
      for (const tenantId of [...held.keys()]) {
        lose(tenantId, undefined);
        await keeper.release(tenantLeaseName(tenantId)).catch(() => false);
      }
      await refreshMembership().catch(() => undefined);
      changes.complete();
    },
  };
}

// The engine's methods that do not read one tenant; every other method takes the tenant id first.
const NOT_TENANT_READS = new Set(['record', 'recordUnknown', 'ready', 'close', 'snapshot', 'projection', 'rejectedStoredEventCount', 'duplicateStoredEventCount', 'ownedTenants']);

/**
 * The engine as a worker's host sees it: every method that reads one tenant (reports, cases, profiles, folds
 * and their streams, the operational views and triage queries, the host projections' handles) first checks that this worker serves
 * the tenant, and throws {@link TenantNotOwnedError} naming the owner otherwise.
 */
export function guardTenantReads<T extends object>(engine: T, ownership: TenantOwnership): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(engine)) {
    if (typeof value !== 'function' || NOT_TENANT_READS.has(name)) {
      guarded[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    guarded[name] = (tenantId: unknown, ...rest: unknown[]) => {
      if (typeof tenantId === 'string') ownership.requireServed(tenantId);
      return method.call(engine, tenantId, ...rest);
    };
  }
  const projection = (engine as { projection?: (definition: unknown) => Record<string, unknown> }).projection;
  if (typeof projection === 'function') {
    guarded.projection = (definition: unknown) => {
      const handle = projection.call(engine, definition);
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(handle)) {
        out[name] =
          typeof value === 'function' && name !== 'watchedPartitions'
            ? (tenantId: unknown, ...rest: unknown[]) => {
                if (typeof tenantId === 'string') ownership.requireServed(tenantId);
                return (value as (...args: unknown[]) => unknown)(tenantId, ...rest);
              }
            : value;
      }
      return out;
    };
  }
  return guarded as T;
}
