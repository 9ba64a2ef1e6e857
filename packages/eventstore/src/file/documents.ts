/**
 * The file adapter's documents: one file per key in `<store>/documents/`, named by the SHA-256 of the key,
 * replaced atomically (written to a temporary file, fsynced, renamed over the old one, directory fsynced),
 * so a crash at any moment leaves the previous document or the new one, never a mix. Each file carries a
 * checksum over everything after it; a delete leaves a tombstone file so the key's versions keep growing.
 *
 * File layout (little-endian): magic `OTDOC001` (8) · crc32 of the rest (4) · flags (4; 1 = deleted) ·
 * version (8) · key length (4) · value length (8) · key (UTF-8) · value.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { assertDocumentKey, assertDocumentValue, assertExpectedDocumentVersion, decideDocumentChange, type DocumentHead } from '../documents/index.js';
import { CorruptDocumentError, ReadOnlyStoreError } from '../errors/index.js';
import type { DocumentStore, StoredDocument } from '../port/index.js';
import { crc32Update } from './format.js';

const MAGIC = Buffer.from('OTDOC001', 'ascii');
const HEADER = 8 + 4 + 4 + 8 + 4 + 8;
const FLAG_DELETED = 1;

/** Where and how the file store keeps its documents. */
export interface FileDocumentOptions {
  /** The store's directory (documents go to its `documents/` subdirectory). */
  directory: string;
  readOnly: boolean;
  /** Whether a write is fsynced (file and directory) before it is acknowledged. */
  sync: boolean;
  /** Throws when the store is closed or failed. */
  assertOpen: () => void;
}

/** What a document file holds, or why it cannot be read. */
type DocumentFile =
  | { kind: 'missing' }
  | { kind: 'ok'; version: bigint; deleted: boolean; value: Uint8Array }
  | { kind: 'corrupt'; reason: string; version: bigint | undefined };

