import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { ranksByPosition, SPILLED_WINDOW_EVENTS, type EventSequence, type SpilledEventReader } from '@omnitrail/journey/internal';

/**
 * A temporary NDJSON file of accepted events, appended in log order and read back by position: where a
 * replay keeps the events it no longer holds in memory. Every input kind (files, gzip, standard input,
 * stores) spills the same way, so a replay never re-reads or re-decompresses its inputs.
 */
export interface SpillFile extends SpilledEventReader {
  /**
   * Appends the event at the next position: `text` when given (the JSON line the event was parsed from,
   * which parses to the same event again), else the event as JSON.
   */
  append(event: CatalogEvent, text?: string): void;
  /** The events at `positions`, in that order, through a regrouped copy of their lines (read forwards). */
  inOrder(positions: Int32Array): EventSequence;
  /** Events appended. */
  readonly size: number;
  /** Bytes written. */
  readonly bytes: number;
  /** Closes and deletes the file (and its directory). Idempotent. */
  close(): void;
}

/** Bytes gathered before one write. */
const WRITE_BYTES = 1 << 20;
/** Events a regrouped copy hands back at a time. */
const RUN_EVENTS = 4096;
/** The write buffer of each bucket of a regrouped copy (see `inOrder`). */
const BUCKET_BUFFER_BYTES = 1 << 16;

/** Bytes read at least when a position is not in the buffer (a page). */
const READ_AHEAD = 1 << 12;
/** At most this many bytes are read at once; lines close enough together share a read. */
const READ_BYTES = 1 << 20;

/** Where a spill file goes and how it is read back. */
export interface SpillFileOptions {
  /** Where its private directory is made (default: the OS temp directory). */
  directory?: string;
  /**
   * Events per bucket of a regrouped copy (default `SPILLED_WINDOW_EVENTS`, 65,536): a sequence holds
   * one bucket's raw text at a time, and hands its events back in runs of 4,096.
   */
  bucketEvents?: number;
}

/** Writes `length` bytes of `buf` from `offset` at file position `position`, however many calls it takes. */
function writeFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, buf, offset + done, length - done, position + done);
}

/** Reads `length` bytes at file position `position` into the start of `buf`; the file must hold them. */
function readFully(fd: number, buf: Uint8Array, length: number, position: number, what: string): void {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new Error(`${what} ended at byte ${position + got}, before ${position + length}`);
    got += n;
  }
}

