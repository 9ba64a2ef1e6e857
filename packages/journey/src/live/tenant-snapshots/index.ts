import { createHash } from 'node:crypto';
import { isDocumentVersionConflict, type DocumentStore } from '@omnitrail/eventstore';
import { decodeEngineSnapshot, encodeEngineSnapshotInSlices, type DecodedEngineSnapshot, type SavedEngineState, type SlicedSnapshotEncoding, type SnapshotRejection } from '../engine-snapshot/index.js';
import { isSealedEngineSnapshot, openSealedEngineSnapshot, sealEngineSnapshot, type SnapshotKeys } from '../sealed-snapshot/index.js';
import { DEFAULT_SNAPSHOT_SLICE_MS, periodicSnapshotDue, SNAPSHOT_COST_FACTOR } from '../snapshot-policy/index.js';

/**
 * Per-tenant snapshots of a worker (docs/workers.md): a worker writes one snapshot document per tenant it
 * serves (periodically, before handing the tenant over, and on close), in the engine snapshot format applied
 * to a one-tenant selection of its state. A worker that gains a tenant loads the tenant's latest snapshot and
 * reads only the events after the position it covers, instead of the tenant's whole history. This matters
 * most when a worker dies: its tenants are taken over after the lease time plus the catch-up from its last
 * snapshot of each.
 *
 * Writes are compare-and-set on the version this worker last read or wrote, and a conflict is retried only
 * while the worker still serves the tenant: a worker that lost a tenant (paused past its lease) never
 * overwrites what the new owner wrote since. Every snapshot is exact at its position (its state holds every
 * event of the tenant up to it), so even an older one, loaded, gives the exact state after the catch-up.
 */

/** The part of the document key that follows the engine's snapshot key for a tenant. */
const TENANT_PART = ':tenant:';
const HASHED_PART = ':tenant-h:';
const MAX_KEY = 200;

/**
 * The document key of a tenant's snapshot: the engine's snapshot key, `:tenant:`, and the tenant id with every
 * character outside `A-Z a-z 0-9 _ -` written as `.` and its UTF-8 bytes in hex (so `.` itself is escaped and
 * two tenants never share a key); a key that would pass 200 characters uses a SHA-256 of the id instead
 * (and of the snapshot key too, when that one is long).
 */
export function tenantSnapshotKey(baseKey: string, tenantId: string): string {
  let escaped = '';
  for (const char of tenantId) {
    if (/^[A-Za-z0-9_-]$/.test(char)) escaped += char;
    else for (const byte of Buffer.from(char, 'utf8')) escaped += `.${byte.toString(16).padStart(2, '0')}`;
  }
  const key = `${baseKey}${TENANT_PART}${escaped}`;
  if (key.length <= MAX_KEY && escaped.length > 0) return key;
  const hashed = `${baseKey}${HASHED_PART}${createHash('sha256').update(tenantId, 'utf8').digest('hex').slice(0, 40)}`;
  if (hashed.length <= MAX_KEY) return hashed;
  // A snapshot key too long to hold even the hash: part of it, and a hash of both.
  return `${baseKey.slice(0, 100)}${HASHED_PART}${createHash('sha256').update(`${baseKey}\u0000${tenantId}`, 'utf8').digest('hex').slice(0, 40)}`;
}

/** What a worker did with a tenant's snapshot (the engine's `snapshotEvents$`, with the tenant named). */
export type TenantSnapshotEvent =
  | { readonly kind: 'loaded' | 'written'; readonly key: string; readonly tenantId: string; readonly position: bigint | undefined; readonly events: number; readonly tenants: number; readonly bytes: number; readonly version: bigint }
  | { readonly kind: 'none'; readonly key: string; readonly tenantId: string }
  | { readonly kind: 'rejected'; readonly key: string; readonly tenantId: string; readonly reason: SnapshotRejection; readonly message: string }
  | { readonly kind: 'write-failed'; readonly key: string; readonly tenantId: string; readonly error: unknown };

