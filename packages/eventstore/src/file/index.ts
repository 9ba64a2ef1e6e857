/**
 * The file adapter: a durable, single-process embedded store in a directory.
 *
 * Layout: `segment-00000000.log`, `segment-00000001.log`, ... (append-only, see ./format.ts) and `LOCK`
 * (see ./lock.ts), and `documents/` (see ./documents.ts). Checkpoints are records in the same segments, so they share the events' durability.
 * On open the compact in-memory index is rebuilt: five typed-array slots per event (segment, offset, length,
 * stream number, type number), one number per event in its stream's list, and an id → position map. It is
 * loaded from `index.bin` (see ./index-file.ts) for the prefix of the log that file covers, when the file
 * checks out against the segments, and the records after it are scanned once with their checksums verified
 * (without a usable index file: every record). Records the index covers are verified when first read
 * instead. Event bodies stay on disk and are read per page.
 */
import { closeSync, fdatasync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, read, readdirSync, readFileSync, readSync, rmSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { appendEachStream, checkExpectedRevision, classifyKnownIds } from '../append/index.js';
import { decideCheckpoint, validateCheckpointArgs } from '../checkpoints/index.js';
import { CorruptStoreError, DuplicateEventIdError, InvalidArgumentError, ReadOnlyStoreError, StoreClosedError } from '../errors/index.js';
import type { EventMatcher } from '../filters/index.js';
import type {
  AppendOptions,
  AppendResult,
  CheckpointStore,
  CheckpointStoreResult,
  Direction,
  EventStore,
  EventToAppend,
  StreamAppend,
  RecordedEvent,
} from '../port/index.js';
import { readAllPaged, readStreamPaged, type LogSource, type ScanPage } from '../reading/index.js';
import { createAllSubscription } from '../subscription/index.js';
import { assertExpectedRevision, assertStreamName, validateEvents } from '../validation/index.js';
import {
  decodeCheckpoint,
  decodeEntry,
  encodeBatch,
  encodeCheckpoint,
  isValidRecordAt,
  crc32,
  KIND_BATCH,
  KIND_CHECKPOINT,
  RECORD_HEADER,
  type EncodableEvent,
} from './format.js';
import { syncDirectory } from './sync-directory.js';
import { acquireLock } from './lock.js';
import { openFileDocuments } from './documents.js';
import { createInMemoryStreamGroups } from '../stream-groups/index.js';
import { createIdIndex, hashBytes, hashString, restoreIdIndex, type IdIndex } from '../id-index/index.js';
import {
  checkIndexAgainstSegments,
  decodeIndex,
  encodeIndex,
  INDEX_BYTES_PER_EVENT,
  INDEX_FILE,
  INDEX_SUPPORTED,
  linkStreams,
  removeIndexTemporaries,
  writeIndexFile,
  type IndexContents,
  type IndexedRecord,
  type StreamLinks,
} from './index-file.js';

export { crc32 } from './format.js';
export { LOCK_FILE } from './lock.js';

/** Durability of an acknowledged append. */
export type FsyncMode = 'always' | 'batch' | 'none';

/** Options of {@link openFileEventStore}. */
export interface FileEventStoreOptions {
  /** The store's directory; created when missing (unless read-only). */
  directory: string;
  /**
   * `'always'` (default): every append is written and fsynced on its own before it is acknowledged.
   * `'batch'`: group commit, appends queued while a write is in flight share the next write and fsync;
   * each is still acknowledged only after its fsync. `'none'`: acknowledged after the write, no fsync
   * (survives a process crash, not a power loss; for tests).
   */
  fsync?: FsyncMode;
  /** Open for reading only: no lock is taken, nothing is written or truncated, appends throw `ReadOnlyStoreError`. */
  readOnly?: boolean;
  /** Size after which a new segment file is started (soft limit; a record never spans segments). Default 64 MiB. */
  segmentSize?: number;
  /** Called once on open with what recovery found (also available as `store.recovery`). */
  onRecovery?: (report: RecoveryReport) => void;
  /** Clock for `recordedAt` (milliseconds since the epoch); `Date.now` by default. */
  now?: () => number;
  /**
   * How many bytes of log the persisted index (`index.bin`) may leave uncovered before a writer rewrites it,
   * after a durable write, in the background: when the uncovered bytes reach the larger of this and the
   * index's own size (~24 bytes per event), so index writes never add more bytes than the appends they
   * cover. `close()` rewrites it when the uncovered bytes are at least 1/16 of its size. A store smaller
   * than this gets no index and is scanned whole on open (that takes at most ~0.1 s at the default).
   * Default 16 MiB; `Infinity` never writes one.
   */
  indexInterval?: number;
  /** Open by scanning and verifying every record, ignoring `index.bin` (a writer still writes a new one). */
  ignoreIndex?: boolean;
}

/** A torn tail found (and, when writable, truncated) on open. */
export interface TruncatedTail {
  /** Path of the segment file. */
  segment: string;
  /** Byte offset where the bad record started; the file now ends there. */
  offset: number;
  discardedBytes: number;
  reason: string;
}

/**
 * How an open used the persisted index: `'used'`, `'absent'` (no index file, or a big-endian platform),
 * `'ignored'` (the `ignoreIndex` option), or `'rejected: <reason>'` (then every record was scanned).
 */
export type IndexUse = 'used' | 'absent' | 'ignored' | `rejected: ${string}`;

/** What the open-time scan found. */
export interface RecoveryReport {
  segments: number;
  events: number;
  /** Whether the persisted index was used, and if not why. */
  index: IndexUse;
  /** Events the index covered (their records were not scanned); 0 when it was not used. */
  indexedEvents: number;
  /** Records (batches and checkpoints) read and checksum-verified by the open. */
  scannedRecords: number;
  /** The torn tail that was cut off, if any (never data followed by valid records: that fails the open). */
  truncatedTail: TruncatedTail | undefined;
  /** Whether the tail was actually truncated on disk (false in read-only mode, which only ignores it). */
  truncatedOnDisk: boolean;
}

/** The file store: the port plus what open found. */
export interface FileEventStore extends EventStore {
  readonly directory: string;
  readonly readOnly: boolean;
  readonly recovery: RecoveryReport;
}

const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;
// ~70k events of ~240 bytes: scanning that many on open costs well under 0.1 s, so a smaller store gains
// nothing from an index, and a bigger one never leaves more than this (or the index's size) to scan.
const DEFAULT_INDEX_INTERVAL = 16 * 1024 * 1024;
const SEGMENT_PATTERN = /^segment-(\d{8})\.log$/;
const segmentName = (n: number) => `segment-${String(n).padStart(8, '0')}.log`;
// Reads of one page coalesce neighbouring entries into one read of at most this many bytes.
const MAX_COALESCED_READ = 1 << 20;
const MAX_READ_GAP = 64 * 1024;

interface StreamEntry {
  name: string;
  /** The name's UTF-8 bytes, to recognise it in a scan without decoding a string per event (set when first needed). */
  bytes: Buffer | undefined;
  /** Index in the stream table, stored per event. */
  number: number;
  /**
   * Positions of the stream's events, reserved ones included; `undefined` until first needed for a stream
   * loaded from the index (then built from `next` links: see `positionsOf`).
   */
  positions: number[] | undefined;
  /** For a stream loaded from the index: its first position and how many it has there. */
  loadedFirst: number;
  loadedCount: number;
  /** How many of them are durable (visible to readers). */
  durable: number;
}

interface PendingWrite {
  buffer: Buffer;
  segment: number;
  offset: number;
  startsSegment: boolean;
  /** For a batch: its stream, event count and last position; for a checkpoint: undefined. */
  stream: StreamEntry | undefined;
  count: number;
  lastPosition: number;
  /** Ids of the batch, in the pending-id map until durable. */
  ids: string[] | undefined;
  /** For a checkpoint: its subscriber and position (the index persists durable checkpoints only). */
  checkpoint: readonly [string, number] | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Opens (creating if needed) a file event store in `options.directory`. Recovers a torn tail (reported in
 * `recovery` and to `onRecovery`), fails with `CorruptStoreError` for a bad record followed by valid ones,
 * with `StoreLockedError` when another live process holds the write lock.
 */
export async function openFileEventStore(options: FileEventStoreOptions): Promise<FileEventStore> {
  const directory = options.directory;
  const fsyncMode: FsyncMode = options.fsync ?? 'always';
  if (fsyncMode !== 'always' && fsyncMode !== 'batch' && fsyncMode !== 'none') {
    throw new InvalidArgumentError('fsync', `expected 'always', 'batch' or 'none', got ${String(fsyncMode)}`);
  }
  const readOnly = options.readOnly === true;
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!(segmentSize >= 1024 && segmentSize <= 2 ** 31)) throw new InvalidArgumentError('segmentSize', 'expected 1 KiB to 2 GiB');
  const now = options.now ?? Date.now;
  const indexInterval = options.indexInterval ?? DEFAULT_INDEX_INTERVAL;
  if (typeof indexInterval !== 'number' || !(indexInterval >= 1)) throw new InvalidArgumentError('indexInterval', `expected a number of bytes ≥ 1 (or Infinity), got ${String(indexInterval)}`);

  if (!readOnly) mkdirSync(directory, { recursive: true });
  const releaseLock = readOnly ? () => {} : acquireLock(directory);

  // ---- the index -------------------------------------------------------------------------------------
  let capacity = 1024;
  let segOf = new Uint32Array(capacity);
  let offOf = new Uint32Array(capacity);
  let lenOf = new Uint32Array(capacity);
  let streamOf = new Int32Array(capacity);
  let typeOf = new Int32Array(capacity);
  const streams = new Map<string, StreamEntry>();
  const streamList: StreamEntry[] = [];
  const types = new Map<string, number>();
  const typeList: string[] = [];
  let idIndex = createIdIndex();
  // Ids of appends not yet durable: confirmed from memory, since their bytes are not on disk yet.
  const pendingIds = new Map<string, number>();
  const streamsByHash = new Map<number, StreamEntry[]>();
  const typesByHash = new Map<number, number[]>();
  const typeBytes: Buffer[] = [];
  const checkpoints = new Map<string, bigint>();
  let reservedHead = 0; // last position handed out
  let durableHead = 0; // last position written (and fsynced, unless 'none')

  const grow = (needed: number) => {
    if (needed < capacity) return;
    let next = capacity * 2;
    while (next <= needed) next *= 2;
    const g = <T extends Uint32Array | Int32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    segOf = g(segOf, new Uint32Array(next));
    offOf = g(offOf, new Uint32Array(next));
    lenOf = g(lenOf, new Uint32Array(next));
    streamOf = g(streamOf, new Int32Array(next));
    typeOf = g(typeOf, new Int32Array(next));
    capacity = next;
  };
  const streamFor = (name: string): StreamEntry => {
    let s = streams.get(name);
    if (s === undefined) {
      s = { name, bytes: undefined, number: streamList.length, positions: [], loadedFirst: 0, loadedCount: 0, durable: 0 };
      streams.set(name, s);
      streamList.push(s);
    }
    return s;
  };
  // Streams are hashed by their bytes only for a scan (`streamAt`), and only when one runs: an open that the
  // index covers entirely never needs it (10k streams: 5-15 ms).
  let hashedStreams = 0;
  const hashStreams = () => {
    for (; hashedStreams < streamList.length; hashedStreams++) {
      const s = streamList[hashedStreams]!;
      const bytes = (s.bytes = Buffer.from(s.name, 'utf8'));
      const h = hashBytes(bytes, 0, bytes.length);
      const list = streamsByHash.get(h);
      if (list === undefined) streamsByHash.set(h, [s]);
      else list.push(s);
    }
  };
  const typeNumber = (type: string): number => {
    let t = types.get(type);
    if (t === undefined) {
      t = typeList.length;
      types.set(type, t);
      typeList.push(type);
      const bytes = Buffer.from(type, 'utf8');
      typeBytes.push(bytes);
      const h = hashBytes(bytes, 0, bytes.length);
      const list = typesByHash.get(h);
      if (list === undefined) typesByHash.set(h, [t]);
      else list.push(t);
    }
    return t;
  };
  // On open: find a stream or type by its bytes in the segment, decoding a string only the first time.
  const streamAt = (buf: Buffer, start: number, end: number): StreamEntry => {
    hashStreams();
    const list = streamsByHash.get(hashBytes(buf, start, end));
    if (list !== undefined) for (const s of list) if (sameBytes(buf, start, end, s.bytes!)) return s;
    return streamFor(buf.toString('utf8', start, end));
  };
  const typeAt = (buf: Buffer, start: number, end: number): number => {
    const list = typesByHash.get(hashBytes(buf, start, end));
    if (list !== undefined) for (const t of list) if (sameBytes(buf, start, end, typeBytes[t]!)) return t;
    return typeNumber(buf.toString('utf8', start, end));
  };
  // Links of the streams loaded from the index whose position lists are not built yet (see `positionsOf`).
  let nextInStream: Int32Array | undefined;
  let unbuiltStreams = 0;
  /** A stream's positions, built from the index's links on first use. */
  function positionsOf(s: StreamEntry): number[] {
    if (s.positions !== undefined) return s.positions;
    const list = new Array<number>(s.loadedCount);
    for (let i = 0, p = s.loadedFirst; i < list.length; i++, p = nextInStream![p]!) list[i] = p;
    s.positions = list;
    // Once every stream has its list, the links are garbage.
    if (--unbuiltStreams === 0) nextInStream = undefined;
    return list;
  }
  const indexEvent = (position: number, seg: number, off: number, len: number, stream: StreamEntry, type: number, idHash: number) => {
    grow(position);
    segOf[position] = seg;
    offOf[position] = off;
    lenOf[position] = len;
    streamOf[position] = stream.number;
    typeOf[position] = type;
    positionsOf(stream).push(position);
    idIndex.add(idHash, position);
  };

  // ---- open: load the persisted index if it checks out, scan (and verify) the records after it ---------
  let segmentNumbers = listSegments(directory);
  let truncatedTail: TruncatedTail | undefined;
  let truncatedOnDisk = false;
  let tailSize = 0;
  let indexUse: IndexUse = options.ignoreIndex === true ? 'ignored' : 'absent';
  let scannedRecords = 0;
  // Durable size of each segment, the log's total, and its last durable record: what an index write records.
  const segmentSizes = new Map<number, number>();
  let durableLogBytes = 0;
  let lastDurable: IndexedRecord | undefined;
  const durableCheckpoints = new Map<string, number>();
  // Positions 1..indexedHead came from the index: their records are checksum-verified when first read.
  let indexedHead = 0;
  let verified = new Uint8Array(0);
  let indexedBytes = 0;
  // Any failure while opening releases the lock we took, so a failed open leaves the directory as it was.
  try {
    let loaded: IndexContents | undefined;
    let links: StreamLinks | undefined;
    if (indexUse === 'absent' && INDEX_SUPPORTED) {
      let file: Buffer | undefined;
      let problem: string | undefined;
      try {
        file = readIfExists(join(directory, INDEX_FILE));
      } catch (error) {
        // Unreadable (a directory, no permission): no reason to fail the open, the scan does without it.
        problem = `unreadable (${(error as Error).message})`;
      }
      if (file !== undefined) {
        try {
          const decoded = decodeIndex(file);
          if (typeof decoded === 'string') problem = decoded;
          else {
            const ids = restoreIdIndex(decoded.ids);
            const linked = typeof ids === 'string' ? ids : linkStreams(decoded);
            problem = typeof linked === 'string' ? linked : checkIndexAgainstSegments(directory, decoded, segmentNumbers, segmentName);
            if (problem === undefined) {
              loaded = decoded;
              links = linked as StreamLinks;
              idIndex = ids as IdIndex;
            }
          }
        } catch (error) {
          problem = (error as Error).message;
        }
      }
      if (file !== undefined || problem !== undefined) indexUse = problem === undefined ? 'used' : `rejected: ${problem}`;
    }

    let firstSegment = 0;
    let firstOffset = 0;
    if (loaded !== undefined) {
      const n = loaded.events;
      // The index's columns become the store's arrays as they are; the first append past them grows them.
      segOf = loaded.segmentOf;
      offOf = loaded.offsetOf;
      lenOf = loaded.lengthOf;
      streamOf = loaded.streamOf;
      typeOf = loaded.typeOf;
      capacity = n + 1;
      for (const name of loaded.streams) streamFor(name);
      for (const type of loaded.types) typeNumber(type);
      // Each stream's positions are linked (position → the next of its stream) in one typed array, and a
      // stream's list is built when first needed: building them all costs ~50 ms and 8 MB of heap at 1M events.
      const { first, count, next } = links!;
      for (const s of streamList) {
        s.positions = undefined;
        s.loadedFirst = first[s.number]!;
        s.loadedCount = count[s.number]!;
        s.durable = s.loadedCount;
      }
      nextInStream = next;
      unbuiltStreams = streamList.length;
      for (const [id, position] of loaded.checkpoints) checkpoints.set(id, BigInt(position));
      reservedHead = n;
      indexedHead = n;
      verified = new Uint8Array((n >> 3) + 1);
      for (const s of loaded.segments) segmentSizes.set(s.number, s.size);
      lastDurable = loaded.last;
      indexedBytes = loaded.logBytes;
      firstSegment = loaded.segments.length - 1;
      firstOffset = loaded.segments.at(-1)!.size;
    }

    for (let k = firstSegment; k < segmentNumbers.length; k++) {
      const segNo = segmentNumbers[k]!;
      const path = join(directory, segmentName(segNo));
      // `base`: where in the segment `buf` starts (the index's stop offset in its last segment, else 0).
      const base = k === firstSegment ? firstOffset : 0;
      const buf = base === 0 ? readFileSync(path) : readFrom(path, base);
      const isLast = k === segmentNumbers.length - 1;
      let o = 0;
      while (o < buf.length) {
        const problem = recordProblem(buf, o);
        if (problem !== undefined) {
          let validAfter = false;
          for (let j = o + 1; j + RECORD_HEADER < buf.length && !validAfter; j++) validAfter = isValidRecordAt(buf, j);
          if (!isLast || validAfter) throw closeAnd(releaseLock, new CorruptStoreError(path, base + o, problem));
          truncatedTail = { segment: path, offset: base + o, discardedBytes: buf.length - o, reason: problem };
          if (!readOnly) {
            const fd = openSync(path, 'r+');
            try {
              ftruncateSync(fd, base + o);
              fsyncSync(fd);
            } finally {
              closeSync(fd);
            }
            truncatedOnDisk = true;
          }
          break;
        }
        const end = o + RECORD_HEADER + buf.readUInt32LE(o);
        const kind = buf[o + RECORD_HEADER];
        const malformed = (reason: string) => closeAnd(releaseLock, new CorruptStoreError(path, base + o, reason));
        if (kind === KIND_BATCH) {
          if (o + RECORD_HEADER + 5 > end) throw malformed('batch record too short');
          const count = buf.readUInt32LE(o + RECORD_HEADER + 1);
          let q = o + RECORD_HEADER + 5;
          let stream: StreamEntry | undefined;
          for (let i = 0; i < count; i++) {
            // Hand-decoded (no object or string per event): this loop runs once per stored event on open.
            if (q + 4 > end) throw malformed('event entry past the record end');
            const len = u32(buf, q);
            q += 4;
            const entryEnd = q + len;
            if (entryEnd > end || len < 36) throw malformed('malformed event entry');
            const position = buf.readDoubleLE(q);
            const revision = buf.readDoubleLE(q + 8);
            let p = q + 24;
            const sEnd = p + 2 + u16(buf, p);
            if (sEnd + 2 > entryEnd) throw malformed('malformed event entry');
            // Every entry of a batch is in the batch's stream: recognise it once per record.
            stream ??= streamAt(buf, p + 2, sEnd);
            p = sEnd;
            const iEnd = p + 2 + u16(buf, p);
            if (iEnd + 2 > entryEnd) throw malformed('malformed event entry');
            const idHash = hashBytes(buf, p + 2, iEnd);
            p = iEnd;
            const tEnd = p + 2 + u16(buf, p);
            if (tEnd + 4 > entryEnd) throw malformed('malformed event entry');
            const type = typeAt(buf, p + 2, tEnd);
            const dEnd = tEnd + 4 + u32(buf, tEnd);
            if (dEnd + 4 > entryEnd || dEnd + 4 + u32(buf, dEnd) !== entryEnd) throw malformed('malformed event entry');
            if (position !== reservedHead + 1) throw malformed(`position ${position} out of sequence after ${reservedHead}`);
            if (revision !== positionsOf(stream).length) throw malformed(`revision ${revision} out of sequence in stream '${stream.name}'`);
            reservedHead = position;
            indexEvent(position, segNo, base + q, len, stream, type, idHash);
            stream.durable++;
            q = entryEnd;
          }
          if (q !== end) throw malformed('batch record has trailing bytes');
        } else if (kind === KIND_CHECKPOINT) {
          const c = decodeCheckpoint(buf, o + RECORD_HEADER, end);
          if (c === undefined) throw malformed('malformed checkpoint record');
          checkpoints.set(c.subscriberId, BigInt(c.position));
        } else {
          throw malformed(`unknown record kind ${kind}`);
        }
        lastDurable = { segment: segNo, offset: base + o, payloadLength: end - o - RECORD_HEADER, crc: buf.readUInt32LE(o + 4) };
        scannedRecords++;
        o = end;
      }
      segmentSizes.set(segNo, base + o);
      if (isLast) tailSize = base + o;
    }
  } catch (error) {
    releaseLock();
    throw error;
  }
  // A writer removes a rejected index (once the open has succeeded: a failed open changes nothing), so that
  // later opens do not reject it again; a new one is written in time.
  if (!readOnly && indexUse.startsWith('rejected')) {
    try {
      rmSync(join(directory, INDEX_FILE), { force: true });
    } catch {
      // Not a file we can remove (a directory of that name): it stays rejected, and index writes fail quietly.
    }
  }
  // Temporary files of index writes a killed writer never finished.
  if (!readOnly) removeIndexTemporaries(directory);
  durableHead = reservedHead;
  for (const size of segmentSizes.values()) durableLogBytes += size;
  for (const [id, position] of checkpoints) durableCheckpoints.set(id, Number(position));

  const recovery: RecoveryReport = {
    segments: Math.max(segmentNumbers.length, readOnly ? 0 : 1),
    events: durableHead,
    index: indexUse,
    indexedEvents: indexedHead,
    scannedRecords,
    truncatedTail,
    truncatedOnDisk,
  };

  // ---- the writer ------------------------------------------------------------------------------------
  let writeSegment = segmentNumbers.length > 0 ? segmentNumbers[segmentNumbers.length - 1]! : 0;
  let writeOffset = tailSize; // reserved end of the current segment
  let writeFd: number | undefined;
  if (!readOnly) {
    if (segmentNumbers.length === 0) {
      closeSync(openSync(join(directory, segmentName(0)), 'a'));
      syncDirectory(directory);
      segmentNumbers = [0];
    }
    writeFd = openSync(join(directory, segmentName(writeSegment)), 'r+');
  }
  const readFds = new Map<number, number>();
  const queue: PendingWrite[] = [];
  let flushing = false;
  let flushScheduled = false;
  let closed = false;
  let failure: Error | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };

  const reserve = (
    buffer: Buffer,
    stream: StreamEntry | undefined,
    count: number,
    lastPosition: number,
    ids: string[] | undefined,
    checkpoint?: readonly [string, number],
  ): { write: PendingWrite; offset: number; segment: number; done: Promise<void> } => {
    let segment = writeSegment;
    let offset = writeOffset;
    let startsSegment = false;
    if (offset > 0 && offset + buffer.length > segmentSize) {
      segment++;
      offset = 0;
      startsSegment = true;
    }
    writeSegment = segment;
    writeOffset = offset + buffer.length;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const write: PendingWrite = { buffer, segment, offset, startsSegment, stream, count, lastPosition, ids, checkpoint, resolve, reject };
    queue.push(write);
    if (!flushing && !flushScheduled) {
      if (fsyncMode === 'always') void flush();
      else {
        // Group commit: start the write after the current tick, so that every append issued in this tick
        // (e.g. all the writers just woken by the previous fsync) joins the same write and fsync.
        flushScheduled = true;
        setImmediate(() => {
          flushScheduled = false;
          if (!flushing) void flush();
        });
      }
    }
    return { write, offset, segment, done };
  };

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0 && failure === undefined) {
        // 'always' writes and fsyncs appends one by one; 'batch' and 'none' take everything queued.
        const group = fsyncMode === 'always' ? queue.splice(0, 1) : queue.splice(0);
        let i = 0;
        while (i < group.length) {
          const first = group[i]!;
          if (first.startsSegment) await rollTo(first.segment);
          const buffers = [first.buffer];
          let j = i + 1;
          while (j < group.length && !group[j]!.startsSegment) buffers.push(group[j++]!.buffer);
          // The write itself only copies into the page cache: done synchronously, it saves a thread-pool
          // round trip per group; the fsync, which waits for the device, stays asynchronous.
          writeAllSync(writeFd!, buffers, first.offset);
          i = j;
        }
        if (fsyncMode !== 'none') await datasync(writeFd!);
        for (const w of group) {
          if (w.stream !== undefined) {
            w.stream.durable += w.count;
            durableHead = w.lastPosition;
          }
          if (w.ids !== undefined) for (const id of w.ids) pendingIds.delete(id);
          if (w.checkpoint !== undefined) durableCheckpoints.set(w.checkpoint[0], w.checkpoint[1]);
          segmentSizes.set(w.segment, w.offset + w.buffer.length);
          durableLogBytes += w.buffer.length;
        }
        const last = group.at(-1)!;
        lastDurable = { segment: last.segment, offset: last.offset, payloadLength: last.buffer.readUInt32LE(0), crc: last.buffer.readUInt32LE(4) };
        for (const w of group) w.resolve();
        notify();
        // After the acknowledgements: the index write runs beside later appends, never before one.
        if (indexWrite === undefined && indexDue(false)) indexWrite = writeIndex();
      }
    } catch (error) {
      fail(error);
    } finally {
      flushing = false;
    }
  }

  async function rollTo(segment: number): Promise<void> {
    if (fsyncMode !== 'none') await datasync(writeFd!);
    closeSync(writeFd!);
    writeFd = openSync(join(directory, segmentName(segment)), 'w+');
    if (fsyncMode !== 'none') syncDirectory(directory);
    segmentNumbers.push(segment);
  }

  // ---- the persisted index -----------------------------------------------------------------------------
  let indexWrite: Promise<void> | undefined;
  let indexTemporaries = 0;
  // After a failed write, the next background attempt waits for as many new bytes as a write is worth
  // (a write that keeps failing, disk full or an unwritable directory, must not be retried on every append).
  let indexRetryAt = 0;
  /** Is an index write worth it now? Small stores never; see the `indexInterval` option for the rule. */
  function indexDue(closing: boolean): boolean {
    if (readOnly || !INDEX_SUPPORTED || failure !== undefined || lastDurable === undefined || durableLogBytes < indexInterval) return false;
    const unindexed = durableLogBytes - indexedBytes;
    const indexBytes = INDEX_BYTES_PER_EVENT * durableHead;
    return closing ? unindexed > 0 && unindexed * 16 >= indexBytes : unindexed >= Math.max(indexInterval, indexBytes) && durableLogBytes >= indexRetryAt;
  }
  /**
   * Captures the durable state (synchronously, so it is one consistent prefix) and writes it as the new
   * index. The columns are views of the live arrays: their slots up to the durable head never change again.
   */
  function writeIndex(): Promise<void> {
    const n = durableHead;
    // Streams and types are numbered in log order, so those of durable events are a prefix of each table.
    let streamCount = 0;
    while (streamCount < streamList.length && streamList[streamCount]!.durable > 0) streamCount++;
    let typeCount = 0;
    for (let p = 1; p <= n; p++) if (typeOf[p]! >= typeCount) typeCount = typeOf[p]! + 1;
    const last = lastDurable!;
    const contents: IndexContents = {
      events: n,
      logBytes: durableLogBytes,
      last,
      segments: segmentNumbers.filter((k) => k <= last.segment).map((k) => ({ number: k, size: segmentSizes.get(k) ?? 0 })),
      streams: streamList.slice(0, streamCount).map((s) => s.name),
      types: typeList.slice(0, typeCount),
      checkpoints: [...durableCheckpoints],
      segmentOf: segOf.subarray(0, n + 1),
      offsetOf: offOf.subarray(0, n + 1),
      lengthOf: lenOf.subarray(0, n + 1),
      streamOf: streamOf.subarray(0, n + 1),
      typeOf: typeOf.subarray(0, n + 1),
      ids: idIndex.snapshot(n),
    };
    const covered = durableLogBytes;
    return encodeIndex(contents)
      .then((buffers) => writeIndexFile(directory, buffers, fsyncMode !== 'none', ++indexTemporaries))
      .then(
        () => {
          indexedBytes = Math.max(indexedBytes, covered);
          indexWrite = undefined;
        },
        () => {
          // The index is an optimisation: a failed write leaves the previous one (or none), and opens scan more.
          indexRetryAt = durableLogBytes + Math.max(indexInterval, INDEX_BYTES_PER_EVENT * durableHead);
          indexWrite = undefined;
        },
      );
  }

  function fail(error: unknown): void {
    if (failure !== undefined) return;
    failure = new StoreClosedError(error);
    for (const w of queue.splice(0)) w.reject(failure);
    notify();
  }

  const assertWritable = (operation: string) => {
    if (failure !== undefined) throw failure;
    if (closed) throw new StoreClosedError();
    if (readOnly) throw new ReadOnlyStoreError(operation);
  };

  // ---- reads -----------------------------------------------------------------------------------------
  const fdFor = (segment: number): number => {
    let fd = readFds.get(segment);
    if (fd === undefined) {
      fd = openSync(join(directory, segmentName(segment)), 'r');
      readFds.set(segment, fd);
    }
    return fd;
  };
  const isoOf = createIsoCache();

  // ---- read-time verification of the records the index covers ----------------------------------------
  const isVerified = (p: number): boolean => p > indexedHead || (verified[p >> 3]! & (1 << (p & 7))) !== 0;
  /**
   * The batch record holding position `p` (in the indexed prefix): its first and last positions and its
   * byte range. Entries of one record are back to back (the next starts 4 bytes, its length field, after
   * the previous ends); between records there are at least a record header, a kind and a count.
   */
  const recordOf = (p: number): { first: number; last: number; start: number; end: number } => {
    const seg = segOf[p]!;
    let first = p;
    while (first > 1 && segOf[first - 1] === seg && offOf[first - 1]! + lenOf[first - 1]! + 4 === offOf[first]) first--;
    let last = p;
    while (last < indexedHead && segOf[last + 1] === seg && offOf[last]! + lenOf[last]! + 4 === offOf[last + 1]) last++;
    return { first, last, start: offOf[first]! - 4 - 5 - RECORD_HEADER, end: offOf[last]! + lenOf[last]! };
  };
  /** Verifies the checksum of the record holding `p`, whose bytes are in `buf` (which starts at `bufStart`). */
  const verifyRecord = (p: number, buf: Buffer, bufStart: number): void => {
    const r = recordOf(p);
    const o = r.start - bufStart;
    const path = join(directory, segmentName(segOf[p]!));
    const corrupt = (reason: string) => new CorruptStoreError(path, r.start, reason, 'read');
    if (o < 0 || r.end - bufStart > buf.length) throw corrupt('record outside the bytes read');
    const length = buf.readUInt32LE(o);
    if (r.start + RECORD_HEADER + length !== r.end) throw corrupt(`record length ${length} does not match its indexed events`);
    if (buf[o + RECORD_HEADER] !== KIND_BATCH || buf.readUInt32LE(o + RECORD_HEADER + 1) !== r.last - r.first + 1) throw corrupt('not the indexed batch');
    if (crc32(buf.subarray(o + RECORD_HEADER, o + RECORD_HEADER + length)) !== buf.readUInt32LE(o + 4)) throw corrupt('checksum mismatch');
    for (let q = r.first; q <= r.last; q++) verified[q >> 3]! |= 1 << (q & 7);
  };

  /** Reads the events at `positions` (ascending), coalescing neighbours into one read per run. */
  async function readEvents(positions: readonly number[]): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = new Array(positions.length);
    let i = 0;
    try {
      while (i < positions.length) {
        const p = positions[i]!;
        const seg = segOf[p]!;
        const start = offOf[p]!;
        let end = start + lenOf[p]!;
        let j = i + 1;
        while (j < positions.length) {
          const q = positions[j]!;
          const qo = offOf[q]!;
          const qe = qo + lenOf[q]!;
          if (segOf[q] !== seg || qo < end || qo - end > MAX_READ_GAP || qe - start > MAX_COALESCED_READ) break;
          end = qe;
          j++;
        }
        // An unverified record in the run: read the whole records of its ends, so every record it touches is in the buffer.
        let readStart = start;
        let readEnd = end;
        let unverified = false;
        for (let k = i; k < j && !unverified; k++) unverified = !isVerified(positions[k]!);
        if (unverified) {
          readStart = recordOf(p).start;
          const lastOf = positions[j - 1]!;
          readEnd = lastOf > indexedHead ? end : recordOf(lastOf).end;
        }
        const buf = Buffer.allocUnsafe(readEnd - readStart);
        await readFully(fdFor(seg), buf, readStart);
        for (let k = i; k < j; k++) {
          const q = positions[k]!;
          if (!isVerified(q)) verifyRecord(q, buf, readStart);
          out[k] = decodeRecorded(buf, offOf[q]! - readStart, lenOf[q]!, isoOf);
        }
        i = j;
      }
    } catch (error) {
      if (closed) throw new StoreClosedError();
      throw error;
    }
    return out;
  }

  const source: LogSource = {
    head: () => durableHead,
    state: () => (failure !== undefined ? failure : closed ? 'closed' : 'open'),
    async scanAll(cursor: number, direction: Direction, limit: number, match: EventMatcher | undefined, end: number): Promise<ScanPage> {
      const positions: number[] = [];
      let p = cursor;
      const budget = 65_536;
      if (direction === 'forwards') {
        const stop = Math.min(end, durableHead, cursor + budget);
        while (p < stop && positions.length < limit) {
          p++;
          if (match === undefined || match(streamList[streamOf[p]!]!.name, typeList[typeOf[p]!]!)) positions.push(p);
        }
        return { events: await readEvents(positions), last: p };
      }
      p = Math.min(p, durableHead + 1);
      const stop = Math.max(1, p - budget);
      while (p > stop && positions.length < limit) {
        p--;
        if (match === undefined || match(streamList[streamOf[p]!]!.name, typeList[typeOf[p]!]!)) positions.push(p);
      }
      positions.reverse();
      const events = await readEvents(positions);
      events.reverse();
      return { events, last: p };
    },
    streamLength: (stream) => streams.get(stream)?.durable ?? 0,
    async readStreamPage(stream, from, count, direction) {
      const s = streams.get(stream);
      if (s === undefined) return [];
      if (direction === 'forwards') return readEvents(positionsOf(s).slice(from, Math.min(from + count, s.durable)));
      const positions = positionsOf(s).slice(Math.max(0, from - count + 1), from + 1);
      const events = await readEvents(positions);
      return events.reverse();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /** The id stored at a durable position, read back from disk (only on a hash hit, so rarely). */
  const idAt = (p: number): string => {
    // A record the index covers is verified on its first read (here the whole record is read for that).
    const record = isVerified(p) ? undefined : recordOf(p);
    const start = record === undefined ? offOf[p]! : record.start;
    const len = record === undefined ? lenOf[p]! : record.end - record.start;
    const buf = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = readSync(fdFor(segOf[p]!), buf, done, len - done, start + done);
      if (n === 0) break;
      done += n;
    }
    if (record !== undefined) verifyRecord(p, buf, start);
    const h = decodeEntry(buf, offOf[p]! - start, offOf[p]! - start + lenOf[p]!);
    if (h === undefined) throw new Error(`malformed event entry at position ${p}`);
    return h.id;
  };
  const positionOfId = (id: string): number | undefined => {
    const pending = pendingIds.get(id);
    if (pending !== undefined) return pending;
    if (idIndex.size === 0) return undefined;
    return idIndex.find(hashString(id), (p) => p <= durableHead && idAt(p) === id);
  };
  const locate = (id: string) => {
    const p = positionOfId(id);
    if (p === undefined) return undefined;
    const s = streamList[streamOf[p]!]!;
    return { streamName: s.name, revision: positionsOf(s).indexOf(p), position: p };
  };

  const waitDurable = (position: number): Promise<void> =>
    position <= durableHead
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const remove = source.onChange(() => {
            if (failure !== undefined) {
              remove();
              reject(failure);
            } else if (durableHead >= position) {
              remove();
              resolve();
            }
          });
        });

  const checkpointStore: CheckpointStore = {
    async load(subscriberId) {
      if (failure !== undefined) throw failure;
      if (closed) throw new StoreClosedError();
      validateCheckpointArgs(subscriberId, 0n);
      return checkpoints.get(subscriberId);
    },
    async store(subscriberId, position, opts): Promise<CheckpointStoreResult> {
      assertWritable('store a checkpoint');
      validateCheckpointArgs(subscriberId, position);
      const result = decideCheckpoint(checkpoints.get(subscriberId), position, opts);
      if (result !== 'stored') return result;
      if (position > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError('position', 'must be at most 2^53 - 1 in the file store');
      // Decided now, in call order, so concurrent conditional stores are linearisable; durable before we answer.
      checkpoints.set(subscriberId, position);
      const { done } = reserve(encodeCheckpoint(subscriberId, Number(position)), undefined, 0, 0, undefined, [subscriberId, Number(position)]);
      await done;
      return 'stored';
    },
  };

  const documents = openFileDocuments({
    directory,
    readOnly,
    sync: fsyncMode !== 'none',
    assertOpen: () => {
      if (failure !== undefined) throw failure;
      if (closed) throw new StoreClosedError();
    },
  });

  const store: FileEventStore = {
    directory,
    readOnly,
    recovery,
    async appendToStream<D, M>(streamName: string, events: readonly EventToAppend<D, M>[], opts?: AppendOptions): Promise<AppendResult> {
      assertWritable('append');
      assertStreamName(streamName);
      const expected = opts?.expectedRevision ?? 'any';
      assertExpectedRevision(expected);
      const repeated = validateEvents(events, false);
      if (repeated.length > 0) throw new DuplicateEventIdError(streamName, repeated);
      const count = events.length;
      const existing = streams.get(streamName);
      const current = existing === undefined ? -1 : positionsOf(existing).length - 1;
      let known = false;
      for (let i = 0; i < count && !known; i++) known = positionOfId(events[i]!.id) !== undefined;
      if (known) {
        const retried = classifyKnownIds(streamName, (i) => events[i]!.id, count, locate);
        if (retried !== undefined) {
          await waitDurable(Number(retried.position));
          return retried;
        }
      }
      checkExpectedRevision(streamName, expected, current);
      if (count === 0) {
        if (existing === undefined) return { nextExpectedRevision: -1n, position: -1n };
        const last = positionsOf(existing)[current]!;
        await waitDurable(last);
        return { nextExpectedRevision: BigInt(current), position: BigInt(last) };
      }
      const encodable: EncodableEvent[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const e = events[i]!;
        encodable[i] = {
          id: e.id,
          type: e.type,
          dataJson: JSON.stringify(e.data),
          metadataJson: e.metadata === undefined ? undefined : JSON.stringify(e.metadata),
        };
      }
      const firstPosition = reservedHead + 1;
      const encoded = encodeBatch(streamName, encodable, firstPosition, current + 1, now());
      if (encoded.record.length > 2 ** 31) throw new InvalidArgumentError('events', 'a batch must encode to at most 2 GiB');
      const stream = streamFor(streamName);
      const lastPosition = reservedHead + count;
      reservedHead = lastPosition;
      const ids = new Array<string>(count);
      for (let i = 0; i < count; i++) {
        ids[i] = encodable[i]!.id;
        pendingIds.set(ids[i]!, firstPosition + i);
      }
      const { offset, segment, done } = reserve(encoded.record, stream, count, lastPosition, ids);
      for (let i = 0; i < count; i++) {
        indexEvent(firstPosition + i, segment, offset + encoded.entryOffsets[i]!, encoded.entryLengths[i]!, stream, typeNumber(encodable[i]!.type), hashString(ids[i]!));
      }
      await done;
      return { nextExpectedRevision: BigInt(current + count), position: BigInt(lastPosition) };
    },
    async appendToStreams<D, M>(appends: readonly StreamAppend<D, M>[]): Promise<PromiseSettledResult<AppendResult>[]> {
      assertWritable('append');
      // Each entry is its own batch record; started together, they share the group commit.
      return appendEachStream(store.appendToStream, appends as readonly StreamAppend[]);
    },
    readStream: (stream, o) => readStreamPaged(source, stream, o),
    readAll: (o) => readAllPaged(source, o),
    subscribeToAll: (o) => createAllSubscription(source, o),
    checkpoints: checkpointStore,
    documents,
    // Readers see what is written (durable), so a stream forms a group once one of its events is.
    streamGroups: createInMemoryStreamGroups({
      assertOpen: () => {
        if (closed) throw new StoreClosedError();
      },
      *streams() {
        for (const entry of streamList) if (entry.durable > 0) yield entry.name;
      },
      head: () => durableHead,
    }),
    async close() {
      if (closed) return;
      // Let queued appends finish first: they were accepted and their callers are waiting.
      while (flushing || flushScheduled || (queue.length > 0 && failure === undefined)) {
        if (!flushing && !flushScheduled) void flush();
        await new Promise((r) => setTimeout(r, 1));
      }
      closed = true;
      notify();
      if (writeFd !== undefined) closeSync(writeFd);
      for (const fd of readFds.values()) closeSync(fd);
      readFds.clear();
      // Before the lock goes: the index is only ever written by the writer that holds it.
      if (indexWrite !== undefined) await indexWrite;
      if (indexDue(true)) await writeIndex();
      releaseLock();
    },
  };
  options.onRecovery?.(recovery);
  return store;
}

