// The property helpers of the test kit, usable from any runner (vitest, jest, node:test): they throw on a
// failure and import nothing of a test framework.
import fc from 'fast-check';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import type { JourneyConfig, ReplayOptions, ReplayResult } from '@omnitrail/journey';
import type { TenantJourneysOptions } from '../arbitraries/tenant.js';
import type { RawEvent } from '@omnitrail/workload';

/** The replay function the suite checks: `replayReport` of `@omnitrail/journey` by default. */
export type ReplayReportFn = (options: ReplayOptions) => ReplayResult;


/** Options of `journeyInvariants`. */
export interface JourneyInvariantOptions {
  /** Title of the `describe` block. */
  name?: string;
  /** Runs per property. Default `OMNITRAIL_FC_RUNS` or 25. */
  numRuns?: number;
  /** Seed; default `OMNITRAIL_SEED` or random (printed on failure). */
  seed?: number;
  /** Generator options for the journeys (small by default so the suite stays fast). */
  journeys?: TenantJourneysOptions;
  /** Tenant configuration passed to every replay. */
  config?: Partial<JourneyConfig>;
  /** The replay under test. Default `replayReport`. */
  replay?: ReplayReportFn;
  /** Run the live-engine properties (batching, redelivery, restart). Default true. */
  engine?: boolean;
}

/**
 * fast-check parameters from the environment: `OMNITRAIL_SEED` (a failing run's seed), `OMNITRAIL_FC_PATH`
 * (its shrink path, to replay the shrunk case at once) and `OMNITRAIL_FC_RUNS` (more runs, e.g. nightly).
 */
export function fcParameters(defaults: { numRuns?: number; seed?: number } = {}): { numRuns: number; seed?: number; path?: string } {
  const env = typeof process === 'undefined' ? {} : process.env;
  const runs = Number(env.OMNITRAIL_FC_RUNS);
  const seed = env.OMNITRAIL_SEED !== undefined && env.OMNITRAIL_SEED !== '' ? Number(env.OMNITRAIL_SEED) : defaults.seed;
  const out: { numRuns: number; seed?: number; path?: string } = { numRuns: Number.isInteger(runs) && runs > 0 ? runs : (defaults.numRuns ?? 25) };
  if (seed !== undefined && Number.isFinite(seed)) out.seed = seed;
  if (env.OMNITRAIL_FC_PATH) out.path = env.OMNITRAIL_FC_PATH;
  return out;
}

/**
 * Runs a property like `fc.assert`, but on failure throws fast-check's report (seed, path, shrunk
 * counterexample) followed by the environment variables that reproduce it.
 */
export async function assertProperty<Ts>(property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, params: fc.Parameters<Ts>): Promise<void> {
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, params);
  if (!details.failed) return;
  const hint = `Reproduce with: OMNITRAIL_SEED=${details.seed} OMNITRAIL_FC_PATH="${details.counterexamplePath ?? ''}"`;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? '');
  throw new Error(`${fc.defaultReportMessage(details)}\n${hint}\n\nFailure of the shrunk case:\n${cause}`);
}

/** Parses raw events (they are generated valid; a failure here is a generator bug). */
export function parseAll(events: readonly RawEvent[]): CatalogEvent[] {
  return events.map((e) => parseEventOrThrow(e));
}

/** Paths (`cases.open.0.status`) where two JSON values differ, with both values; at most `limit`. */
export function jsonDifferences(actual: unknown, expected: unknown, limit = 12): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path || '(root)'}: ${JSON.stringify(a)} ≠ expected ${JSON.stringify(b)}`);
  };
  walk(actual, expected, '');
  return out;
}

/** Asserts byte-identical JSON, naming the differing paths when it is not. */
export function expectSameJson(actual: unknown, expected: unknown, what = 'report'): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a === b) return;
  const diffs = jsonDifferences(actual === undefined ? null : JSON.parse(a ?? 'null'), expected === undefined ? null : JSON.parse(b ?? 'null'));
  throw new Error(`${what} differs:\n  ${diffs.length > 0 ? diffs.join('\n  ') : 'same values, different key order or formatting'}`);
}


/** A deterministic permutation (seeded Fisher-Yates), so shuffles shrink with their seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}




