// What every operational view (operations.md) shares: the half-open period, keyed counts that add up, the
// case a reference ends at after merges, and deterministic sums.
import type { CaseLookup, ReportWindow } from '../model/index.js';

/** Whether an instant is in the metrics period `[from, to)`. */
export function inPeriod(at: number, window: ReportWindow): boolean {
  return at >= window.from && at < window.to;
}

/** An instant as the report writes it (ISO 8601, UTC, milliseconds). */
export function iso(at: number): string {
  return new Date(at).toISOString();
}

/** A record with its keys sorted (plain string order), values as given. */
export function sortedRecord<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key of Object.keys(record).sort()) define(out, key, record[key]!);
  return out;
}

/** Adds `n` under `key` (own property: a key named "__proto__" is a key). */
export function bump(record: Record<string, number>, key: string, n = 1): void {
  define(record, key, (Object.prototype.hasOwnProperty.call(record, key) ? record[key]! : 0) + n);
}

/** Sets an own property, whatever the key. */
export function define<V>(record: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The key-by-key sum of two records of counts, keys sorted. */
export function addKeyed(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(a)) bump(out, k, n);
  for (const [k, n] of Object.entries(b)) bump(out, k, n);
  return sortedRecord(out);
}

/** Two records of lists joined key by key (`a`'s entries first), keys sorted. */
export function concatKeyed<V>(a: Readonly<Record<string, readonly V[]>>, b: Readonly<Record<string, readonly V[]>>): Record<string, V[]> {
  const out: Record<string, V[]> = {};
  for (const [k, list] of [...Object.entries(a), ...Object.entries(b)]) {
    if (Object.prototype.hasOwnProperty.call(out, k)) out[k]!.push(...list);
    else define(out, k, [...list]);
  }
  return sortedRecord(out);
}

/**
 * The sum of amounts added in ascending order: floating-point addition depends on order, and a report must
 * not depend on how the events were grouped (input order, shards).
 */
export function exactOrderSum(amounts: readonly number[]): number {
  const sorted = Float64Array.from(amounts).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return sum;
}

/** `n / d`, `null` for a zero denominator (domain.md, Metrics). */
export function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/** The case an id names after following case merges (the id itself when unknown). */
export function routedCaseId(cases: CaseLookup, caseId: string): string {
  let id = caseId;
  for (let c = cases.getCase(id); c?.mergedInto !== undefined; c = cases.getCase(id)) id = c.mergedInto;
  return id;
}

/** Plain string order, for sorting ids and keys. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
