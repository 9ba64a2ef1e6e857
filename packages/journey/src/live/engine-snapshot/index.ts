/**
 * The engine's state as one snapshot document: what `createJourneyEngine` over a durable store saves through
 * `store.documents` and loads on start, so that it reads only the events after the snapshot's position.
 *
 * The state is the live engine's own structures (every live tenant with its events, fold head, fold
 * snapshots and merge bookkeeping, the host projections' partitions, the index of folded events), in two
 * parts, each encoded the fastest way to decode it:
 * - the folded events, as one JSON array (V8's `JSON.parse` builds plain objects several times faster than
 *   its structured deserializer), rebuilt in the engine's uniform event shape; and each tenant's per-event
 *   bookkeeping (attribution, case effects...) as columns: typed arrays and indices into a string table;
 * - everything else with the snapshot codec (`../snapshot-codec`), which keeps Maps and Sets with their
 *   order, bigints, `undefined` fields and shared objects, writes each distinct string and each object shape
 *   once, and decodes into about as many objects as the state holds (V8's structured serializer, used up to
 *   format 4, wrote every string occurrence anew and took twice as long to load). Every reference to a
 *   tenant's event is replaced by its index in the tenant's list, so that after decoding an event held by a
 *   tenant, a merge index and a host partition is one object again.
 * What is not data (the projections' functions, the id hash table) is left out and rebuilt on load.
 *
 * Document layout: magic `OTJSNAP1` (8 bytes) · header length (u32 LE) · header (JSON) · payload (number
 * of event chunks (u32 LE) · per chunk: length (u32 LE) and a JSON array of up to 10,000 events, so that no
 * string comes near V8's string length limit · the structured part). The header
 * holds the format version, the fingerprint of what the state depends on (standard and host projections,
 * configuration), the store position the state covers, counts, and the SHA-256 of the payload; a snapshot
 * whose format, fingerprint or checksum does not match is rejected, never loaded.
 */
import { createHash } from 'node:crypto';
import type { CatalogEvent } from '@omnitrail/events';
import type { CaseEffects } from '../../core/model/index.js';
import type { Partition } from '../partition/index.js';
import { CUSTOMER_PROJECTIONS } from '../../core/customers/index.js';
import type { JourneyConfig } from '../../core/model/index.js';
import { TENANT_PROJECTIONS } from '../../core/standard/index.js';
import type { HostTenant, JourneyProjection } from '../host-projections.js';
import { decodeSnapshotValue, encodeSnapshotValue, encodeSnapshotValueInSlices } from '../snapshot-codec/index.js';
import type { LiveEvent, LiveTenant } from '../tenant-state.js';

/**
 * Version of the snapshot layout and of the live state's shape and meaning. Raise it whenever a live
 * structure (tenant-state, customer-regroup, partition, host-projections) or a standard fold changes: every
 * snapshot made before is then rebuilt from the log instead of being loaded into code that reads it otherwise.
 */
export const ENGINE_SNAPSHOT_FORMAT = 8;

/** The document key an engine snapshots to by default. */
export const DEFAULT_SNAPSHOT_KEY = 'journey-engine.snapshot';

const MAGIC = Buffer.from('OTJSNAP1', 'ascii');

/** A live tenant as saved: everything but what is rebuilt on load (the shared id index, the projection list). */
export type SavedTenant = Omit<LiveTenant, 'index' | 'projections' | 'spill'> & { host: HostTenant | undefined };

/** The engine's state as saved. */
export interface SavedEngineState {
  tenants: SavedTenant[];
  /** The folded events in fold order, and each one's content hash (the engine's `RecordedIndex`). */
  recorded: CatalogEvent[];
  contents: number[];
  /** Ids of events this engine appended and folded that the subscription had not handed back yet. */
  ownFolded: string[];
  rejectedStoredCount: number;
  storedCopies: number;
}

