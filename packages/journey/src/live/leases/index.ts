import { isDocumentVersionConflict, type DocumentStore } from '@omnitrail/eventstore';

/**
 * Named leases kept in a store's documents (`store.documents`), so that workers over one shared store can
 * agree on who does what (which worker folds which tenant) without any other coordination service. A lease
 * is a small JSON document `{ owner, expiresAt }`; every change is a compare-and-set on the document's
 * version, and versions only go up, so two workers can never both win the same change. A holder believes it
 * holds a lease only while its clock is before `expiresAt`, and another worker takes it over only once its
 * clock is at or past `expiresAt`: with clocks that agree, two workers never both hold a lease at one instant.
 * Clocks that drift apart by `d` ms need `leaseMs` well above `d` (see docs/workers.md).
 */

/** The prefix of every lease's document key. */
export const LEASE_KEY_PREFIX = 'lease:';

/** Options of {@link createLeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** Where the leases are kept: the shared store's documents. */
  readonly documents: DocumentStore;
  /** The worker's id, written into the leases it holds (1 to 120 characters). */
  readonly owner: string;
  /** How long an acquired or renewed lease lasts (ms, a positive integer). */
  readonly leaseMs: number;
  /** The keeper's clock (ms); `Date.now` by default. Tests pass a fake one. */
  readonly clock?: () => number;
}

/** A lease as stored: who holds it and until when (plain, frozen data). */
export interface LeaseState {
  readonly name: string;
  readonly owner: string;
  /** The instant (ms, by the writer's clock) the lease ends unless renewed. */
  readonly expiresAt: number;
  /** The lease document's version (changes on every acquire, renew or release). */
  readonly version: bigint;
}

/**
 * What an acquire or renew answers: `held` (the lease is this worker's until `lease.expiresAt`), or `taken`
 * (another worker holds it: `lease` says who, so a host can route to it).
 */
export type LeaseOutcome =
  | { readonly status: 'held'; readonly lease: LeaseState }
  | { readonly status: 'taken'; readonly lease: LeaseState };

/** Acquires, renews and releases named leases for one worker (see {@link createLeaseKeeper}). */
export interface LeaseKeeper {
  readonly owner: string;
  readonly leaseMs: number;
  /**
   * Takes the lease if nobody holds it, it has expired, or this worker already holds it (then it is
   * renewed). Answers `taken` with the holder otherwise, or when another worker won the race.
   */
  acquire(name: string): Promise<LeaseOutcome>;
  /**
   * Extends a lease this worker holds. Answers `taken` when another worker took it over in the meantime,
   * and `undefined` when the lease is gone (released, or never held): the caller has lost it either way.
   */
  renew(name: string): Promise<LeaseOutcome | undefined>;
  /** Gives the lease up if this worker holds it (others can take it at once); answers whether it did. */
  release(name: string): Promise<boolean>;
  /** The lease as stored now (`undefined`: none), whoever holds it, expired or not. */
  read(name: string): Promise<LeaseState | undefined>;
  /** Whether this worker holds `name` now, by the last lease it acquired or renewed and its clock. */
  holds(name: string): boolean;
}

/** A lease keeper's option was invalid: `field` names it. */
export class LeaseOptionsError extends Error {
  readonly code = 'INVALID_LEASE_OPTIONS';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`invalid lease option '${field}': ${reason}`);
    this.name = 'LeaseOptionsError';
  }
}

/** A lease document that is not `{ owner, expiresAt }` JSON: somebody else wrote under the key. */
export class CorruptLeaseError extends Error {
  readonly code = 'CORRUPT_LEASE';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`lease document '${key}' is not a lease: ${reason}`);
    this.name = 'CorruptLeaseError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The document key of the lease named `name`. */
export function leaseKey(name: string): string {
  return `${LEASE_KEY_PREFIX}${name}`;
}