/** Creates an empty spill file in a new private directory. */
export function createSpillFile(options: SpillFileOptions = {}): SpillFile {
  const dir = mkdtempSync(join(options.directory ?? tmpdir(), 'omnitrail-spill-'));
  const bucketEvents = Math.max(1, options.bucketEvents ?? SPILLED_WINDOW_EVENTS);
  // Regrouped copies not closed yet, closed with the file.
  const openCopies = new Set<EventSequence>();
  const path = join(dir, 'events.ndjson');
  let fd: number | undefined = openSync(path, 'w+', 0o600);
  // Per position, the line's byte offset and length (offsets as doubles: files may pass 4 GiB).
  let offsets = new Float64Array(1 << 16);
  let lengths = new Int32Array(1 << 16);
  let size = 0;
  let written = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  let buffer = Buffer.alloc(READ_BYTES);
  // The file range now in `buffer`.
  let bufferStart = 0;
  let bufferEnd = 0;

  const open = (): number => {
    if (fd === undefined) throw new Error('the spill file is closed');
    return fd;
  };
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Buffer.from(pending.join(''), 'utf8');
    writeFully(open(), bytes, 0, bytes.length, written);
    written += bytes.length;
    pending = [];
    pendingBytes = 0;
  };
  /**
   * Reads into `buffer` from the line at `at(i)` through the last of the following lines (`at(i + 1)`, …,
   * ascending, up to `at(count - 1)`) that fit in READ_BYTES, and at least `minBytes`: a dense run of lines
   * takes one read, a sparse one a read per line.
   */
  const fillFrom = (i: number, count: number, at: (k: number) => number, minBytes: number) => {
    const p = at(i);
    const start = offsets[p]!;
    let end = Math.min(written, Math.max(start + lengths[p]!, start + minBytes));
    for (let k = i + 1; k < count; k++) {
      const q = at(k);
      const qEnd = offsets[q]! + lengths[q]!;
      if (qEnd - start > READ_BYTES) break;
      if (qEnd > end) end = qEnd;
    }
    if (end - start > buffer.length) buffer = Buffer.alloc(end - start);
    readFully(open(), buffer, end - start, start, 'the spill file');
    bufferStart = start;
    bufferEnd = end;
  };
  let copies = 0;
  /**
   * The lines at `positions` regrouped into a second file in buckets of `bucketEvents` consecutive ranks:
   * one forward read of the spill file, each line appended to its bucket's region (a small buffer per
   * bucket), then each bucket read whole when the sequence reaches it. Linear in the file, where reading
   * windows of scattered positions re-reads the whole file once per window.
   */
  const regrouped = (positions: Int32Array): EventSequence => {
    const m = positions.length;
    for (let r = 0; r < m; r++) {
      const p = positions[r]!;
      if (!(p >= 0 && p < size)) throw new RangeError(`position ${p} is not a distinct spilled event`);
    }
    // The ranks in position order, so the pass below reads only this sequence's lines (one tenant's, of a
    // file that may hold many), forwards.
    const byPosition = ranksByPosition(positions);
    for (let j = 1; j < m; j++) {
      if (positions[byPosition[j]!] === positions[byPosition[j - 1]!]) throw new RangeError(`position ${positions[byPosition[j]!]} is not a distinct spilled event`);
    }
    const buckets = Math.ceil(m / bucketEvents);
    // Each bucket's region in the copy: its lines' total length, then running offsets.
    const regionStart = new Float64Array(buckets + 1);
    for (let r = 0; r < m; r++) regionStart[Math.floor(r / bucketEvents) + 1]! += lengths[positions[r]!]!;
    for (let b = 0; b < buckets; b++) regionStart[b + 1]! += regionStart[b]!;
    const cursor = regionStart.slice(0, buckets);
    // Each rank's line offset within the copy.
    const lineAt = new Float64Array(m);
    const copyPath = join(dir, `regrouped-${copies++}.ndjson`);
    let copy: number | undefined = openSync(copyPath, 'w+', 0o600);
    const bucketBuffers: (Buffer | undefined)[] = new Array<Buffer | undefined>(buckets).fill(undefined);
    const bucketFill = new Int32Array(buckets);
    const bucketWritten = regionStart.slice(0, buckets);
    const flushBucket = (b: number) => {
      const buf = bucketBuffers[b];
      if (buf === undefined || bucketFill[b] === 0) return;
      writeFully(copy!, buf, 0, bucketFill[b]!, bucketWritten[b]!);
      bucketWritten[b]! += bucketFill[b]!;
      bucketFill[b] = 0;
    };
    try {
      // One forward pass over the sequence's lines (a dense sequence reads the file in 1 MB reads, a sparse
      // one line by line).
      const lineOf = (k: number) => positions[byPosition[k]!]!;
      let chunkStart = 0;
      let chunkEnd = 0;
      for (let j = 0; j < m; j++) {
        const r = byPosition[j]!;
        const p = positions[r]!;
        const start = offsets[p]!;
        const length = lengths[p]!;
        if (start < chunkStart || start + length > chunkEnd) {
          fillFrom(j, m, lineOf, 0);
          chunkStart = bufferStart;
          chunkEnd = bufferEnd;
        }
        const b = Math.floor(r / bucketEvents);
        lineAt[r] = cursor[b]!;
        cursor[b]! += length;
        if (length > BUCKET_BUFFER_BYTES) {
          // A line longer than the buffer is written on its own.
          flushBucket(b);
          writeFully(copy, buffer, start - bufferStart, length, bucketWritten[b]!);
          bucketWritten[b]! += length;
          continue;
        }
        let buf = bucketBuffers[b];
        if (buf === undefined) buf = bucketBuffers[b] = Buffer.allocUnsafe(BUCKET_BUFFER_BYTES);
        if (bucketFill[b]! + length > BUCKET_BUFFER_BYTES) flushBucket(b);
        buffer.copy(buf, bucketFill[b]!, start - bufferStart, start - bufferStart + length);
        bucketFill[b]! += length;
      }
      for (let b = 0; b < buckets; b++) flushBucket(b);
    } catch (error) {
      closeSync(copy);
      rmSync(copyPath, { force: true });
      throw error;
    }
    bucketBuffers.length = 0;
    let rank = 0;
    let region: Buffer = Buffer.alloc(0);
    let regionBucket = -1;
    const sequence: EventSequence = {
      // Runs this small are folded before the young generation fills, so their events never get promoted.
      runEvents: RUN_EVENTS,
      next(out, count) {
        if (copy === undefined) throw new Error('the regrouped spill file is closed');
        if (rank + count > m) throw new RangeError(`only ${m - rank} of the ${count} events asked for are left`);
        for (let i = 0; i < count; i++, rank++) {
          const b = Math.floor(rank / bucketEvents);
          if (b !== regionBucket) {
            const bytes = regionStart[b + 1]! - regionStart[b]!;
            if (region.length < bytes) region = Buffer.allocUnsafe(bytes);
            readFully(copy, region, bytes, regionStart[b]!, 'the regrouped spill file');
            regionBucket = b;
          }
          const start = lineAt[rank]! - regionStart[b]!;
          const text = region.toString('utf8', start, start + lengths[positions[rank]!]! - 1);
          out[i] = parseEventOrThrow(JSON.parse(text));
        }
      },
      close() {
        if (copy === undefined) return;
        closeSync(copy);
        copy = undefined;
        rmSync(copyPath, { force: true });
        openCopies.delete(sequence);
      },
    };
    openCopies.add(sequence);
    return sequence;
  };
  return {
    append(event, text) {
      const line = `${text ?? JSON.stringify(event)}\n`;
      const length = Buffer.byteLength(line, 'utf8');
      if (size === offsets.length) {
        const grownOffsets = new Float64Array(size * 2);
        grownOffsets.set(offsets);
        offsets = grownOffsets;
        const grownLengths = new Int32Array(size * 2);
        grownLengths.set(lengths);
        lengths = grownLengths;
      }
      offsets[size] = written + pendingBytes;
      lengths[size] = length;
      size++;
      pending.push(line);
      pendingBytes += length;
      if (pendingBytes >= WRITE_BYTES) flush();
    },
    get size() {
      return size;
    },
    get bytes() {
      return written + pendingBytes;
    },
    read(positions, visit) {
      flush();
      const lineOf = (k: number) => positions[k]!;
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        if (!(p >= 0 && p < size)) throw new RangeError(`no spilled event at position ${p} (${size} spilled)`);
        const start = offsets[p]!;
        const end = start + lengths[p]!;
        // At least READ_AHEAD bytes: the cases pass asks for one event at a time, in time order, which in a
        // time-ordered input is close to file order; in one grouped by customer its reads jump about (85k
        // reads, 92% of them far, at 1M events), so it stays small.
        if (start < bufferStart || end > bufferEnd) fillFrom(i, positions.length, lineOf, READ_AHEAD);
        // The line without its newline; it was written from a valid event, and parsing it again gives the
        // same normalised event (the upcasters have nothing left to do).
        const text = buffer.toString('utf8', start - bufferStart, end - bufferStart - 1);
        visit(i, parseEventOrThrow(JSON.parse(text)));
      }
    },
    inOrder(positions) {
      flush();
      return regrouped(positions);
    },
    close() {
      if (fd === undefined) return;
      for (const copy of [...openCopies]) copy.close();
      closeSync(fd);
      fd = undefined;
      pending = [];
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