/** The header of a snapshot document. */
export interface EngineSnapshotHeader {
  format: number;
  fingerprint: string;
  /** Store position the state covers, as a decimal string (`null`: no event folded from the store yet). */
  position: string | null;
  /** Events folded. */
  events: number;
  tenants: number;
  /** When the snapshot was made (ms since the epoch, the engine's clock). */
  createdAt: number;
  payloadBytes: number;
  /** SHA-256 of the payload, hex. */
  sha256: string;
}

/**
 * Why a snapshot was not loaded. `key`: a sealed snapshot (an engine with keys, docs/privacy.md) whose snapshot
 * key is gone or that does not authenticate with it, or a snapshot sealed or not when the engine expects the other.
 */
export type SnapshotRejection = 'format' | 'fingerprint' | 'checksum' | 'unreadable' | 'key';

/**
 * The fingerprint of what a saved state depends on besides the log: the snapshot format, the standard
 * projections (names, in fold order), the host projections (name, version, partitioning, in order), whether
 * the standard projections are folded, and the resolved configuration. A change of any gives another one.
 */
export function snapshotFingerprint(config: JourneyConfig, standard: boolean, hostProjections: readonly JourneyProjection<unknown>[]): string {
  const described = {
    format: ENGINE_SNAPSHOT_FORMAT,
    standard,
    tenantProjections: TENANT_PROJECTIONS.map((p) => p.name),
    customerProjections: CUSTOMER_PROJECTIONS.map((p) => p.key),
    hostProjections: hostProjections.map((p) => ({
      name: p.name,
      version: p.version ?? 1,
      partitionBy: typeof p.partitionBy === 'function' ? `function:${p.partitionBy.toString().length}` : p.partitionBy,
    })),
    config: canonicalJson(config),
  };
  return createHash('sha256').update(JSON.stringify(described)).digest('hex');
}

