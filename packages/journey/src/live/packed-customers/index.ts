/**
 * Settled customer records packed into bytes (docs/durable-engine.md, "Settled records packed").
 *
 * A customer whose events have all left memory (the eviction base and the head hold the same record) is
 * usually a customer gone quiet: its record is read by reports and `customer()`, and changed only if the
 * customer comes back. As objects, a record of 50 events takes about 6.6 kB of heap (hundreds of small
 * objects: its timeline, stages, annotations, facts); packed by V8's serializer it is one string of about
 * 3.7 kB (its bytes as Latin-1 characters, one byte each on V8's heap). The live state holds either form
 * under the customer's key, in the same map, so the map's order (a fold from scratch's first-seen order) is
 * kept. Reads unpack (`unpackCustomerRecord`, or the read-only view `customerRecordsView` that a
 * `TenantFold` exposes); the fold unpacks before it changes one (`writableRecord` in tenant-state).
 * Unpacking gives a record equal to the one packed, key order and `undefined` fields included, so a report
 * is the same whichever form a record is in.
 */
import type { CustomerRecord, CustomersState } from '../../core/customers/index.js';
import { deserialize, serialize } from 'node:v8';
import { readOnlyMapView } from '../read-only-map/index.js';
import { taskMemo } from '../task-memo/index.js';
import { heldBytes, heldBytesStats, holdBytes, isSpilled, type RecordSpill } from '../record-spill/index.js';

/**
 * A customer record packed into bytes. The first event's instant and id are kept beside the bytes: a merge
 * orders the group's entries by them (customer-regroup) without unpacking.
 */
export interface PackedCustomerRecord {
  readonly customerId: string;
  /** Instant (ms) of the record's first event, `undefined` when its timeline is empty. */
  readonly firstAt: number | undefined;
  /** Id of the record's first event. */
  readonly firstId: string | undefined;
  /**
   * The record as V8's serializer writes it, each byte a Latin-1 character: a string lives on V8's heap
   * (one allocation, counted by `heapUsed`, no array buffer and backing store per record, which made an
   * engine snapshot's load allocate tens of thousands of them), and the snapshot codec writes it as its bytes.
   * A spilled record (`../record-spill`) reads it from its file: read it only to write it elsewhere (a
   * snapshot), never to tell the kind of a record ({@link isPackedRecord}).
   */
  readonly data: string;
}

/** A record as the live state holds it: as objects, or packed. */
export type HeldCustomerRecord = CustomerRecord | PackedCustomerRecord;

/** The live fold's customers: `CustomersState` whose settled records may be packed. */
export interface LiveCustomersState {
  customers: Map<string, HeldCustomerRecord>;
}

/** Whether a held record is packed. */
export function isPackedRecord(record: HeldCustomerRecord): record is PackedCustomerRecord {
  return 'data' in record;
}

/** Whether a packed record's bytes are in a spill file rather than on the heap. */
export function isSpilledRecord(record: PackedCustomerRecord): boolean {
  return isSpilled(record);
}

/**
 * Packs a record (which is not changed). With V8's serializer: it keeps what the fold's records hold (key
 * order, `undefined` fields, Maps and Sets, objects referred to twice) and writes a record of 50 events in
 * about 40 µs. The snapshot codec writes it in a quarter less room but takes 4 to 6 times as long for a
 * value this small (its tables, built per value), which made a catch-up of 1M events half again as long.
 */
export function packCustomerRecord(record: CustomerRecord, spill?: RecordSpill): PackedCustomerRecord {
  const bytes = serialize(record);
  return packedOf(record.customerId, record.ats[0], record.ids[0], bytes, spill);
}

/**
 * The same packed record with its bytes in `spill` (the record itself when it is spilled already, or the
 * spill cannot write): a snapshot's records are loaded as strings and spilled this way.
 */
export function spillPackedRecord(packed: PackedCustomerRecord, spill: RecordSpill): PackedCustomerRecord {
  if (isSpilledRecord(packed)) return packed;
  const spilled = packedOf(packed.customerId, packed.firstAt, packed.firstId, Buffer.from(packed.data, 'latin1'), spill);
  return isSpilledRecord(spilled) ? spilled : packed;
}

function packedOf(customerId: string, firstAt: number | undefined, firstId: string | undefined, bytes: Buffer, spill: RecordSpill | undefined): PackedCustomerRecord {
  return holdBytes({ customerId, firstAt, firstId }, bytes, spill);
}

/** A new record equal to the one packed: the caller may change it. */
export function unpackCustomerRecord(packed: PackedCustomerRecord): CustomerRecord {
  return deserialize(heldBytes(packed)) as CustomerRecord;
}

const readPacked = taskMemo(unpackCustomerRecord);

/**
 * The record a held one stands for, to read: shared by the readers of the current task (unpacked once per
 * task, see `../task-memo`), not to be changed.
 */
export function readCustomerRecord(record: HeldCustomerRecord): CustomerRecord {
  return isPackedRecord(record) ? readPacked(record) : record;
}

/** The instant and id of a held record's first event (`undefined` for an empty timeline). */
export function firstEventOf(record: HeldCustomerRecord): { at: number; id: string } | undefined {
  if (isPackedRecord(record)) return record.firstAt === undefined ? undefined : { at: record.firstAt, id: record.firstId! };
  return record.ids.length === 0 ? undefined : { at: record.ats[0]!, id: record.ids[0]! };
}

/**
 * How many distinct packed records the states hold (a packed record is shared by the head, the base and the
 * fold snapshots), and their bytes; of them, how many are spilled, and their bytes (the rest are on V8's
 * heap, as strings).
 */
export function packedRecordStats(states: Iterable<LiveCustomersState>): { records: number; bytes: number; spilled: number; spilledBytes: number } {
  const seen = new Set<PackedCustomerRecord>();
  for (const state of states) state.customers.forEach((r) => isPackedRecord(r) && seen.add(r));
  const { count, ...rest } = heldBytesStats(seen);
  return { records: count, ...rest };
}

/**
 * A read-only `Map` of a live state's records, unpacking packed ones as they are read (see
 * {@link readCustomerRecord}): what a `TenantFold` exposes, so that every reader of `CustomersState` (the
 * report's sections, `customer()`, the public helpers) reads whole records. It follows the live state: a
 * record folded since is read as it is now. Changing it throws.
 */
export function customerRecordsView(state: LiveCustomersState): CustomersState {
  return { customers: readOnlyMapView(state.customers, readCustomerRecord, "a fold's customer records") };
}
