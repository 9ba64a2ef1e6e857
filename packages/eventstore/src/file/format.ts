/**
 * The segment file format. A segment is a sequence of records; every record is
 *
 *   u32 payload length | u32 CRC-32 of the payload | payload
 *
 * (little-endian). The payload's first byte is its kind:
 *
 *   1 = a batch: u32 event count, then per event
 *       u32 entry length | f64 position | f64 revision | f64 recordedAt (ms) |
 *       u16 stream bytes | stream | u16 id bytes | id | u16 type bytes | type |
 *       u32 data bytes | data JSON | u32 metadata bytes (0 = none) | metadata JSON
 *   2 = a checkpoint: f64 position | u16 subscriber bytes | subscriber id
 *
 * One append is one record, so a batch is atomic on disk: a torn write fails the checksum of the one record
 * it tore. Each event entry is self-contained, so a read fetches exactly the entries it needs.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Bytes of a record header: payload length and checksum. */
export const RECORD_HEADER = 8;
export const KIND_BATCH = 1;
export const KIND_CHECKPOINT = 2;
/** Fixed bytes of an event entry besides its strings and JSON (after the entry length field). */
const ENTRY_FIXED = 8 + 8 + 8 + 2 + 2 + 2 + 4 + 4;

/** CRC-32 (IEEE, as zlib and PNG compute it) of a byte range; node:zlib's native one when available. */
export const crc32: (data: Uint8Array) => number =
  typeof zlibCrc32 === 'function' ? (data) => zlibCrc32(data) : tableCrc32;

/** Continues a CRC-32 over more bytes: `crc32Update(b, crc32(a))` is the checksum of `a` followed by `b`. */
export const crc32Update: (data: Uint8Array, previous: number) => number =
  // node:zlib answers 0 for an empty view of a zero-length ArrayBuffer (Node 20.20), whatever `previous` is.
  typeof zlibCrc32 === 'function' ? (data, previous) => (data.length === 0 ? previous : zlibCrc32(data, previous)) : tableCrc32;

let table: Int32Array | undefined;
// Fallback for runtimes without zlib.crc32 (Node < 20.15): the classic byte-at-a-time table.
function tableCrc32(data: Uint8Array, previous = 0): number {
  if (table === undefined) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = ~previous;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** An event to encode, with its JSON already rendered. */
export interface EncodableEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string | undefined;
}

/** Where each event entry of an encoded record sits, relative to the record's start. */
export interface EncodedBatch {
  record: Buffer;
  /** Offset of each entry's first byte after its length field, relative to the record start. */
  entryOffsets: number[];
  entryLengths: number[];
}

/**
 * Encodes one batch record. Positions and revisions are consecutive from `firstPosition` and
 * `firstRevision`; all events share `recordedAtMs`.
 */
export function encodeBatch(
  stream: string,
  events: readonly EncodableEvent[],
  firstPosition: number,
  firstRevision: number,
  recordedAtMs: number,
): EncodedBatch {
  const streamBytes = Buffer.byteLength(stream);
  let size = RECORD_HEADER + 1 + 4;
  const lengths: number[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const len =
      ENTRY_FIXED +
      streamBytes +
      Buffer.byteLength(e.id) +
      Buffer.byteLength(e.type) +
      Buffer.byteLength(e.dataJson) +
      (e.metadataJson === undefined ? 0 : Buffer.byteLength(e.metadataJson));
    lengths[i] = len;
    size += 4 + len;
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32LE(size - RECORD_HEADER, 0);
  buf[RECORD_HEADER] = KIND_BATCH;
  buf.writeUInt32LE(events.length, RECORD_HEADER + 1);
  let o = RECORD_HEADER + 5;
  const offsets: number[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    buf.writeUInt32LE(lengths[i]!, o);
    o += 4;
    offsets[i] = o;
    buf.writeDoubleLE(firstPosition + i, o);
    buf.writeDoubleLE(firstRevision + i, o + 8);
    buf.writeDoubleLE(recordedAtMs, o + 16);
    o += 24;
    o = writeString16(buf, stream, o);
    o = writeString16(buf, e.id, o);
    o = writeString16(buf, e.type, o);
    const dataBytes = buf.write(e.dataJson, o + 4, 'utf8');
    buf.writeUInt32LE(dataBytes, o);
    o += 4 + dataBytes;
    if (e.metadataJson === undefined) {
      buf.writeUInt32LE(0, o);
      o += 4;
    } else {
      const metaBytes = buf.write(e.metadataJson, o + 4, 'utf8');
      buf.writeUInt32LE(metaBytes, o);
      o += 4 + metaBytes;
    }
  }
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_HEADER)), 4);
  return { record: buf, entryOffsets: offsets, entryLengths: lengths };
}

