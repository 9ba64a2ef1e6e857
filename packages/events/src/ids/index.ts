import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** A new ULID event id: sortable by creation time, unique. */
export function newEventId(now: number = Date.now()): string {
  return nextUlid(now);
}
