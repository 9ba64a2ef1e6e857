import type { OrderedEvent } from '../definition/index.js';

/**
 * The order of events within a partition: by `occurredAt` (as numbers when both carry `at`), then by `id`
 * (plain string comparison, as JavaScript `<`). Returns a negative number, zero (same position: the same event) or a positive number.
 */
export function compareEvents(a: OrderedEvent, b: OrderedEvent): number {
  const am = a.at;
  const bm = b.at;
  if (am !== undefined && bm !== undefined) {
    if (am !== bm) return am < bm ? -1 : 1;
  } else if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** The first index in sorted `events` whose event sorts after `event` (where `event` belongs). */
export function insertionIndex(events: readonly OrderedEvent[], event: OrderedEvent): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEvents(events[mid]!, event) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many events of sorted `events` occurred at or before `asOf` (an ISO UTC instant). */
export function countAtOrBefore(events: readonly OrderedEvent[], asOf: string): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.occurredAt <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An instant as the ISO UTC form events carry, so it compares as a string. */
export type Instant = string | number | Date;

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Normalises an `asOf` instant (ISO string with offset, epoch milliseconds, or Date) to
 * `YYYY-MM-DDTHH:mm:ss.sssZ`. Throws a RangeError for an unparseable instant.
 */
export function toIsoInstant(asOf: Instant): string {
  if (typeof asOf === 'string' && ISO_UTC_MS.test(asOf)) return asOf;
  const ms = typeof asOf === 'string' ? Date.parse(asOf) : typeof asOf === 'number' ? asOf : asOf.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`asOf ${String(asOf)} is not a valid instant; pass an ISO-8601 string with offset, epoch milliseconds or a Date`);
  return new Date(ms).toISOString();
}