/** Encodes one checkpoint record. */
export function encodeCheckpoint(subscriberId: string, position: number): Buffer {
  const idBytes = Buffer.byteLength(subscriberId);
  const buf = Buffer.allocUnsafe(RECORD_HEADER + 1 + 8 + 2 + idBytes);
  buf.writeUInt32LE(buf.length - RECORD_HEADER, 0);
  buf[RECORD_HEADER] = KIND_CHECKPOINT;
  buf.writeDoubleLE(position, RECORD_HEADER + 1);
  writeString16(buf, subscriberId, RECORD_HEADER + 9);
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_HEADER)), 4);
  return buf;
}

function writeString16(buf: Buffer, s: string, o: number): number {
  const n = buf.write(s, o + 2, 'utf8');
  buf.writeUInt16LE(n, o);
  return o + 2 + n;
}

/** The fields of an event entry, decoded without parsing its JSON. */
export interface EntryHeader {
  position: number;
  revision: number;
  recordedAtMs: number;
  stream: string;
  id: string;
  type: string;
  /** Byte range of the data JSON and of the metadata JSON (empty range: no metadata). */
  dataStart: number;
  dataEnd: number;
  metadataStart: number;
  metadataEnd: number;
}

/**
 * Decodes the header of the event entry at `o` (just after its length field) whose entry ends at `end`.
 * Returns `undefined` when the entry's inner lengths do not fit (a malformed record).
 */
export function decodeEntry(buf: Buffer, o: number, end: number): EntryHeader | undefined {
  if (o + ENTRY_FIXED > end) return undefined;
  const position = buf.readDoubleLE(o);
  const revision = buf.readDoubleLE(o + 8);
  const recordedAtMs = buf.readDoubleLE(o + 16);
  let p = o + 24;
  const sLen = buf.readUInt16LE(p);
  const stream = buf.toString('utf8', p + 2, (p += 2 + sLen));
  if (p + 2 > end) return undefined;
  const iLen = buf.readUInt16LE(p);
  const id = buf.toString('utf8', p + 2, (p += 2 + iLen));
  if (p + 2 > end) return undefined;
  const tLen = buf.readUInt16LE(p);
  const type = buf.toString('utf8', p + 2, (p += 2 + tLen));
  if (p + 4 > end) return undefined;
  const dLen = buf.readUInt32LE(p);
  const dataStart = p + 4;
  const dataEnd = dataStart + dLen;
  if (dataEnd + 4 > end) return undefined;
  const mLen = buf.readUInt32LE(dataEnd);
  const metadataStart = dataEnd + 4;
  const metadataEnd = metadataStart + mLen;
  if (metadataEnd !== end) return undefined;
  return { position, revision, recordedAtMs, stream, id, type, dataStart, dataEnd, metadataStart, metadataEnd };
}

/** Decodes a checkpoint payload starting at its kind byte; `undefined` when malformed. */
export function decodeCheckpoint(buf: Buffer, o: number, end: number): { subscriberId: string; position: number } | undefined {
  if (o + 11 > end) return undefined;
  const position = buf.readDoubleLE(o + 1);
  const n = buf.readUInt16LE(o + 9);
  if (o + 11 + n !== end) return undefined;
  return { position, subscriberId: buf.toString('utf8', o + 11, o + 11 + n) };
}

/**
 * Is there a record at `o` whose length fits in `buf` and whose checksum matches? Used after a bad record
 * to tell a torn tail (nothing valid follows) from corruption in the middle (valid records follow).
 */
export function isValidRecordAt(buf: Buffer, o: number): boolean {
  if (o + RECORD_HEADER + 1 > buf.length) return false;
  const len = buf.readUInt32LE(o);
  if (len < 1 || o + RECORD_HEADER + len > buf.length) return false;
  const kind = buf[o + RECORD_HEADER];
  if (kind !== KIND_BATCH && kind !== KIND_CHECKPOINT) return false;
  return crc32(buf.subarray(o + RECORD_HEADER, o + RECORD_HEADER + len)) === buf.readUInt32LE(o + 4);
}
