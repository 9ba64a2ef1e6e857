import { instantMs, type CatalogEvent } from '@omnitrail/events';
import { caseOpCode } from '../core/cases/fold.js';
import { channelNumber } from '../core/customers/codes.js';
import { namedOnlyCustomer } from '../core/identity/index.js';

/**
 * Reads events that a {@link ReplayEventLog} no longer holds in memory (they were spilled, say to a file):
 * calls `visit(i, event)` for each `positions[i]`. Positions come in ascending order, so a reader over an
 * append-only file reads it forwards.
 */
export interface SpilledEventReader {
  read(positions: ArrayLike<number>, visit: (index: number, event: CatalogEvent) => void): void;
  /**
   * Optional: the events at `positions` (any order, each at most once) handed back in that order, for a
   * fold that reads every event once in an order of its own (customer by customer). A spill file regroups
   * its lines once, so that this reads forwards; without it the log reads windows of positions, sorted,
   * through `read`, which re-reads a file once per window.
   */
  inOrder?(positions: Int32Array): EventSequence;
  /** Events the fold reads back at a time (default {@link SPILLED_WINDOW_EVENTS}). */
  readonly windowEvents?: number;
}

/** Events handed back in an order fixed in advance, a run at a time. */
export interface EventSequence {
  /** How many events to ask for at a time: small when they come cheaply in order, so they die young. */
  readonly runEvents: number;
  /** Fills `out[0 .. count)` with the next `count` events. */
  next(out: CatalogEvent[], count: number): void;
  /** Releases what the sequence holds (a spill file deletes its regrouped copy). */
  close(): void;
}

/**
 * Events the customer projections read back at a time from a spilled log: the events of one window of
 * the customer-grouped order are read together (in log order, so a spill file is read forwards), folded,
 * then dropped.
 */
export const SPILLED_WINDOW_EVENTS = 1 << 16;

/**
 * One tenant's events in a log, as parallel columns in input order (the first `count` entries of each):
 * what the batch fold needs of each event without reading the event itself. Typed arrays where they can
 * be, so a spilled log costs a few dozen bytes per event.
 */
export interface TenantEventColumns {
  readonly tenantId: string;
  readonly count: number;
  /** Each event's position in the log. */
  readonly positions: Int32Array;
  /** `instantMs(occurredAt)`. */
  readonly ats: Float64Array;
  readonly ids: readonly string[];
  /** For an event that only names its customer, that customer's index in `namedIds`; else -1. */
  readonly named: Int32Array;
  readonly namedIds: readonly string[];
  /** The event's case index in `caseIds`, or -1 without a caseId. */
  readonly cases: Int32Array;
  readonly caseIds: readonly string[];
  /** For an event with a case: the cases fold's op code, and its channel's `channelNumber` (-1: none). */
  readonly ops: Uint8Array;
  readonly channels: Int32Array;
}

/**
 * The accepted events of a replay, in input order: per tenant the columns the batch fold reads, and the
 * events themselves, either all in memory or, once {@link ReplayEventLog.spill} was called, only those
 * identity resolution reads (the ~3% that do more than name their customer), the rest read back through
 * a {@link SpilledEventReader} when the fold needs them. That bounds a replay's memory by the columns and
 * the projections' state rather than by the events.
 */
export interface ReplayEventLog {
  /** Appends an accepted, distinct event. */
  add(event: CatalogEvent): void;
  /** Events added. */
  readonly size: number;
  /** Earliest and latest `occurredAt` (ms) of every event; ±Infinity when empty. */
  readonly minAt: number;
  readonly maxAt: number;
  /** Per tenant, its columns, tenants in order of first appearance. */
  readonly tenants: ReadonlyMap<string, TenantEventColumns>;
  /** Whether events were spilled (only identity's events stay in memory). */
  readonly spilled: boolean;
  /** Drops from memory every event identity resolution does not read; later reads go through `reader`. Once. */
  spill(reader: SpilledEventReader): void;
  /** The event at a position, if it is held in memory. */
  held(position: number): CatalogEvent | undefined;
  /** The event at a position: held, or read back from the spill. */
  event(position: number): CatalogEvent;
  /** Calls `visit(i, event)` for each `positions[i]` (ascending), from memory or the spill reader. */
  read(positions: ArrayLike<number>, visit: (index: number, event: CatalogEvent) => void): void;
  /** The events at `positions`, in that order (any order, each at most once), a run at a time. */
  sequence(positions: Int32Array): EventSequence;
  /** Every event in input order (read back from the spill when spilled: as large as the input). */
  events(): CatalogEvent[];
}