/**
 * A lease keeper for one worker over `documents`. It remembers the version of every lease it wrote, so a
 * renew succeeds only if nobody changed the lease since: a worker that paused past its lease and was taken
 * over learns it lost the lease instead of overwriting the new holder.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { documents, owner, leaseMs } = options;
  if (documents === null || typeof documents !== 'object' || typeof documents.write !== 'function') {
    throw new LeaseOptionsError('documents', 'expected a DocumentStore (store.documents)');
  }
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 120) {
    throw new LeaseOptionsError('owner', 'expected a string of 1 to 120 characters');
  }
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
    throw new LeaseOptionsError('leaseMs', `expected a positive integer, got ${String(leaseMs)}`);
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new LeaseOptionsError('clock', 'expected a function returning milliseconds');
  }
  const clock = options.clock ?? Date.now;
  // The leases this worker last wrote (acquired or renewed), by name.
  const mine = new Map<string, LeaseState>();

  async function read(name: string): Promise<LeaseState | undefined> {
    const key = leaseKey(name);
    const document = await documents.read(key);
    if (document === undefined) return undefined;
    return decodeLease(name, key, document.value, document.version);
  }

  // `undefined`: the write lost a race and the lease is gone now (released by the winner).
  async function write(name: string, expected: 'absent' | bigint): Promise<LeaseOutcome | undefined> {
    const expiresAt = clock() + leaseMs;
    try {
      const { version } = await documents.write(leaseKey(name), encodeLease(owner, expiresAt), { expectedVersion: expected });
      const lease = Object.freeze({ name, owner, expiresAt, version });
      mine.set(name, lease);
      return Object.freeze({ status: 'held', lease });
    } catch (error) {
      if (!isDocumentVersionConflict(error)) throw error;
      mine.delete(name);
      // Another worker changed the lease between our read and write: it won; report who holds it now.
      const current = await read(name);
      return current === undefined ? undefined : Object.freeze({ status: 'taken', lease: current });
    }
  }

  return Object.freeze({
    owner,
    leaseMs,
    read,
    async acquire(name: string): Promise<LeaseOutcome> {
      checkName(name);
      // A lost race against a release leaves the lease free: try again (each retry follows another worker's change).
      for (;;) {
        const current = await read(name);
        const outcome =
          current === undefined
            ? await write(name, 'absent')
            : current.owner === owner || clock() >= current.expiresAt
              ? await write(name, current.version)
              : (mine.delete(name), Object.freeze({ status: 'taken' as const, lease: current }));
        if (outcome !== undefined) return outcome;
      }
    },
    async renew(name: string): Promise<LeaseOutcome | undefined> {
      checkName(name);
      const last = mine.get(name);
      if (last === undefined) return undefined;
      return write(name, last.version);
    },
    async release(name: string): Promise<boolean> {
      checkName(name);
      const last = mine.get(name);
      mine.delete(name);
      if (last === undefined) return false;
      try {
        return await documents.delete(leaseKey(name), { expectedVersion: last.version });
      } catch (error) {
        if (isDocumentVersionConflict(error)) return false;
        throw error;
      }
    },
    holds(name: string): boolean {
      const last = mine.get(name);
      return last !== undefined && clock() < last.expiresAt;
    },
  });
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200 - LEASE_KEY_PREFIX.length) {
    throw new LeaseOptionsError('name', `expected a lease name of 1 to ${200 - LEASE_KEY_PREFIX.length} characters`);
  }
}

function encodeLease(owner: string, expiresAt: number): Uint8Array {
  return encoder.encode(JSON.stringify({ owner, expiresAt }));
}

function decodeLease(name: string, key: string, value: Uint8Array, version: bigint): LeaseState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value));
  } catch {
    throw new CorruptLeaseError(key, 'not JSON');
  }
  const record = parsed as { owner?: unknown; expiresAt?: unknown } | null;
  if (record === null || typeof record !== 'object' || typeof record.owner !== 'string' || typeof record.expiresAt !== 'number') {
    throw new CorruptLeaseError(key, 'expected { owner: string, expiresAt: number }');
  }
  return Object.freeze({ name, owner: record.owner, expiresAt: record.expiresAt, version });
}