/** Opens the document store of a file store; removes temporary files a crash left behind (writers only). */
export function openFileDocuments(options: FileDocumentOptions): DocumentStore {
  const folder = join(options.directory, 'documents');
  if (!options.readOnly) {
    mkdirSync(folder, { recursive: true });
    for (const name of readdirSync(folder)) if (name.includes('.tmp-')) rmSync(join(folder, name), { force: true });
  }
  const pathOf = (key: string) => join(folder, `${createHash('sha256').update(key).digest('hex')}.doc`);
  // Writes to one key run one after the other; keys are independent.
  const queues = new Map<string, Promise<unknown>>();
  let temporaries = 0;

  const load = async (key: string): Promise<DocumentFile> => {
    let buf: Buffer;
    try {
      buf = await readFile(pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    return decode(buf, key);
  };
  // What a write or a delete needs to know of the current file: its version and whether it is a tombstone.
  // Read from the header and key alone (a snapshot document is tens of MB: reading it and checksumming it
  // whole before replacing it held the event loop for its checksum); a tombstone, a few bytes, is read whole,
  // so that a damaged one counts as present as before.
  const loadHead = async (key: string): Promise<DocumentHead> => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(pathOf(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: undefined, exists: false };
      throw error;
    }
    let head: DocumentHead | 'tombstone';
    try {
      head = await headerHead(handle, key);
    } finally {
      await handle.close();
    }
    return head === 'tombstone' ? headOf(key, await load(key)) : head;
  };

  const serialized = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return next;
  };

  const headOf = (key: string, file: DocumentFile): DocumentHead => {
    if (file.kind === 'missing') return { version: undefined, exists: false };
    if (file.kind === 'corrupt') return { version: file.version, exists: true };
    return { version: file.version, exists: !file.deleted };
  };

  const replace = async (key: string, version: bigint, deleted: boolean, value: Uint8Array): Promise<void> => {
    const final = pathOf(key);
    const temporary = `${final}.tmp-${process.pid}-${++temporaries}`;
    const keyBytes = Buffer.from(key, 'utf8');
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(deleted ? FLAG_DELETED : 0, 12);
    header.writeBigUInt64LE(version, 16);
    header.writeUInt32LE(keyBytes.length, 24);
    header.writeBigUInt64LE(BigInt(value.length), 28);
    header.writeUInt32LE(await crc32Of([header.subarray(12), keyBytes, value]), 8);
    const handle = await open(temporary, 'w');
    try {
      await handle.writev([header, keyBytes, value]);
      if (options.sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, final);
    if (options.sync) {
      const dir = await open(folder, 'r');
      try {
        await dir.sync();
      } catch {
        // Some platforms cannot fsync a directory: the rename is as durable as they allow.
      } finally {
        await dir.close();
      }
    }
  };

  const assertWritable = (operation: string) => {
    options.assertOpen();
    if (options.readOnly) throw new ReadOnlyStoreError(operation);
  };

  return {
    async read(key): Promise<StoredDocument | undefined> {
      options.assertOpen();
      assertDocumentKey(key);
      const file = await load(key);
      if (file.kind === 'corrupt') throw new CorruptDocumentError(key, file.reason);
      return file.kind === 'missing' || file.deleted ? undefined : { value: file.value, version: file.version };
    },
    async write(key, value, writeOptions) {
      assertWritable('write a document');
      assertDocumentKey(key);
      assertDocumentValue(value);
      const expected = assertExpectedDocumentVersion(writeOptions);
      // Copied now: the caller may reuse its buffer while the write waits for its turn.
      const bytes = new Uint8Array(value);
      return serialized(key, async () => {
        options.assertOpen();
        const version = decideDocumentChange(key, await loadHead(key), expected);
        await replace(key, version, false, bytes);
        return { version };
      });
    },
    async delete(key, deleteOptions) {
      assertWritable('delete a document');
      assertDocumentKey(key);
      const expected = assertExpectedDocumentVersion(deleteOptions);
      return serialized(key, async () => {
        options.assertOpen();
        const head = await loadHead(key);
        if (!head.exists) {
          if (expected !== 'any' && expected !== 'absent') decideDocumentChange(key, head, expected);
          return false;
        }
        const version = decideDocumentChange(key, head, expected);
        await replace(key, version, true, new Uint8Array(0));
        return true;
      });
    },
  };
}

/**
 * A document file's head from its header and key: its version and presence, or `'tombstone'` (read it whole).
 * A bad header or another key is a damaged document, present, as `decode` says too.
 */
async function headerHead(handle: Awaited<ReturnType<typeof open>>, key: string): Promise<DocumentHead | 'tombstone'> {
  const header = Buffer.alloc(HEADER);
  const { bytesRead } = await handle.read(header, 0, HEADER, 0);
  if (bytesRead < HEADER || !header.subarray(0, 8).equals(MAGIC)) return { version: undefined, exists: true };
  const version = header.readBigUInt64LE(16);
  const keyBytes = Buffer.alloc(header.readUInt32LE(24));
  const { bytesRead: keyRead } = await handle.read(keyBytes, 0, keyBytes.length, HEADER);
  if (keyRead !== keyBytes.length || keyBytes.toString('utf8') !== key) return { version, exists: true };
  return (header.readUInt32LE(12) & FLAG_DELETED) !== 0 ? 'tombstone' : { version, exists: true };
}

/** Bytes checksummed between two turns of the event loop: a large document's checksum does not hold it. */
const CRC_STEP = 4 << 20;

/** The CRC-32 of the parts one after the other, a step at a time (no copy of them joined). */
async function crc32Of(parts: readonly Uint8Array[]): Promise<number> {
  let crc = 0;
  let sinceYield = 0;
  for (const part of parts) {
    for (let at = 0; at < part.length; at += CRC_STEP) {
      const piece = part.subarray(at, Math.min(part.length, at + CRC_STEP));
      crc = crc32Update(piece, crc);
      sinceYield += piece.length;
      if (sinceYield >= CRC_STEP) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  return crc;
}

async function decode(buf: Buffer, key: string): Promise<DocumentFile> {
  if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC)) return { kind: 'corrupt', reason: 'not a document file (bad header)', version: undefined };
  const version = buf.readBigUInt64LE(16);
  const keyLength = buf.readUInt32LE(24);
  const valueLength = buf.readBigUInt64LE(28);
  if (BigInt(HEADER + keyLength) + valueLength !== BigInt(buf.length)) return { kind: 'corrupt', reason: `length ${buf.length} does not match the header`, version };
  if ((await crc32Of([buf.subarray(12)])) !== buf.readUInt32LE(8)) return { kind: 'corrupt', reason: 'checksum mismatch', version };
  const storedKey = buf.toString('utf8', HEADER, HEADER + keyLength);
  if (storedKey !== key) return { kind: 'corrupt', reason: `the file holds key '${storedKey}'`, version };
  const value = new Uint8Array(buf.buffer, buf.byteOffset + HEADER + keyLength, Number(valueLength));
  return { kind: 'ok', version, deleted: (buf.readUInt32LE(12) & FLAG_DELETED) !== 0, value };
}
