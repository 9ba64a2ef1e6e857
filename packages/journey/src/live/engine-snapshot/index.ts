/**
 * The engine's state as one snapshot document: what `createJourneyEngine` over a durable store saves through
 * `store.documents` and loads on start, so that it reads only the events after the snapshot's position.
 *
 * The state is the live engine's own structures (every live tenant with its events, fold head, fold
 * snapshots and merge bookkeeping, the host projections' partitions, the index of folded events), encoded
 * in one pass by V8's structured serializer: it keeps Maps and Sets with their order, bigints, and objects
 * shared between structures (an event held by a tenant, a partition and the index is one object again
 * after decoding), which a JSON encoding would lose. What is not data (the projections' functions, the id
 * hash table) is left out and rebuilt from the engine's own definitions on load.
 *
 * Document layout: magic `OTJSNAP1` (8 bytes) · header length (u32 LE) · header (JSON) · payload. The header
 * holds the format version, the fingerprint of what the state depends on (standard and host projections,
 * configuration), the store position the state covers, counts, and the SHA-256 of the payload; a snapshot
 * whose format, fingerprint or checksum does not match is rejected, never loaded.
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { CatalogEvent } from '@omnitrail/events';
import { CUSTOMER_PROJECTIONS } from '../../core/customers/index.js';
import type { JourneyConfig } from '../../core/model/index.js';
import { TENANT_PROJECTIONS } from '../../core/standard/index.js';
import type { HostTenant, JourneyProjection } from '../host-projections.js';
import type { LiveTenant } from '../tenant-state.js';

/**
 * Version of the snapshot layout and of the live state's shape and meaning. Raise it whenever a live
 * structure (tenant-state, customer-regroup, partition, host-projections) or a standard fold changes: every
 * snapshot made before is then rebuilt from the log instead of being loaded into code that reads it otherwise.
 */
export const ENGINE_SNAPSHOT_FORMAT = 1;

/** The document key an engine snapshots to by default. */
export const DEFAULT_SNAPSHOT_KEY = 'journey-engine.snapshot';

const MAGIC = Buffer.from('OTJSNAP1', 'ascii');

/** A live tenant as saved: everything but what is rebuilt on load (the shared id index, the projection list). */
export type SavedTenant = Omit<LiveTenant, 'index' | 'projections'> & { host: HostTenant | undefined };

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

/** Why a snapshot was not loaded. */
export type SnapshotRejection = 'format' | 'fingerprint' | 'checksum' | 'unreadable';

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

/** Encodes a saved state and its header fields as snapshot document bytes. Throws when the state holds something V8 cannot clone (a function in a host state). */
export function encodeEngineSnapshot(state: SavedEngineState, meta: { fingerprint: string; position: bigint | undefined; createdAt: number }): { bytes: Uint8Array; header: EngineSnapshotHeader } {
  const payload = serialize(state);
  const header: EngineSnapshotHeader = {
    format: ENGINE_SNAPSHOT_FORMAT,
    fingerprint: meta.fingerprint,
    position: meta.position === undefined ? null : meta.position.toString(),
    events: state.recorded.length,
    tenants: state.tenants.length,
    createdAt: meta.createdAt,
    payloadBytes: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  return { bytes: Buffer.concat([MAGIC, length, headerBytes, payload]), header };
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
    state = deserialize(payload) as SavedEngineState;
  } catch (error) {
    return { ok: false, reason: 'unreadable', message: `the payload cannot be decoded (${(error as Error).message})`, header };
  }
  return { ok: true, header, state, position: header.position === null ? undefined : BigInt(header.position) };
}
