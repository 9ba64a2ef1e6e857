/**
 * `$all` positions between the port and EventStoreDB.
 *
 * EventStoreDB positions are `{ commit, prepare }` pairs of transaction-log offsets, ordered by commit then
 * prepare. Every event appended through the gRPC API (no explicit transaction) has `commit === prepare`, and
 * its commit position is unique and increases in `$all` order, so the port position is the commit position,
 * and a port position `p` maps back to `{ commit: p, prepare: p }`. Both are exact for such events.
 *
 * Events written in explicit transactions (the legacy TCP API) share their transaction's commit position;
 * such stores are not supported: their events would get equal port positions.
 */

/** An EventStoreDB `$all` position, as `@eventstore/db-client` has it. */
export interface EventStoreDbPosition {
  commit: bigint;
  prepare: bigint;
}

/** The port position (a bigint) of an EventStoreDB position: its commit position. */
export function fromEventStoreDbPosition(position: EventStoreDbPosition): bigint {
  return position.commit;
}

/** The EventStoreDB position of a port position: `{ commit: p, prepare: p }`. */
export function toEventStoreDbPosition(position: bigint): EventStoreDbPosition {
  return { commit: position, prepare: position };
}
