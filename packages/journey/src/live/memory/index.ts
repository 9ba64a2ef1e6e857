// Bounded memory (docs/durable-engine.md, "Bounded memory"): the engine's settings for evicting events
// older than a horizon, and the counters it keeps of what eviction costs (re-reads of a tenant's history).
import type { RecordSpillOptions } from '../record-spill/index.js';

/** `createJourneyEngine({ memory })`: how much of each tenant's history the engine holds in memory. */
export interface JourneyMemoryOptions {
  /**
   * Events older than this (ms of event time, before the tenant's latest event) leave memory; what they
   * contributed stays in the state (host projections' partitions keep it as a base state). A later event
   * that sorts before them, a merge of two customers that both have evicted events (with host projections:
   * any merge that moves a customer with evicted events to another survivor), an unmerge of one, or an
   * erasure re-read the tenant's history from the store.
   */
  horizonMs: number;
  /** Evict in steps of at least this many events per tenant (default 10,000): each step costs a pass over the held ones. */
  minEvictEvents?: number;
  /**
   * Where the records of customers gone quiet (every event evicted) are kept: by default their bytes go to a
   * file of the engine's own in the system's temporary directory (`{ directory }` to choose another), so that
   * the heap does not grow with them; `false` keeps them packed in memory (docs/durable-engine.md, "Settled
   * records spilled"). The file is removed as soon as it is opened where the system allows it, and holds
   * nothing a restart needs (snapshots go through the store).
   */
  spill?: false | RecordSpillOptions;
}

/** The resolved settings. */
export interface MemorySettings {
  readonly horizonMs: number;
  readonly minEvictEvents: number;
  /** `undefined`: records stay packed in memory. */
  readonly spill: RecordSpillOptions | undefined;
}

/** What bounded memory did so far (`engine.memoryStats()`): frozen plain data. */
export interface JourneyMemoryStats {
  /** The horizon (ms), or `null` when the engine holds every event. */
  readonly horizonMs: number | null;
  /** Events held in memory, over all tenants. */
  readonly heldEvents: number;
  /** Events evicted so far (an event evicted again after a re-read counts again). */
  readonly evictedEvents: number;
  /** Tenant histories re-read from the store to fold an event, a merge or an erasure that needed them. */
  readonly rehydrations: number;
  /** Events read by those re-reads, and the time they took (ms, reading and folding). */
  readonly rehydratedEvents: number;
  readonly rehydrateMs: number;
  /**
   * Merges of customers that each had evicted events, followed by reading the merged group's events back
   * from its streams and re-folding the group alone (instead of re-reading the tenant); the events read, and
   * the time the reads took (ms).
   */
  readonly groupReads: number;
  readonly groupReadEvents: number;
  readonly groupReadMs: number;
  /** As-of queries before a tenant's horizon, answered from the store (`foldAsOfFromStore`, `reportFromStore`). */
  readonly historyReads: number;
  readonly historyReadEvents: number;
  readonly historyReadMs: number;
  /**
   * Customer records packed into bytes (docs/durable-engine.md, "Settled records packed"): held now (over all
   * tenants, counted once however many fold states share one), their bytes (held as strings on V8's heap), and,
   * since the engine started, how many records were packed and how many were unpacked again because their
   * customer came back.
   */
  readonly packedRecords: number;
  readonly packedRecordBytes: number;
  readonly recordsPacked: number;
  readonly recordsUnpacked: number;
  /**
   * Of the packed records held now, how many are spilled to disk (`memory.spill`) and their bytes; the spill's
   * files on disk (dead records included until their part of the file is compacted); records read back from it
   * since the start; and why it stopped taking records (they then stay packed in memory), or `null`.
   */
  readonly spilledRecords: number;
  /**
   * Case records packed into bytes (docs/durable-engine.md, "Settled cases packed": settled cases that are not
   * open), held now, their bytes, and of them how many are spilled to disk with `memory.spill`, and their bytes.
   */
  readonly packedCases: number;
  readonly packedCaseBytes: number;
  readonly spilledCases: number;
  readonly spilledCaseBytes: number;
  /**
   * The views' full fact chunks (4,096 rows each) packed into bytes (docs/durable-engine.md, "Views' facts
   * packed"), held now, and their bytes (spilled with the records when the engine spills).
   */
  readonly packedFactChunks: number;
  readonly packedFactChunkBytes: number;
  readonly spilledRecordBytes: number;
  readonly spillFileBytes: number;
  readonly spillReads: number;
  readonly spillError: string | null;
}

/** Thrown by a synchronous as-of read whose instant is before the events a tenant still holds. */
export interface BeyondHorizonError extends Error {
  readonly code: 'BEYOND_HORIZON';
  readonly tenantId: string;
  readonly asOf: string;
  /** The instant of the last event evicted from the tenant. */
  readonly horizon: string;
}

/** Builds a {@link BeyondHorizonError} naming the tenant, the instant asked and the async method to use. */
export function beyondHorizonError(tenantId: string, asOf: number, horizon: number): BeyondHorizonError {
  const asOfText = new Date(asOf).toISOString();
  const horizonText = new Date(horizon).toISOString();
  const error = new Error(
    `asOf ${asOfText} is before tenant "${tenantId}"'s memory horizon (${horizonText}: older events left memory); use await engine.foldAsOfFromStore() or engine.reportFromStore(), which re-read the tenant's history from the store`,
  );
  error.name = 'BeyondHorizonError';
  return Object.assign(error, { code: 'BEYOND_HORIZON' as const, tenantId, asOf: asOfText, horizon: horizonText });
}

/** Validates `memory` (each error names the field and the reason). */
export function resolveMemorySettings(options: JourneyMemoryOptions | undefined, standard: boolean): MemorySettings | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new TypeError('createJourneyEngine: memory must be an object such as { horizonMs: 30 * 86_400_000 }');
  const { horizonMs, minEvictEvents = 10_000, spill = {} } = options;
  if (typeof horizonMs !== 'number' || !Number.isFinite(horizonMs) || horizonMs <= 0) {
    throw new TypeError(`createJourneyEngine: memory.horizonMs must be a positive number of milliseconds (got ${String(horizonMs)})`);
  }
  if (typeof minEvictEvents !== 'number' || !Number.isInteger(minEvictEvents) || minEvictEvents < 1) {
    throw new TypeError(`createJourneyEngine: memory.minEvictEvents must be a positive integer (got ${String(minEvictEvents)})`);
  }
  // An eviction cuts at a fold snapshot of the standard state, and the standard fold is what tells when a
  // merge or an unmerge reaches evicted events; an identity-only engine keeps neither (docs/durable-engine.md).
  if (!standard) {
    throw new TypeError(
      'createJourneyEngine: memory needs the standard projections (standardProjections: false folds identity only, without the exact fold points evictions cut at and the merge bookkeeping that tells when evicted events are needed)',
    );
  }
  if (spill !== false && (spill === null || typeof spill !== 'object')) {
    throw new TypeError(`createJourneyEngine: memory.spill must be false or an object such as { directory: '/var/tmp' } (got ${String(spill)})`);
  }
  if (spill !== false && spill.directory !== undefined && (typeof spill.directory !== 'string' || spill.directory.length === 0)) {
    throw new TypeError(`createJourneyEngine: memory.spill.directory must be a non-empty path (got ${JSON.stringify(spill.directory)})`);
  }
  return { horizonMs, minEvictEvents, spill: spill === false ? undefined : spill };
}
