/**
 * The persisted open-time index: `index.bin` in the store directory holds what the open-time scan builds for
 * a prefix of the log (up to and including one record, "the last indexed record"), so that opening reads it
 * and scans only the records after it. The segments stay the source of truth: the index is used only when
 * its checksum and version are right and it matches the segments (see {@link checkIndexAgainstSegments});
 * anything else falls back to the full scan. It is replaced atomically (temporary file, fsync, rename,
 * directory fsync), so a crash leaves the previous index or the new one.
 *
 * Layout (little-endian):
 *
 *   magic `OTIDX001` (8) · crc32 of everything after this field (4) · format version (4) ·
 *   f64 events · f64 log bytes covered ·
 *   last indexed record: u32 segment · u32 offset · u32 payload length · u32 payload crc32 ·
 *   u32 segments · u32 streams · u32 types · u32 checkpoints · u32 id-table slots · u32 ids ·
 *   per covered segment: u32 number · u32 size (the last one: the end of the last indexed record) ·
 *   per stream (in stream-number order): u16 bytes · name · per type: u16 bytes · name ·
 *   per checkpoint: u16 bytes · subscriber id · f64 position ·
 *   zero padding to a multiple of 8 ·
 *   five columns of `events + 1` 32-bit values, indexed by position (slot 0 unused): segment, offset, length,
 *   stream number, type number · the id → position hash table as it is in memory (slots × hash, position;
 *   see ../id-index). Columns and table are laid out as the store holds them, so an open uses them in place.
 */
import { closeSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { IdIndexSnapshot } from '../id-index/index.js';
import { crc32, crc32Update, RECORD_HEADER } from './format.js';
import { syncDirectory } from './sync-directory.js';

/** Name of the index file inside the store directory. */
export const INDEX_FILE = 'index.bin';
/** Version of the layout above; an index of another version is rejected (and rewritten by a writer). */
export const INDEX_VERSION = 1;
const MAGIC = Buffer.from('OTIDX001', 'ascii');
const FIXED = 8 + 4 + 4 + 8 + 8 + 16 + 16 + 8;
const TEMPORARY = `${INDEX_FILE}.tmp-`;
// Bytes checksummed between two yields to the event loop (~1 ms).
const CRC_SLICE = 4 << 20;
/** Bytes of index per event (five columns and 2 to 4 id-table slots); what decides how often it is worth rewriting. */
export const INDEX_BYTES_PER_EVENT = 40;
/** The columns are written as the platform lays out typed arrays: little-endian platforms only. */
export const INDEX_SUPPORTED = endianness() === 'LE';

/** The last record the index covers: its segment and offset, and its header's length and checksum. */
export interface IndexedRecord {
  segment: number;
  offset: number;
  payloadLength: number;
  crc: number;
}

/** What an index holds: the state of the open-time scan after the last indexed record. */
export interface IndexContents {
  events: number;
  logBytes: number;
  last: IndexedRecord;
  /** Segments covered, in order, with their size (the last: the end of the last indexed record). */
  segments: readonly { number: number; size: number }[];
  streams: readonly string[];
  types: readonly string[];
  checkpoints: readonly (readonly [string, number])[];
  /** Indexed by position, 0..events (slot 0 unused, 0). */
  segmentOf: Uint32Array<ArrayBuffer>;
  offsetOf: Uint32Array<ArrayBuffer>;
  lengthOf: Uint32Array<ArrayBuffer>;
  streamOf: Int32Array<ArrayBuffer>;
  typeOf: Int32Array<ArrayBuffer>;
  /** The id index's table, holding exactly positions 1..events. */
  ids: IdIndexSnapshot;
}

/** Each stream's events in an index, linked: its first position, its count, and position → the next of its stream (0: none). */
export interface StreamLinks {
  first: Int32Array;
  count: Uint32Array;
  next: Int32Array;
}

/**
 * Links each stream's positions in one pass over the index's stream column, checking on the way that every
 * stream and type number indexes the index's tables (so that a loaded index can never point past them).
 * Returns why not, when one does not.
 */
export function linkStreams(index: IndexContents): StreamLinks | string {
  const n = index.events;
  const streams = index.streams.length;
  const types = index.types.length;
  const { streamOf, typeOf } = index;
  const first = new Int32Array(streams);
  const count = new Uint32Array(streams);
  const next = new Int32Array(n + 1);
  for (let p = n; p >= 1; p--) {
    const k = streamOf[p]!;
    const t = typeOf[p]!;
    if (k < 0 || k >= streams || t < 0 || t >= types) return `position ${p} names a stream or type it does not list`;
    next[p] = first[k]!;
    first[k] = p;
    count[k]!++;
  }
  return { first, count, next };
}

/**
 * Encodes an index as buffers to write one after the other (the columns are views, not copies). The
 * checksum runs over tens of MB at a million events: it yields to the event loop every few MB, so that a
 * writer's appends are not held up while it runs.
 */
export async function encodeIndex(contents: IndexContents): Promise<Buffer[]> {
  const strings = (list: readonly string[]) => list.map((s) => Buffer.from(s, 'utf8'));
  const streams = strings(contents.streams);
  const types = strings(contents.types);
  const subscribers = strings(contents.checkpoints.map(([id]) => id));
  let size = FIXED + contents.segments.length * 8;
  for (const b of streams) size += 2 + b.length;
  for (const b of types) size += 2 + b.length;
  for (const b of subscribers) size += 2 + b.length + 8;
  const padded = Math.ceil(size / 8) * 8;
  const head = Buffer.alloc(padded);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(INDEX_VERSION, 12);
  head.writeDoubleLE(contents.events, 16);
  head.writeDoubleLE(contents.logBytes, 24);
  head.writeUInt32LE(contents.last.segment, 32);
  head.writeUInt32LE(contents.last.offset, 36);
  head.writeUInt32LE(contents.last.payloadLength, 40);
  head.writeUInt32LE(contents.last.crc, 44);
  head.writeUInt32LE(contents.segments.length, 48);
  head.writeUInt32LE(streams.length, 52);
  head.writeUInt32LE(types.length, 56);
  head.writeUInt32LE(subscribers.length, 60);
  head.writeUInt32LE(contents.ids.table.length / 2, 64);
  head.writeUInt32LE(contents.ids.size, 68);
  let o = FIXED;
  for (const s of contents.segments) {
    head.writeUInt32LE(s.number, o);
    head.writeUInt32LE(s.size, o + 4);
    o += 8;
  }
  const putString = (b: Buffer) => {
    head.writeUInt16LE(b.length, o);
    b.copy(head, o + 2);
    o += 2 + b.length;
  };
  for (const b of streams) putString(b);
  for (const b of types) putString(b);
  subscribers.forEach((b, i) => {
    putString(b);
    head.writeDoubleLE(contents.checkpoints[i]![1], o);
    o += 8;
  });
  const columns = [contents.segmentOf, contents.offsetOf, contents.lengthOf, contents.streamOf, contents.typeOf].map((c) =>
    Buffer.from(c.buffer, c.byteOffset, (contents.events + 1) * 4),
  );
  columns.push(Buffer.from(contents.ids.table.buffer as ArrayBuffer, contents.ids.table.byteOffset, contents.ids.table.byteLength));
  // One checksum over several buffers, without concatenating them (the columns are tens of MB at 1M events).
  let crc = crc32Update(head.subarray(12), 0);
  for (const c of columns) {
    for (let at = 0; at < c.length; at += CRC_SLICE) {
      crc = crc32Update(c.subarray(at, Math.min(c.length, at + CRC_SLICE)), crc);
      if (at + CRC_SLICE < c.length) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  head.writeUInt32LE(crc, 8);
  return [head, ...columns];
}

/** Decodes an index file, or says why it cannot be used (the reason goes into the recovery report). */
export function decodeIndex(buf: Buffer): IndexContents | string {
  if (buf.length < FIXED || !buf.subarray(0, 8).equals(MAGIC)) return 'not an index file';
  const version = buf.readUInt32LE(12);
  if (version !== INDEX_VERSION) return `format version ${version}, expected ${INDEX_VERSION}`;
  if (crc32(buf.subarray(12)) !== buf.readUInt32LE(8)) return 'checksum mismatch';
  const events = buf.readDoubleLE(16);
  const logBytes = buf.readDoubleLE(24);
  if (!Number.isSafeInteger(events) || events < 0 || events >= 2 ** 32) return `bad event count ${events}`;
  const last: IndexedRecord = { segment: buf.readUInt32LE(32), offset: buf.readUInt32LE(36), payloadLength: buf.readUInt32LE(40), crc: buf.readUInt32LE(44) };
  const segmentCount = buf.readUInt32LE(48);
  const streamCount = buf.readUInt32LE(52);
  const typeCount = buf.readUInt32LE(56);
  const checkpointCount = buf.readUInt32LE(60);
  const idSlots = buf.readUInt32LE(64);
  const idCount = buf.readUInt32LE(68);
  let o = FIXED;
  const need = (n: number) => {
    if (o + n > buf.length) throw new RangeError('truncated');
  };
  try {
    const segments: { number: number; size: number }[] = [];
    need(segmentCount * 8);
    for (let i = 0; i < segmentCount; i++, o += 8) segments.push({ number: buf.readUInt32LE(o), size: buf.readUInt32LE(o + 4) });
    const getString = () => {
      need(2);
      const n = buf.readUInt16LE(o);
      need(2 + n);
      const s = buf.toString('utf8', o + 2, o + 2 + n);
      o += 2 + n;
      return s;
    };
    const streams: string[] = [];
    for (let i = 0; i < streamCount; i++) streams.push(getString());
    const types: string[] = [];
    for (let i = 0; i < typeCount; i++) types.push(getString());
    const checkpoints: [string, number][] = [];
    for (let i = 0; i < checkpointCount; i++) {
      const id = getString();
      need(8);
      checkpoints.push([id, buf.readDoubleLE(o)]);
      o += 8;
    }
    o = Math.ceil(o / 8) * 8;
    const width = events + 1;
    if (o + width * 20 + idSlots * 8 !== buf.length) return `length ${buf.length} does not match its ${events} events and ${idSlots} id slots`;
    if (idCount !== events) return `its id table holds ${idCount} ids for ${events} events`;
    // Views, not copies (tens of MB at a million events): the store takes them over. readFileSync's buffers
    // are 4-byte aligned; any other is copied once so that the views can be.
    const aligned = buf.byteOffset % 4 === 0 ? buf : Buffer.from(new Uint8Array(buf));
    const at = (k: number) => aligned.byteOffset + o + k * width * 4;
    const u32 = (k: number) => new Uint32Array(aligned.buffer as ArrayBuffer, at(k), width);
    const i32 = (k: number) => new Int32Array(aligned.buffer as ArrayBuffer, at(k), width);
    return {
      events,
      logBytes,
      last,
      segments,
      streams,
      types,
      checkpoints,
      segmentOf: u32(0),
      offsetOf: u32(1),
      lengthOf: u32(2),
      streamOf: i32(3),
      typeOf: i32(4),
      ids: { table: new Int32Array(aligned.buffer as ArrayBuffer, at(5), idSlots * 2), size: idCount },
    };
  } catch (error) {
    if (error instanceof RangeError) return 'truncated';
    throw error;
  }
}

/**
 * Does the index match the segments on disk? Every segment it covers must exist with the size it recorded
 * (the last one at least that long: records may follow), no other segment may sit among them, and the last
 * indexed record must still be there, byte for byte as far as its length and checksum tell. Returns the
 * reason it does not, or `undefined`.
 */
export function checkIndexAgainstSegments(directory: string, index: IndexContents, segmentNumbers: readonly number[], segmentName: (n: number) => string): string | undefined {
  const covered = index.segments;
  for (let i = 0; i < covered.length; i++) {
    if (segmentNumbers[i] !== covered[i]!.number) return `segment ${covered[i]!.number} of the index is not the store's segment number ${i + 1}`;
  }
  for (let i = 0; i < covered.length; i++) {
    const { number, size } = covered[i]!;
    const actual = statSync(join(directory, segmentName(number))).size;
    const isLast = i === covered.length - 1;
    if (isLast ? actual < size : actual !== size) return `segment ${number} is ${actual} bytes, the index expects ${isLast ? 'at least ' : ''}${size}`;
  }
  const { segment, offset, payloadLength, crc } = index.last;
  if (offset + RECORD_HEADER + payloadLength !== covered.at(-1)!.size) return 'its last record does not end where the index stops';
  const record = Buffer.allocUnsafe(RECORD_HEADER + payloadLength);
  const fd = openSync(join(directory, segmentName(segment)), 'r');
  try {
    let done = 0;
    while (done < record.length) {
      const n = readSync(fd, record, done, record.length - done, offset + done);
      if (n === 0) return 'its last record is past the end of the segment';
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  if (record.readUInt32LE(0) !== payloadLength || record.readUInt32LE(4) !== crc || crc32(record.subarray(RECORD_HEADER)) !== crc) {
    return `the record at offset ${offset} of segment ${segment} is not the one it indexed`;
  }
  return undefined;
}

/** Replaces `index.bin` with `buffers` atomically; `sync` fsyncs the file before the rename and the directory after. */
export async function writeIndexFile(directory: string, buffers: readonly Buffer[], sync: boolean, temporaryNumber: number): Promise<void> {
  const final = join(directory, INDEX_FILE);
  const temporary = join(directory, `${TEMPORARY}${process.pid}-${temporaryNumber}`);
  try {
    const handle = await open(temporary, 'w');
    try {
      let position = 0;
      for (const b of buffers) {
        // Chunks of at most 64 MiB: one huge write would hold a thread-pool thread that long.
        for (let at = 0; at < b.length; at += 64 << 20) {
          const part = b.subarray(at, Math.min(b.length, at + (64 << 20)));
          let done = 0;
          while (done < part.length) done += (await handle.write(part, done, part.length - done, position + done)).bytesWritten;
          position += part.length;
        }
      }
      if (sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, final);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  if (sync) syncDirectory(directory);
}

/** Removes temporary index files a writer killed mid-write left behind (only a writer calls this). */
export function removeIndexTemporaries(directory: string): void {
  for (const name of readdirSync(directory)) if (name.startsWith(TEMPORARY)) rmSync(join(directory, name), { force: true });
}