/** Why the record at `o` cannot be read, or `undefined` when its length fits and its checksum matches. */
function recordProblem(buf: Buffer, o: number): string | undefined {
  if (o + RECORD_HEADER > buf.length) return `truncated record header (${buf.length - o} of ${RECORD_HEADER} bytes)`;
  const len = buf.readUInt32LE(o);
  if (len < 1) return 'zero-length record';
  if (o + RECORD_HEADER + len > buf.length) return `truncated record (${buf.length - o - RECORD_HEADER} of ${len} payload bytes)`;
  if (crc32(buf.subarray(o + RECORD_HEADER, o + RECORD_HEADER + len)) !== buf.readUInt32LE(o + 4)) return 'checksum mismatch';
  return undefined;
}

function decodeRecorded(buf: Buffer, o: number, len: number, iso: (ms: number) => string): RecordedEvent {
  const h = decodeEntry(buf, o, o + len);
  if (h === undefined) throw new Error(`malformed event entry at read offset ${o}`);
  return {
    id: h.id,
    type: h.type,
    data: JSON.parse(buf.toString('utf8', h.dataStart, h.dataEnd)) as unknown,
    metadata: h.metadataEnd > h.metadataStart ? (JSON.parse(buf.toString('utf8', h.metadataStart, h.metadataEnd)) as unknown) : undefined,
    streamName: h.stream,
    revision: BigInt(h.revision),
    position: BigInt(h.position),
    recordedAt: iso(h.recordedAtMs),
  };
}

