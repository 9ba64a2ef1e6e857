/**
 * Sealed engine snapshots (docs/privacy.md): the snapshot document of an engine with a key store, encrypted
 * with a snapshot key kept in that key store. A snapshot holds the fold state with personal fields opened, so
 * in clear it would be a copy of every customer's values beside the sealed log, out of reach of an erasure.
 * Sealed, an erasure deletes the key: the bytes of every earlier snapshot (an old document version, a backup)
 * become unreadable, and the erasing engine writes its snapshot again under a new key.
 *
 * This is a wrapper around the plain document (`../engine-snapshot`), which it neither reads nor changes:
 * the plain bytes are encrypted whole. Layout: magic `OTJSEAL1` (8 bytes) · header length (u32 LE) · header
 * (JSON: the sealing version, the key id, the IV, and a copy of the plain snapshot's header, so that a
 * snapshot of another format or fingerprint is turned down without its key) · GCM tag (16 bytes) ·
 * ciphertext. The magic, the length and the header are the additional authenticated data: a header changed
 * (another key id, another position) fails authentication like a changed payload.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyStore } from '@omnitrail/eventstore';
import { decodeEngineSnapshot, ENGINE_SNAPSHOT_FORMAT, type DecodedEngineSnapshot, type EngineSnapshotHeader } from '../engine-snapshot/index.js';
import { SNAPSHOT_KEY_TENANT } from '../personal-data/index.js';

const MAGIC = Buffer.from('OTJSEAL1', 'ascii');
const SEAL_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The clear header of a sealed snapshot document. */
export interface SealedSnapshotHeader {
  /** Version of this wrapper's layout. */
  seal: number;
  cipher: 'aes-256-gcm';
  /** Id of the snapshot key in the key store (under the reserved tenant {@link SNAPSHOT_KEY_TENANT}). */
  keyId: string;
  /** The IV, base64. */
  iv: string;
  /** The header of the plain snapshot inside (no personal data: format, fingerprint, position, counts). */
  snapshot: EngineSnapshotHeader;
}

/** A snapshot key: its id in the key store and its 32 bytes. */
export interface SnapshotKey {
  readonly id: string;
  readonly key: Uint8Array;
}

/** Whether document bytes are a sealed snapshot (by their magic). */
export function isSealedEngineSnapshot(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC);
}

/** Encrypts a plain snapshot document (`encodeEngineSnapshot`'s bytes and header) with a snapshot key. */
export function sealEngineSnapshot(plain: { bytes: Uint8Array; header: EngineSnapshotHeader }, key: SnapshotKey): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const header: SealedSnapshotHeader = { seal: SEAL_VERSION, cipher: 'aes-256-gcm', keyId: key.id, iv: iv.toString('base64'), snapshot: plain.header };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.concat([MAGIC, length, headerBytes]));
  const ciphertext = Buffer.concat([cipher.update(plain.bytes), cipher.final()]);
  return Buffer.concat([MAGIC, length, headerBytes, cipher.getAuthTag(), ciphertext]);
}

/** The clear header of a sealed snapshot, or why it cannot be read. */
export function readSealedSnapshotHeader(bytes: Uint8Array): { ok: true; header: SealedSnapshotHeader } | { ok: false; message: string } {
  const parsed = splitSealed(bytes);
  return parsed.ok ? { ok: true, header: parsed.header } : parsed;
}

function splitSealed(bytes: Uint8Array): { ok: true; header: SealedSnapshotHeader; aad: Buffer; tag: Buffer; ciphertext: Buffer } | { ok: false; message: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isSealedEngineSnapshot(buf) || buf.length < 12) return { ok: false, message: 'not a sealed engine snapshot (bad magic)' };
  const headerLength = buf.readUInt32LE(8);
  const end = 12 + headerLength;
  if (end + TAG_BYTES > buf.length) return { ok: false, message: `the header (${headerLength} bytes) and tag run past the end (${buf.length} bytes)` };
  let header: SealedSnapshotHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, end)) as SealedSnapshotHeader;
  } catch (error) {
    return { ok: false, message: `the header is not JSON (${(error as Error).message})` };
  }
  if (header === null || typeof header !== 'object') return { ok: false, message: 'the header is not an object' };
  if (header.seal !== SEAL_VERSION || header.cipher !== 'aes-256-gcm') return { ok: false, message: `sealed with version ${String(header.seal)} (${String(header.cipher)}); this engine reads version ${SEAL_VERSION} (aes-256-gcm)` };
  if (typeof header.keyId !== 'string' || header.keyId === '') return { ok: false, message: 'the header has no keyId' };
  if (typeof header.iv !== 'string' || Buffer.from(header.iv, 'base64').length !== IV_BYTES) return { ok: false, message: `the header's iv is not ${IV_BYTES} bytes of base64` };
  if (header.snapshot === null || typeof header.snapshot !== 'object') return { ok: false, message: 'the header has no snapshot header' };
  return { ok: true, header, aad: buf.subarray(0, end), tag: buf.subarray(end, end + TAG_BYTES), ciphertext: buf.subarray(end + TAG_BYTES) };
}

/**
 * Opens a sealed snapshot and decodes it. Checked in order: the layout (`unreadable`), the plain header's
 * format and fingerprint (turned down without asking for the key), the key (`key`: gone from the key store,
 * the snapshot was sealed before an erasure), the authentication (`key` too: the bytes or the header were
 * changed, or sealed with another key of that id), then the plain document as `decodeEngineSnapshot` does.
 */