/** JSON with object keys sorted, so equal configurations give equal text whatever their key order. */
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonicalJson((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

// ---- the two-part payload ---------------------------------------------------------------------------

type HostEntry = HostTenant['byAttributed'] extends Map<string, infer V> ? V : never;
type HostPartition = Partition<LiveEvent, unknown>;

/** A tenant's events as columns, and its other structures with events replaced by their indices. */
interface EncodedTenant {
  /** Per event of the tenant (fold order): its index in `recorded`. */
  recorded: Int32Array;
  at: Float64Array;
  /** Indices into the snapshot's string table. */
  attributed: Int32Array;
  customerId: Int32Array;
  attributedCustomerId: Int32Array;
  foldedAs: Int32Array;
  pending: Uint8Array;
  effects: CaseEffects[];
  noted: (string | string[] | undefined)[];
  rest: Omit<SavedTenant, 'events' | 'regroup' | 'host'>;
  regroupMoments: LiveTenant['regroup']['moments'];
  regroupByAttributed: Map<string, Int32Array>;
  host: EncodedHost | undefined;
}

interface EncodedPartition {
  key: string;
  events: Int32Array;
  state: unknown;
  snapshotAt: number[];
  snapshotState: unknown[];
  /** The state after the partition's evicted events (bounded memory), if any. */
  base: unknown;
}

interface EncodedHost {
  byAttributed: Map<string, { canonical: string; events: Int32Array; partitions: (EncodedPartition | undefined)[]; epoch: number; evicted: boolean }>;
  epoch: number;
  members: HostTenant['members'];
  merged: HostTenant['merged'];
  partitions: Map<string, EncodedPartition>[];
}

interface EncodedState {
  strings: string[];
  tenants: EncodedTenant[];
  contents: number[];
  ownFolded: string[];
  rejectedStoredCount: number;
  storedCopies: number;
}

/** Events per JSON chunk: a chunk is written in one go (about 15 ms), and no string nears V8's length limit. */
const EVENTS_PER_CHUNK = 10_000;

/**
 * The structured part of a state (see the module comment), made at once: what it holds is either copied here
 * (the events' columns, the host projections' lists) or never changed once made, so the events' JSON and
 * the structured part can be written later, in slices, while the engine goes on (given a state whose
 * containers are detached from the live ones, `detachedTenant`).
 */
function encodeState(state: SavedEngineState): EncodedState {
  const recordedIndex = new Map<CatalogEvent, number>();
  state.recorded.forEach((event, i) => recordedIndex.set(event, i));
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const intern = (text: string): number => {
    let i = stringIndex.get(text);
    if (i === undefined) {
      i = strings.length;
      strings.push(text);
      stringIndex.set(text, i);
    }
    return i;
  };
  const tenants = state.tenants.map((tenant): EncodedTenant => {
    const { events, regroup, host, ...rest } = tenant;
    const n = events.length;
    const positions = new Map<LiveEvent, number>();
    const encoded: EncodedTenant = {
      recorded: new Int32Array(n),
      at: new Float64Array(n),
      attributed: new Int32Array(n),
      customerId: new Int32Array(n),
      attributedCustomerId: new Int32Array(n),
      foldedAs: new Int32Array(n),
      pending: new Uint8Array(n),
      effects: new Array<CaseEffects>(n),
      noted: new Array<string | string[] | undefined>(n),
      rest,
      regroupMoments: regroup.moments,
      regroupByAttributed: new Map(),
      host: undefined,
    };
    for (let i = 0; i < n; i++) {
      const e = events[i]!;
      positions.set(e, i);
      const at = recordedIndex.get(e.event);
      if (at === undefined) throw new Error(`event ${e.id} of tenant ${tenant.tenantId} is not in the index of folded events`);
      encoded.recorded[i] = at;
      encoded.at[i] = e.at;
      encoded.attributed[i] = intern(e.attributed);
      encoded.customerId[i] = intern(e.customerId);
      encoded.attributedCustomerId[i] = intern(e.attributedCustomerId);
      encoded.foldedAs[i] = intern(e.foldedAs);
      encoded.pending[i] = e.pending ? 1 : 0;
      encoded.effects[i] = e.effects;
      // A list of cases noted grows in place when the event is folded again: copied.
      const noted = e.noted;
      encoded.noted[i] = Array.isArray(noted) ? noted.slice() : noted;
    }
    const indicesOf = (list: readonly LiveEvent[]): Int32Array => {
      const out = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const at = positions.get(list[i]!);
        if (at === undefined) throw new Error(`an event held by tenant ${tenant.tenantId}'s structures (${list[i]!.id}) is not in its event list`);
        out[i] = at;
      }
      return out;
    };
    for (const [customer, list] of regroup.byAttributed) encoded.regroupByAttributed.set(customer, indicesOf(list as LiveEvent[]));
    if (host !== undefined) {
      const partitions = new Map<HostPartition, EncodedPartition>();
      const partitionOf = (p: HostPartition): EncodedPartition => {
        let out = partitions.get(p);
        if (out === undefined) {
          out = { key: p.key, events: indicesOf(p.events), state: p.state, snapshotAt: p.snapshotAt, snapshotState: p.snapshotState, base: p.base };
          partitions.set(p, out);
        }
        return out;
      };
      const byAttributed: EncodedHost['byAttributed'] = new Map();
      for (const [customer, entry] of host.byAttributed) {
        byAttributed.set(customer, {
          canonical: entry.canonical,
          events: indicesOf(entry.events),
          partitions: entry.partitions.map((p) => (p === undefined ? undefined : partitionOf(p))),
          epoch: entry.epoch,
          evicted: entry.evicted,
        });
      }
      encoded.host = {
        byAttributed,
        epoch: host.epoch,
        members: host.members,
        merged: host.merged,
        partitions: host.partitions.map((byKey) => new Map([...byKey].map(([key, p]) => [key, partitionOf(p)]))),
      };
    }
    return encoded;
  });
  return { strings, tenants, contents: state.contents, ownFolded: state.ownFolded, rejectedStoredCount: state.rejectedStoredCount, storedCopies: state.storedCopies };
}

/** The folded events' JSON chunk `k` (see the module comment). */
function eventsChunk(recorded: readonly CatalogEvent[], eventsPerChunk: number, k: number): Buffer {
  return Buffer.from(JSON.stringify(recorded.slice(k * eventsPerChunk, (k + 1) * eventsPerChunk)), 'utf8');
}

/** The inverse of {@link encodeState}. */
function decodeState(eventsJson: readonly string[], structured: EncodedState): SavedEngineState {
  // The engine's events have every envelope key, in one order (see parseEvent's uniformShape); JSON left
  // out the undefined ones.
  const recorded = eventsJson.flatMap((chunk) => JSON.parse(chunk) as Record<string, unknown>[]).map(
    (e) =>
      ({
        id: e.id,
        type: e.type,
        schemaVersion: e.schemaVersion,
        tenantId: e.tenantId,
        occurredAt: e.occurredAt,
        customerId: e.customerId,
        identities: e.identities,
        channel: e.channel,
        caseId: e.caseId,
        actor: e.actor,
        correlationId: e.correlationId,
        causationId: e.causationId,
        source: e.source,
        data: e.data,
      }) as unknown as CatalogEvent,
  );
  const { strings } = structured;
  const tenants = structured.tenants.map((t): SavedTenant => {
    const n = t.recorded.length;
    const events = new Array<LiveEvent>(n);
    for (let i = 0; i < n; i++) {
      const event = recorded[t.recorded[i]!]!;
      // Same fields, same order as addEvents creates them (one hidden class).
      events[i] = {
        id: event.id,
        occurredAt: event.occurredAt,
        event,
        at: t.at[i]!,
        attributed: strings[t.attributed[i]!]!,
        customerId: strings[t.customerId[i]!]!,
        attributedCustomerId: strings[t.attributedCustomerId[i]!]!,
        effects: t.effects[i]!,
        pending: t.pending[i] === 1,
        foldedAs: strings[t.foldedAs[i]!]!,
        noted: t.noted[i],
      };
    }
    const eventsAt = (indices: Int32Array): LiveEvent[] => {
      const out = new Array<LiveEvent>(indices.length);
      for (let i = 0; i < indices.length; i++) out[i] = events[indices[i]!]!;
      return out;
    };
    const byAttributed = new Map<string, LiveEvent[]>();
    for (const [customer, indices] of t.regroupByAttributed) byAttributed.set(customer, eventsAt(indices));
    let host: HostTenant | undefined;
    if (t.host !== undefined) {
      const partitions = new Map<EncodedPartition, HostPartition>();
      const partitionOf = (p: EncodedPartition): HostPartition => {
        let out = partitions.get(p);
        if (out === undefined) {
          out = { key: p.key, events: eventsAt(p.events), state: p.state, snapshotAt: p.snapshotAt, snapshotState: p.snapshotState, base: p.base };
          partitions.set(p, out);
        }
        return out;
      };
      const entries = new Map<string, HostEntry>();
      for (const [customer, entry] of t.host.byAttributed) {
        entries.set(customer, {
          canonical: entry.canonical,
          events: eventsAt(entry.events),
          partitions: entry.partitions.map((p) => (p === undefined ? undefined : partitionOf(p))),
          epoch: entry.epoch,
          evicted: entry.evicted,
        });
      }
      host = {
        byAttributed: entries,
        epoch: t.host.epoch,
        members: t.host.members,
        merged: t.host.merged,
        partitions: t.host.partitions.map((byKey) => new Map([...byKey].map(([key, p]) => [key, partitionOf(p)]))),
      };
    }
    return { ...t.rest, events, regroup: { moments: t.regroupMoments, byAttributed }, host } as SavedTenant;
  });
  return { tenants, recorded, contents: structured.contents, ownFolded: structured.ownFolded, rejectedStoredCount: structured.rejectedStoredCount, storedCopies: structured.storedCopies };
}

/** What a snapshot's header says besides its counts and checksum. */
export interface EngineSnapshotMeta {
  fingerprint: string;
  position: bigint | undefined;
  createdAt: number;
  /** Events per JSON chunk (tests make it small). */
  eventsPerChunk?: number;
}

/** Encodes a saved state and its header fields as snapshot document bytes. Throws when the state holds something that is not data (a function in a host state, a cycle). */
export function encodeEngineSnapshot(state: SavedEngineState, meta: EngineSnapshotMeta): { bytes: Uint8Array; header: EngineSnapshotHeader } {
  const structured = encodeState(state);
  const perChunk = meta.eventsPerChunk ?? EVENTS_PER_CHUNK;
  const chunks = Math.ceil(state.recorded.length / perChunk);
  const parts: Buffer[] = [u32(chunks)];
  for (let k = 0; k < chunks; k++) {
    const json = eventsChunk(state.recorded, perChunk, k);
    parts.push(u32(json.length), json);
  }
  parts.push(...encodeSnapshotValue(structured));
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return assembled(parts, hash.digest('hex'), state, meta);
}

/** How a snapshot encoded in slices went: the time spent encoding, in how many slices, the longest one. */
export interface SlicedSnapshotEncoding {
  bytes: Uint8Array;
  header: EngineSnapshotHeader;
  busyMs: number;
  slices: number;
  longestSliceMs: number;
}

/** How a snapshot is encoded in slices (see {@link encodeEngineSnapshotInSlices}). */
export interface SnapshotSlicing {
  /** Milliseconds of work per slice. */
  sliceMs: number;
  /** Awaited between slices (default: the next turn of the event loop, after the I/O and timers due). */
  pause?: () => Promise<void>;
  /** About how many bytes the snapshot takes (the last one's size): its buffer starts that large. */
  sizeHint?: number;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Bytes hashed, or copied into the document, in one go while a snapshot is encoded in slices. */
const HASH_STEP = 4 << 20;

/**
 * {@link encodeEngineSnapshot} in slices of about `sliceMs` of work, awaiting `pause()` between them, so that
 * the engine goes on folding while a large state is written (the bytes are the same). The state's columns are
 * made before the first pause; from then on only what they copied and what the state shares unchanged is
 * read, so `state` must be detached from the live structures (`detachedTenant`, a copy of the event list).
 */
export async function encodeEngineSnapshotInSlices(state: SavedEngineState, meta: EngineSnapshotMeta, slicing: SnapshotSlicing): Promise<SlicedSnapshotEncoding> {
  const { sliceMs, pause = nextTurn, sizeHint = 0 } = slicing;
  let busyMs = 0;
  let slices = 0;
  let longestSliceMs = 0;
  let sliceStarted = performance.now();
  const endSlice = () => {
    const spent = performance.now() - sliceStarted;
    busyMs += spent;
    slices++;
    if (spent > longestSliceMs) longestSliceMs = spent;
  };
  /** Ends the slice and pauses when it has run `sliceMs`. */
  const maybePause = async () => {
    if (performance.now() - sliceStarted < sliceMs) return;
    endSlice();
    await pause();
    sliceStarted = performance.now();
  };
  const structured = encodeState(state);
  const perChunk = meta.eventsPerChunk ?? EVENTS_PER_CHUNK;
  const chunks = Math.ceil(state.recorded.length / perChunk);
  const parts: Buffer[] = [u32(chunks)];
  for (let k = 0; k < chunks; k++) {
    await maybePause();
    const json = eventsChunk(state.recorded, perChunk, k);
    parts.push(u32(json.length), json);
  }
  endSlice();
  await pause();
  let eventBytes = 0;
  for (const part of parts) eventBytes += part.length;
  const value = await encodeSnapshotValueInSlices(structured, sliceMs, pause, sizeHint > eventBytes ? (sizeHint - eventBytes) * 1.1 : 0);
  busyMs += value.busyMs;
  slices += value.slices;
  longestSliceMs = Math.max(longestSliceMs, value.longestSliceMs);
  parts.push(...value.parts);
  await pause();
  sliceStarted = performance.now();
  const hash = createHash('sha256');
  for (const part of parts) {
    for (let at = 0; at < part.length; at += HASH_STEP) {
      await maybePause();
      hash.update(part.subarray(at, at + HASH_STEP));
    }
  }
  // Joined into one buffer a few MB at a time (a copy of tens of MB is a slice of its own otherwise).
  const { header, prefix } = documentHeader(parts, hash.digest('hex'), state, meta);
  const pieces = [...prefix, ...parts];
  let total = 0;
  for (const piece of pieces) total += piece.length;
  const bytes = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; at += HASH_STEP) {
      await maybePause();
      const slice = piece.subarray(at, at + HASH_STEP);
      bytes.set(slice, offset);
      offset += slice.length;
    }
  }
  endSlice();
  return { bytes, header, busyMs, slices, longestSliceMs };
}