/** A tenant's state as the engine captured it: one tenant, and the store position every event up to which it holds. */
export interface CapturedTenant {
  readonly state: SavedEngineState;
  readonly position: bigint | undefined;
}

/** What the engine gives the tenant snapshots to work with. */
export interface TenantSnapshotsOptions {
  readonly documents: DocumentStore;
  /** The engine's snapshot key (`snapshots.key`): tenant keys are derived from it. */
  readonly baseKey: string;
  /** Events of a tenant folded between its periodic snapshots; `undefined`: 100,000 or the events it holds, whichever is larger; 0: never periodically. */
  readonly everyEvents: number | undefined;
  /**
   * Also snapshot a tenant this long (ms) after its last snapshot when events were folded for it since, and
   * no sooner than {@link SNAPSHOT_COST_FACTOR} times its last snapshot's duration after it (0: never by time).
   */
  readonly everyMs?: number;
  /** The engine's snapshot fingerprint (projections, configuration). */
  readonly fingerprint: string;
  readonly clock: () => number;
  readonly logger: { info(message: string): void; warn(message: string): void };
  readonly emit: (event: TenantSnapshotEvent) => void;
  /** Whether the worker serves the tenant now (held and caught up): only then is its state complete and its snapshot written. */
  readonly serves: (tenantId: string) => boolean;
  /** Whether the worker still folds the tenant (held, perhaps its lease lapsed for a moment by its clock): a due snapshot waits for it to be served again. */
  readonly folds: (tenantId: string) => boolean;
  /**
   * The tenant's state now, detached from the live one (see `detachedTenant`), or `undefined` when the engine
   * holds none: it is encoded in slices while the engine goes on folding.
   */
  readonly capture: (tenantId: string) => CapturedTenant | undefined;
  /** Milliseconds of work per slice of a snapshot's encoding (see `snapshots.sliceMs`; default 10). */
  readonly sliceMs?: number;
  /** Erasures the engine has folded so far: a snapshot captured before one is not written (it holds values now forgotten). */
  readonly erasures?: () => number;
  /**
   * Resolves once the tenant's state holds every erasure the store has of it. Awaited before the capture
   * when the snapshot key was deleted by someone else's erasure (whose event is in the store already), so
   * that no state from before that erasure is sealed again under a new key. `false`: the engine closed or
   * failed before it folded them, and nothing is written.
   */
  readonly erasuresFolded?: (tenantId: string) => Promise<boolean>;
  /** Puts a loaded tenant's state into the engine; `false` when it cannot (the engine already holds some of its events). */
  readonly restore: (tenantId: string, state: SavedEngineState) => boolean;
  /** How many events the engine holds for the tenant (for the default interval). */
  readonly eventsHeld: (tenantId: string) => number;
  /**
   * An engine with keys: its tenant snapshots are sealed with these snapshot keys as engine snapshots are
   * (docs/privacy.md), and a clear one, or one whose key an erasure deleted, is rejected (`key`).
   */
  readonly keys?: SnapshotKeys;
}

/** A worker's per-tenant snapshots (see {@link createTenantSnapshots}). */
export interface TenantSnapshots {
  /** Notes events folded for a tenant; schedules its snapshot once enough were folded since its last one. */
  folded(tenantId: string, count: number): void;
  /**
   * Loads a tenant's latest snapshot into the engine; answers the position it covers (`'start'`: no snapshot
   * loaded, read the tenant's whole history). A rejected snapshot is reported and replaced once the tenant is served.
   */
  load(tenantId: string): Promise<bigint | 'start'>;
  /** Writes the snapshots of these tenants now (those the worker serves and folded events of since their last one), one after another. */
  write(tenantIds: readonly string[]): Promise<void>;
  /** Resolves once the writes in flight are done. */
  settle(): Promise<void>;
  /** Writes these tenants' snapshots again whatever was folded since (after an erasure deleted the keys that sealed them). */
  rewrite(tenantIds: readonly string[]): Promise<void>;
  /** Stops the timed snapshots and resolves once the writes in flight are done (the worker is closing). */
  stop(): Promise<void>;
}