/** Small integers for strings, in first-seen order. */
interface Interner {
  readonly values: string[];
  indexOf(value: string): number;
}

function createInterner(values: string[]): Interner {
  const index = new Map<string, number>();
  let last: string | undefined;
  let lastIndex = -1;
  return {
    values,
    indexOf(value) {
      // Inputs are often grouped by customer (and a case's events consecutive): a run skips the lookup.
      if (value === last) return lastIndex;
      let i = index.get(value);
      if (i === undefined) {
        index.set(value, (i = values.length));
        values.push(value);
      }
      last = value;
      lastIndex = i;
      return i;
    },
  };
}

interface TenantBuilder {
  columns: MutableColumns;
  named: Interner;
  cased: Interner;
}

type MutableColumns = { -readonly [K in keyof TenantEventColumns]: TenantEventColumns[K] } & { ids: string[]; namedIds: string[]; caseIds: string[] };

function tenantBuilder(tenantId: string, capacity: number): TenantBuilder {
  const columns: MutableColumns = {
    tenantId,
    count: 0,
    positions: new Int32Array(capacity),
    ats: new Float64Array(capacity),
    ids: [],
    named: new Int32Array(capacity),
    namedIds: [],
    cases: new Int32Array(capacity),
    caseIds: [],
    ops: new Uint8Array(capacity),
    channels: new Int32Array(capacity),
  };
  return { columns, named: createInterner(columns.namedIds), cased: createInterner(columns.caseIds) };
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(column: T, capacity: number): T {
  const next = new (column.constructor as new (n: number) => T)(capacity);
  next.set(column);
  return next;
}

function grow(c: MutableColumns): void {
  const capacity = c.positions.length * 2;
  c.positions = grown(c.positions, capacity);
  c.ats = grown(c.ats, capacity);
  c.named = grown(c.named, capacity);
  c.cases = grown(c.cases, capacity);
  c.ops = grown(c.ops, capacity);
  c.channels = grown(c.channels, capacity);
}

/**
 * Creates an empty log (events held in memory until {@link ReplayEventLog.spill}). `expectedEvents` sizes
 * the first tenant's columns, so a caller that knows how many events come (one tenant's fold) never
 * copies them while they grow.
 */
export function createReplayEventLog(expectedEvents = 0): ReplayEventLog {
  let firstCapacity = Math.max(1024, expectedEvents);
  // By position: every event, or after a spill only identity's (the rest are holes).
  const kept: (CatalogEvent | undefined)[] = [];
  const builders = new Map<string, TenantBuilder>();
  const tenants = new Map<string, TenantEventColumns>();
  let last: TenantBuilder | undefined;
  let minAt = Number.POSITIVE_INFINITY;
  let maxAt = Number.NEGATIVE_INFINITY;
  let reader: SpilledEventReader | undefined;
  const log: ReplayEventLog = {
    add(event) {
      // An erasure is a record of what was done to the log, not a touchpoint: folded, it would count as the
      // erased customer's latest activity (docs/privacy.md). The live engine skips it the same way.
      if (event.type === 'CustomerErased') return;
      const position = kept.length;
      // Events that only name their customer are all identity needs to know of them; the others it reads.
      const customer = namedOnlyCustomer(event);
      kept.push(reader === undefined || customer === undefined ? event : undefined);
      let b = last;
      if (b === undefined || b.columns.tenantId !== event.tenantId) {
        b = builders.get(event.tenantId);
        if (b === undefined) {
          builders.set(event.tenantId, (b = tenantBuilder(event.tenantId, firstCapacity)));
          firstCapacity = 1024;
          tenants.set(event.tenantId, b.columns);
        }
        last = b;
      }
      const c = b.columns;
      const k = c.count;
      if (k === c.positions.length) grow(c);
      const at = instantMs(event.occurredAt);
      if (at < minAt) minAt = at;
      if (at > maxAt) maxAt = at;
      c.positions[k] = position;
      c.ats[k] = at;
      c.ids.push(event.id);
      c.named[k] = customer === undefined ? -1 : b.named.indexOf(customer);
      const caseId = event.caseId;
      if (caseId === undefined) c.cases[k] = -1;
      else {
        c.cases[k] = b.cased.indexOf(caseId);
        c.ops[k] = caseOpCode(event);
        c.channels[k] = event.channel === undefined ? -1 : channelNumber(event.channel);
      }
      c.count = k + 1;
    },
    get size() {
      return kept.length;
    },
    get minAt() {
      return minAt;
    },
    get maxAt() {
      return maxAt;
    },
    tenants,
    get spilled() {
      return reader !== undefined;
    },
    spill(to) {
      if (reader !== undefined) throw new Error('the replay event log is already spilled');
      reader = to;
      for (let p = 0; p < kept.length; p++) {
        const event = kept[p];
        if (event !== undefined && namedOnlyCustomer(event) !== undefined) kept[p] = undefined;
      }
    },
    held: (position) => kept[position],
    event(position) {
      const held = kept[position];
      if (held !== undefined) return held;
      let event: CatalogEvent | undefined;
      log.read([position], (_, e) => (event = e));
      return event!;
    },
    read(positions, visit) {
      if (reader === undefined) {
        for (let i = 0; i < positions.length; i++) visit(i, kept[positions[i]!]!);
        return;
      }
      reader.read(positions, visit);
    },
    sequence(positions) {
      if (reader?.inOrder !== undefined) return reader.inOrder(positions);
      let at = 0;
      return {
        runEvents: reader === undefined ? positions.length : Math.max(1, reader.windowEvents ?? SPILLED_WINDOW_EVENTS),
        next(out, count) {
          if (reader === undefined) for (let i = 0; i < count; i++) out[i] = kept[positions[at + i]!]!;
          else readByPosition(log, positions.subarray(at, at + count), out);
          at += count;
        },
        close() {},
      };
    },
    events() {
      const all = new Array<CatalogEvent>(kept.length);
      const positions = new Int32Array(kept.length);
      for (let p = 0; p < positions.length; p++) positions[p] = p;
      log.read(positions, (i, event) => (all[i] = event));
      return all;
    },
  };
  return log;
}

/**
 * The indexes of `positions` (distinct non-negative integers) in ascending order of position: how a
 * reader of a spilled log visits a set of positions forwards and still puts each event in its place.
 * Position · n + index packed in one double sorts numerically in one native pass (exact while the largest
 * position · n stays below 2^53; past that, a comparison sort).
 */
export function ranksByPosition(positions: ArrayLike<number>): Int32Array {
  const n = positions.length;
  let max = 0;
  for (let i = 0; i < n; i++) if (positions[i]! > max) max = positions[i]!;
  const ranks = new Int32Array(n);
  if ((max + 1) * n < 2 ** 53) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = positions[i]! * n + i;
    packed.sort();
    for (let j = 0; j < n; j++) ranks[j] = packed[j]! % n;
    return ranks;
  }
  for (let i = 0; i < n; i++) ranks[i] = i;
  return ranks.sort((a, b) => positions[a]! - positions[b]!);
}

/** Fills `out[i]` with the event at `positions[i]`, reading the log in position order. */
export function readByPosition(log: ReplayEventLog, positions: Int32Array, out: CatalogEvent[]): void {
  const ranks = ranksByPosition(positions);
  const ascending = new Int32Array(ranks.length);
  for (let j = 0; j < ranks.length; j++) ascending[j] = positions[ranks[j]!]!;
  log.read(ascending, (j, event) => (out[ranks[j]!] = event));
}

/** A log of the given events, all held in memory. */
export function replayEventLogOf(events: readonly CatalogEvent[]): ReplayEventLog {
  const log = createReplayEventLog(events.length);
  for (const event of events) log.add(event);
  return log;
}