/** The document: magic, header (with the payload's length and SHA-256), payload parts. */
function assembled(parts: readonly Buffer[], sha256: string, state: SavedEngineState, meta: EngineSnapshotMeta): { bytes: Uint8Array; header: EngineSnapshotHeader } {
  const { header, prefix } = documentHeader(parts, sha256, state, meta);
  // Joined once with the header: a large state is copied once.
  return { bytes: Buffer.concat([...prefix, ...parts]), header };
}

/** The document's header, and what comes before the payload: magic, header length, header. */
function documentHeader(parts: readonly Buffer[], sha256: string, state: SavedEngineState, meta: EngineSnapshotMeta): { header: EngineSnapshotHeader; prefix: Buffer[] } {
  let payloadBytes = 0;
  for (const part of parts) payloadBytes += part.length;
  const header: EngineSnapshotHeader = {
    format: ENGINE_SNAPSHOT_FORMAT,
    fingerprint: meta.fingerprint,
    position: meta.position === undefined ? null : meta.position.toString(),
    events: state.recorded.length,
    tenants: state.tenants.length,
    createdAt: meta.createdAt,
    payloadBytes,
    sha256,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  return { header, prefix: [MAGIC, length, headerBytes] };
}

/** A decoded snapshot, or why it cannot be used. */
export type DecodedEngineSnapshot =
  | { ok: true; header: EngineSnapshotHeader; state: SavedEngineState; position: bigint | undefined }
  | { ok: false; reason: SnapshotRejection; message: string; header?: EngineSnapshotHeader };

/**
 * Decodes snapshot document bytes, checking in order the layout and format version, the fingerprint (what
 * the engine expects now), and the payload's SHA-256 before decoding it.
 */
export function decodeEngineSnapshot(bytes: Uint8Array, fingerprint: string): DecodedEngineSnapshot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) return { ok: false, reason: 'unreadable', message: 'not an engine snapshot (bad magic)' };
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) return { ok: false, reason: 'unreadable', message: `the header (${headerLength} bytes) runs past the end (${buf.length} bytes)` };
  let header: EngineSnapshotHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as EngineSnapshotHeader;
  } catch (error) {
    return { ok: false, reason: 'unreadable', message: `the header is not JSON (${(error as Error).message})` };
  }
  if (header.format !== ENGINE_SNAPSHOT_FORMAT) return { ok: false, reason: 'format', message: `snapshot format ${String(header.format)}, this engine reads ${ENGINE_SNAPSHOT_FORMAT}`, header };
  if (header.fingerprint !== fingerprint) {
    return { ok: false, reason: 'fingerprint', message: 'made with other projections (names or versions) or another configuration', header };
  }
  const payload = buf.subarray(12 + headerLength);
  if (payload.length !== header.payloadBytes) return { ok: false, reason: 'checksum', message: `payload of ${payload.length} bytes, the header says ${header.payloadBytes}`, header };
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return { ok: false, reason: 'checksum', message: 'the payload does not match its SHA-256', header };
  let state: SavedEngineState;
  try {
    const chunks: string[] = [];
    let offset = 4;
    for (let k = payload.readUInt32LE(0); k > 0; k--) {
      const length = payload.readUInt32LE(offset);
      chunks.push(payload.toString('utf8', offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    state = decodeState(chunks, decodeSnapshotValue(payload.subarray(offset)) as EncodedState);
  } catch (error) {
    return { ok: false, reason: 'unreadable', message: `the payload cannot be decoded (${(error as Error).message})`, header };
  }
  return { ok: true, header, state, position: header.position === null ? undefined : BigInt(header.position) };
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value, 0);
  return b;
}