/** The default of `everyMs`: a small tenant's snapshot is at most about this old when its worker dies. */
export const DEFAULT_TENANT_SNAPSHOT_EVERY_MS = 30_000;
/** How long a due snapshot of a tenant not served for a moment (its lease renewal late) waits before trying again (ms). */
const RETRY_MS = 200;

/** The per-tenant snapshots of one worker. */
export function createTenantSnapshots(options: TenantSnapshotsOptions): TenantSnapshots {
  const { documents, baseKey, fingerprint } = options;
  // The document version last read or written per tenant key: the expected version of the next write.
  const versions = new Map<string, bigint>();
  const since = new Map<string, number>();
  const scheduled = new Set<string>();
  // Tenants whose stored snapshot was rejected: replaced as soon as they are served.
  const replace = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  // Timed snapshots: when each tenant's last snapshot was written or loaded (ms, monotonic), what writing it
  // cost, and the timer of a tenant with events folded since.
  const everyMs = options.everyMs ?? 0;
  const lastAt = new Map<string, number>();
  const lastCost = new Map<string, number>();
  // The size of each tenant's last snapshot: the next one's buffer starts about that large.
  const sizes = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let stopped = false;

  const foldedSince = (tenantId: string) => since.get(tenantId) ?? 0;

  function scheduleTimed(tenantId: string): void {
    if (everyMs === 0 || stopped || timers.has(tenantId)) return;
    const now = performance.now();
    if (!lastAt.has(tenantId)) lastAt.set(tenantId, now);
    const elapsed = now - lastAt.get(tenantId)!;
    const wait = Math.max(everyMs - elapsed, SNAPSHOT_COST_FACTOR * (lastCost.get(tenantId) ?? 0) - elapsed, 0);
    const timer = setTimeout(() => {
      timers.delete(tenantId);
      if (stopped || (foldedSince(tenantId) === 0 && !replace.has(tenantId))) return;
      if (options.serves(tenantId)) void enqueue(tenantId);
      // Held but not served this instant (its lease renewal late): tried again shortly.
      else if (options.folds(tenantId)) setTimeout(() => scheduleTimed(tenantId), RETRY_MS).unref();
    }, Math.ceil(wait));
    timer.unref();
    timers.set(tenantId, timer);
  }

  function due(tenantId: string): boolean {
    if (replace.has(tenantId)) return true;
    const last = lastAt.get(tenantId);
    return periodicSnapshotDue({
      folded: since.get(tenantId) ?? 0,
      everyEvents: options.everyEvents,
      held: options.everyEvents === undefined ? options.eventsHeld(tenantId) : 0,
      sinceLastMs: last === undefined ? Number.POSITIVE_INFINITY : performance.now() - last,
      lastCostMs: lastCost.get(tenantId) ?? 0,
    });
  }

  function schedule(tenantId: string, delayMs = 0): void {
    if (scheduled.has(tenantId)) return;
    scheduled.add(tenantId);
    const run = () => {
      scheduled.delete(tenantId);
      if (!due(tenantId)) return;
      if (options.serves(tenantId)) void enqueue(tenantId);
      // Held but not served this instant (a long fold delayed the lease renewal): tried again shortly, so a
      // due snapshot is not skipped until the next events arrive.
      else if (options.folds(tenantId)) schedule(tenantId, RETRY_MS);
    };
    if (delayMs === 0) setImmediate(run);
    else setTimeout(run, delayMs).unref();
  }

  function enqueue(tenantId: string): Promise<void> {
    const run = chain.then(() => writeOne(tenantId));
    chain = run.catch(() => undefined);
    return run;
  }

  async function writeOne(tenantId: string): Promise<void> {
    const key = tenantSnapshotKey(baseKey, tenantId);
    // Our key gone means another worker's or engine's erasure: its event is in the store, wait until it is folded.
    if (options.keys !== undefined && options.erasuresFolded !== undefined) {
      try {
        if ((await options.keys.revoked()) && !(await options.erasuresFolded(tenantId))) return;
      } catch (error) {
        // The key store or the store cannot answer (closed, unreachable): nothing is sealed this time.
        options.emit(Object.freeze({ kind: 'write-failed', key, tenantId, error }));
        options.logger.warn(`journey worker: snapshot of tenant '${tenantId}' not written: its key could not be checked (${(error as Error).message}); the previous one stays`);
        return;
      }
    }
    // Captured only while served: a tenant being caught up, or lost, is not complete here.
    if (!options.serves(tenantId)) return;
    // What the snapshot costs the worker: the capture, the encoding's work (in slices, the fold goes on
    // between them) and the write.
    const started = performance.now();
    const erasures = options.erasures?.();
    const captured = options.capture(tenantId);
    if (captured === undefined) return;
    const covered = since.get(tenantId) ?? 0;
    const capturedAt = performance.now();
    let bytes: Uint8Array;
    let events: number;
    let encoded: SlicedSnapshotEncoding;
    try {
      encoded = await encodeEngineSnapshotInSlices(captured.state, { fingerprint, position: captured.position, createdAt: options.clock() }, { sliceMs: options.sliceMs ?? DEFAULT_SNAPSHOT_SLICE_MS, sizeHint: sizes.get(tenantId) ?? 0 });
      sizes.set(tenantId, encoded.bytes.length);
      bytes = encoded.bytes;
      events = encoded.header.events;
    } catch (error) {
      options.emit(Object.freeze({ kind: 'write-failed', key, tenantId, error }));
      options.logger.warn(`journey worker: snapshot of tenant '${tenantId}' not taken: the state cannot be serialized (${(error as Error).message}); host projection states must be plain data`);
      return;
    }
    // An erasure meanwhile: the capture holds what it forgot. The next due snapshot captures again.
    if (options.erasures?.() !== erasures) return;
    const cost = capturedAt - started + encoded.busyMs;
    // Sealed with the key current now: an erasure since the capture would have stopped it above.
    if (options.keys !== undefined) {
      try {
        bytes = sealEngineSnapshot(encoded, await options.keys.current());
      } catch (error) {
        options.emit(Object.freeze({ kind: 'write-failed', key, tenantId, error }));
        options.logger.warn(`journey worker: snapshot of tenant '${tenantId}' not written: no snapshot key (${(error as Error).message})`);
        return;
      }
    }
    // Events folded while it was encoded are for the next one.
    since.set(tenantId, Math.max(0, (since.get(tenantId) ?? 0) - covered));
    const wasReplacing = replace.delete(tenantId);
    for (let attempt = 0; ; attempt++) {
      try {
        const { version } = await documents.write(key, bytes, { expectedVersion: versions.get(key) ?? 'absent' });
        versions.set(key, version);
        lastAt.set(tenantId, performance.now());
        lastCost.set(tenantId, cost);
        options.emit(Object.freeze({ kind: 'written', key, tenantId, position: captured.position, events, tenants: 1, bytes: bytes.length, version }));
        return;
      } catch (error) {
        // Somebody wrote since we last looked: a worker that held the tenant before (its last write landing
        // late), whose snapshot is older than ours. Replaced only while we still serve the tenant: a worker
        // that lost it never overwrites the new owner's.
        if (isDocumentVersionConflict(error) && attempt === 0 && options.serves(tenantId)) {
          if (error.actual === 'absent') versions.delete(key);
          else versions.set(key, error.actual);
          continue;
        }
        since.set(tenantId, (since.get(tenantId) ?? 0) + covered);
        if (wasReplacing) replace.add(tenantId);
        options.emit(Object.freeze({ kind: 'write-failed', key, tenantId, error }));
        options.logger.warn(`journey worker: snapshot of tenant '${tenantId}' not written (${(error as Error).message}); the previous one stays`);
        return;
      }
    }
  }

  function reject(key: string, tenantId: string, reason: SnapshotRejection, message: string): 'start' {
    replace.add(tenantId);
    options.emit(Object.freeze({ kind: 'rejected', key, tenantId, reason, message }));
    options.logger.warn(`journey worker: snapshot of tenant '${tenantId}' ('${key}') not loaded (${reason}: ${message}); catching the tenant up from the whole log`);
    return 'start';
  }

  return {
    folded(tenantId, count) {
      since.set(tenantId, (since.get(tenantId) ?? 0) + count);
      if (!options.folds(tenantId)) return;
      if (due(tenantId)) schedule(tenantId);
      else if (foldedSince(tenantId) > 0) scheduleTimed(tenantId);
    },
    async load(tenantId) {
      const key = tenantSnapshotKey(baseKey, tenantId);
      let document: Awaited<ReturnType<DocumentStore['read']>>;
      try {
        document = await documents.read(key);
      } catch (error) {
        const damaged = (error as { code?: unknown }).code === 'CORRUPT_DOCUMENT';
        return reject(key, tenantId, damaged ? 'checksum' : 'unreadable', damaged ? (error as Error).message : `the store could not read it (${(error as Error).message})`);
      }
      if (document === undefined) {
        options.emit(Object.freeze({ kind: 'none', key, tenantId }));
        return 'start';
      }
      versions.set(key, document.version);
      const decoded = await decodeTenantSnapshot(document.value);
      if (!decoded.ok) return reject(key, tenantId, decoded.reason, decoded.message);
      const held = decoded.state.tenants.map((t) => t.tenantId);
      if (held.length !== 1 || held[0] !== tenantId) return reject(key, tenantId, 'unreadable', `it holds tenant(s) ${JSON.stringify(held)}, not '${tenantId}'`);
      if (!options.restore(tenantId, decoded.state)) {
        options.logger.warn(`journey worker: snapshot of tenant '${tenantId}' not loaded: this worker already holds some of its events; catching the tenant up from the whole log`);
        return 'start';
      }
      since.set(tenantId, 0);
      lastAt.set(tenantId, performance.now());
      options.emit(
        Object.freeze({ kind: 'loaded', key, tenantId, position: decoded.position, events: decoded.header.events, tenants: 1, bytes: document.value.length, version: document.version }),
      );
      options.logger.info(`journey worker: loaded the snapshot of tenant '${tenantId}' (${decoded.header.events} events, position ${String(decoded.position)}); reading the store after it`);
      return decoded.position ?? 'start';
    },
    async write(tenantIds) {
      // A tenant with nothing folded since its snapshot was loaded or written needs no new one.
      for (const tenantId of tenantIds) if ((since.get(tenantId) ?? 0) > 0 || replace.has(tenantId)) await enqueue(tenantId);
    },
    settle: () => chain,
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await chain;
    },
    async rewrite(tenantIds) {
      for (const tenantId of tenantIds) {
        replace.add(tenantId);
        await enqueue(tenantId);
      }
    },
  };

  /** A tenant snapshot's bytes decoded: opened with the snapshot keys when sealed, refused when they do not match. */
  async function decodeTenantSnapshot(bytes: Uint8Array): Promise<DecodedEngineSnapshot> {
    const sealed = isSealedEngineSnapshot(bytes);
    if (options.keys === undefined) {
      return sealed ? { ok: false, reason: 'key', message: 'sealed with a snapshot key: only a worker given the key store (keys) can open it' } : decodeEngineSnapshot(bytes, fingerprint);
    }
    if (!sealed) return { ok: false, reason: 'key', message: 'not sealed, while this worker seals personal fields: it would hold them in clear' };
    const keys = options.keys;
    return openSealedEngineSnapshot(bytes, fingerprint, (id) => keys.find(id));
  }
}