function createIsoCache(): (ms: number) => string {
  let lastMs = Number.NaN;
  let last = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      last = new Date(ms).toISOString();
    }
    return last;
  };
}

/** The file's bytes, or `undefined` when it does not exist. */
function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The bytes of a file from `offset` to its end. */
function readFrom(path: string, offset: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.max(0, size - offset));
    let done = 0;
    while (done < buf.length) {
      const n = readSync(fd, buf, done, buf.length - done, offset + done);
      if (n === 0) return buf.subarray(0, done);
      done += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

function listSegments(directory: string): number[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const numbers: number[] = [];
  for (const name of names) {
    const m = SEGMENT_PATTERN.exec(name);
    if (m) numbers.push(Number(m[1]));
  }
  return numbers.sort((a, b) => a - b);
}

function closeAnd(release: () => void, error: Error): Error {
  release();
  return error;
}

function writeAllSync(fd: number, buffers: Buffer[], position: number): void {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  let written = writevSync(fd, buffers, position);
  if (written === total) return;
  // A short write: write the rest from where it stopped.
  const rest = Buffer.concat(buffers);
  while (written < total) written += writeSync(fd, rest, written, total - written, position + written);
}

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

function readFully(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number) => {
      read(fd, buf, done, buf.length - done, position + done, (error, n) => {
        if (error) reject(error);
        else if (n === 0) reject(new Error(`unexpected end of segment at offset ${position + done}`));
        else if (done + n === buf.length) resolve();
        else step(done + n);
      });
    };
    step(0);
  });
}

function u16(buf: Buffer, o: number): number {
  return buf[o]! | (buf[o + 1]! << 8);
}

function u32(buf: Buffer, o: number): number {
  return (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16)) + buf[o + 3]! * 0x1000000;
}

function sameBytes(buf: Buffer, start: number, end: number, bytes: Buffer): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}