export async function openSealedEngineSnapshot(
  bytes: Uint8Array,
  fingerprint: string,
  keyOf: (keyId: string) => Promise<Uint8Array | undefined>,
): Promise<DecodedEngineSnapshot> {
  const split = splitSealed(bytes);
  if (!split.ok) return { ok: false, reason: 'unreadable', message: split.message };
  const { header, aad, tag, ciphertext } = split;
  const inner = header.snapshot;
  if (inner.format !== ENGINE_SNAPSHOT_FORMAT) return { ok: false, reason: 'format', message: `snapshot format ${String(inner.format)}, this engine reads ${ENGINE_SNAPSHOT_FORMAT}`, header: inner };
  if (inner.fingerprint !== fingerprint) return { ok: false, reason: 'fingerprint', message: 'made with other projections (names or versions) or another configuration', header: inner };
  const key = await keyOf(header.keyId);
  if (key === undefined) return { ok: false, reason: 'key', message: `its snapshot key "${header.keyId}" is gone from the key store (deleted by an erasure): it can never be read again`, header: inner };
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return { ok: false, reason: 'key', message: `it does not authenticate with its snapshot key "${header.keyId}" (changed bytes, or sealed with an earlier key of that id)`, header: inner };
  }
  const decoded = decodeEngineSnapshot(plain, fingerprint);
  // Both headers are authenticated; they differ only if the snapshot was sealed wrongly.
  if (decoded.ok && JSON.stringify(decoded.header) !== JSON.stringify(inner)) return { ok: false, reason: 'checksum', message: 'the clear header does not match the sealed snapshot', header: inner };
  return decoded;
}

/** The snapshot keys of one snapshot document key, in a key store (see {@link createSnapshotKeys}). */
export interface SnapshotKeys {
  /**
   * The key the next snapshot is sealed with: the current one while the key store still has it, else a new
   * one (a deleted key is never created again under its id: its old snapshots must stay unreadable).
   */
  current(): Promise<SnapshotKey>;
  /** A new key, which becomes the current one. */
  rotate(): Promise<SnapshotKey>;
  /**
   * Whether the key this engine sealed with last was deleted by someone else since: another engine's erasure,
   * whose `CustomerErased` is then in the store already (an erasure records it before it deletes snapshot keys).
   */
  revoked(): Promise<boolean>;
  /** The key of a snapshot being loaded (`undefined` when gone); once found, it becomes the current one. */
  find(keyId: string): Promise<Uint8Array | undefined>;
  /** Deletes this document key's snapshot keys but `keep` (after a new one sealed the latest snapshot); returns how many. */
  retire(keep: string | undefined): Promise<number>;
}

/**
 * Creates the snapshot keys of a document key over a key store. They live under the tenant
 * {@link SNAPSHOT_KEY_TENANT}, which engines with keys refuse as an event's tenant, so a snapshot key never
 * shares an id with a customer's; an id is the document key, `:`, and 128 random bits in hex.
 */
export function createSnapshotKeys(keys: KeyStore, documentKey: string): SnapshotKeys {
  const prefix = `${documentKey}:`;
  const ownId = (id: string) => id.startsWith(prefix) && /^[0-9a-f]{32}$/.test(id.slice(prefix.length));
  let current: SnapshotKey | undefined;
  const create = async (): Promise<SnapshotKey> => {
    const id = prefix + randomBytes(16).toString('hex');
    const key = await keys.customerKey(SNAPSHOT_KEY_TENANT, id, { create: true });
    if (key === undefined) throw new Error(`the key store did not create snapshot key "${id}"`);
    current = { id, key };
    return current;
  };
  return {
    async current() {
      if (current !== undefined) {
        // Asked again each time: another engine's erasure may have deleted it since.
        const key = await keys.customerKey(SNAPSHOT_KEY_TENANT, current.id, { create: false });
        if (key !== undefined) return current;
      }
      return create();
    },
    rotate: create,
    async revoked() {
      return current !== undefined && (await keys.customerKey(SNAPSHOT_KEY_TENANT, current.id, { create: false })) === undefined;
    },
    async find(keyId) {
      const key = await keys.customerKey(SNAPSHOT_KEY_TENANT, keyId, { create: false });
      if (key !== undefined && ownId(keyId)) current = { id: keyId, key };
      return key;
    },
    async retire(keep) {
      let deleted = 0;
      for (const id of await keys.customerIds(SNAPSHOT_KEY_TENANT)) {
        if (id === keep || !ownId(id)) continue;
        if (await keys.deleteCustomerKey(SNAPSHOT_KEY_TENANT, id)) deleted++;
        if (current?.id === id) current = undefined;
      }
      return deleted;
    },
  };
}

/**
 * Deletes every snapshot key of a key store but `keep`, whatever engine (document key, projections) sealed
 * with it: what an erasure does, so that no snapshot sealed before it can be opened again, including those of
 * engines that are not running. Returns how many were deleted.
 */
export async function deleteSnapshotKeys(keys: KeyStore, keep?: string): Promise<number> {
  let deleted = 0;
  for (const id of await keys.customerIds(SNAPSHOT_KEY_TENANT)) {
    if (id !== keep && (await keys.deleteCustomerKey(SNAPSHOT_KEY_TENANT, id))) deleted++;
  }
  return deleted;
}
