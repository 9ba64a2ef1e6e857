/**
 * Settled customer records spilled to a local file (docs/durable-engine.md, "Settled records spilled").
 *
 * A packed record (`../packed-customers`) is about 3.7 kB of V8's heap for a customer gone quiet, and quiet
 * customers grow with history. With a spill, its bytes go to a file of the engine's own, and the heap keeps
 * a small object that knows where they are: the heap grows with the active customers, the disk with the
 * settled ones, as stream processors' local state stores do (the store, through snapshots, stays the
 * durable copy; the spill is rebuilt from a snapshot on each start and holds nothing a restart needs).
 *
 * Reads stay synchronous (`readSync` of a few kB, from the page cache once read or written recently), so a
 * report and `customer()` read a spilled record as they read a packed one. The file is a series of segments
 * written by appending; the bytes of a record follow the object that refers to them: when that object is
 * collected (a customer came back, a state that held it was dropped), a `FinalizationRegistry` marks them
 * dead, and a segment mostly dead has its live entries moved to the newest one and is closed. Each segment is
 * unlinked as soon as it is opened where the system allows it (POSIX), so a process that dies leaves no file
 * behind; elsewhere it is removed by `close()`.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Where a spilled record's bytes are: moved in place when its segment is compacted. */
export interface SpillEntry {
  segment: SpillSegment;
  offset: number;
  readonly length: number;
}

interface SpillSegment {
  fd: number;
  /** Set where the file could not be unlinked while open: removed by `close()`. */
  path: string | undefined;
  /** Bytes written to the file (the tail's bytes come after them). */
  flushed: number;
  /** Bytes appended, flushed or not. */
  size: number;
  /** Bytes of the entries still referred to. */
  live: number;
  readonly entries: Set<SpillEntry>;
}

/** `createJourneyEngine({ memory: { spill } })`: where settled records are spilled. */
export interface RecordSpillOptions {
  /** The directory the spill's files are created in (default: the system's temporary directory). */
  directory?: string;
}

/** What a spill holds and did (part of `engine.memoryStats()`). */
export interface RecordSpillStats {
  /** Entries referred to now, and their bytes. */
  entries: number;
  liveBytes: number;
  /** The files' bytes on disk, dead entries included until their segment is compacted. */
  fileBytes: number;
  /** Records read back since the start. */
  reads: number;
  /** Segments compacted since the start. */
  compactions: number;
  /** Why the spill stopped taking records (records then stay packed in memory), or `null`. */
  error: string | null;
}

/** A file of records' bytes (see the module comment). */
export interface RecordSpill {
  /**
   * Appends bytes whose life follows `holder` (collected: the bytes are dead), and answers where they are; or
   * `undefined` when the spill cannot write (its error is then in {@link RecordSpill.stats}, and the caller
   * keeps the bytes itself).
   */
  write(bytes: Uint8Array, holder: object): SpillEntry | undefined;
  /**
   * The bytes of an entry, in a buffer reused by the next read: decode them before anything else reads.
   * (Typed as `Uint8Array`, which the engine's type surface can name without Node's types.)
   */
  read(entry: SpillEntry): Uint8Array;
  stats(): RecordSpillStats;
  /** Closes the files: an entry read afterwards throws. */
  close(): void;
}

/** A segment is closed for writing at this size; a new one is started. */
const SEGMENT_BYTES = 32 * 1024 * 1024;
/** Appends are gathered up to this size before one write. */
const TAIL_BYTES = 1024 * 1024;
/** A closed segment whose live bytes fall under this share of its size is compacted. */
const COMPACT_BELOW = 0.25;

/** Sizes of a spill's parts: the defaults, smaller in tests. */
export interface RecordSpillLimits {
  segmentBytes: number;
  tailBytes: number;
}

/** A spill whose files are created in `options.directory` at its first write. */
export function createRecordSpill(options: RecordSpillOptions = {}, limits: RecordSpillLimits = { segmentBytes: SEGMENT_BYTES, tailBytes: TAIL_BYTES }): RecordSpill {
  const directory = options.directory ?? tmpdir();
  const { segmentBytes } = limits;
  const segments: SpillSegment[] = [];
  let current: SpillSegment | undefined;
  let tail = Buffer.allocUnsafe(limits.tailBytes);
  let tailLength = 0;
  let scratch = Buffer.allocUnsafe(64 * 1024);
  let entries = 0;
  let liveBytes = 0;
  let reads = 0;
  let compactions = 0;
  let error: string | null = null;
  let closed = false;
  // Compaction is due once a closed segment's live share falls low: done at the next write, not in the
  // finalizer's task, so that a report reading records never meets a segment being moved.
  let compactionDue = false;
  const dead = new FinalizationRegistry<SpillEntry>((entry) => {
    const { segment } = entry;
    if (!segment.entries.delete(entry)) return;
    segment.live -= entry.length;
    entries--;
    liveBytes -= entry.length;
    if (segment !== current && segment.live < segment.size * COMPACT_BELOW) compactionDue = true;
  });

  function openSegment(): SpillSegment {
    const path = join(directory, `omnitrail-spill-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'wx+', 0o600);
    let kept: string | undefined;
    try {
      unlinkSync(path);
    } catch {
      kept = path;
    }
    const segment: SpillSegment = { fd, path: kept, flushed: 0, size: 0, live: 0, entries: new Set() };
    segments.push(segment);
    return segment;
  }

  function flush(): void {
    if (current === undefined || tailLength === 0) return;
    let done = 0;
    while (done < tailLength) {
      const n = writeSync(current.fd, tail, done, tailLength - done, current.flushed + done);
      if (n <= 0) throw new Error(`the record spill's file took no bytes (${tailLength - done} left to write)`);
      done += n;
    }
    current.flushed += tailLength;
    tailLength = 0;
  }

  /** Appends to the current segment (a new one when it is full): the offset written at. */
  function append(bytes: Uint8Array): { segment: SpillSegment; offset: number } {
    if (current === undefined || current.size + bytes.length > segmentBytes) {
      flush();
      const full = current;
      current = openSegment();
      // Its entries may have died while it was written to.
      if (full !== undefined && full.live < full.size * COMPACT_BELOW) compactionDue = true;
    }
    if (tailLength + bytes.length > tail.length) {
      flush();
      if (bytes.length > tail.length) tail = Buffer.allocUnsafe(bytes.length);
    }
    tail.set(bytes, tailLength);
    tailLength += bytes.length;
    const offset = current.size;
    current.size += bytes.length;
    return { segment: current, offset };
  }

  function readInto(entry: SpillEntry): Buffer {
    const { segment, offset, length } = entry;
    if (segment === current && offset >= segment.flushed) return tail.subarray(offset - segment.flushed, offset - segment.flushed + length);
    if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
    let done = 0;
    while (done < length) {
      const n = readSync(segment.fd, scratch, done, length - done, offset + done);
      if (n === 0) throw new Error(`the record spill's file ended before an entry's ${length} bytes at ${offset}`);
      done += n;
    }
    return scratch.subarray(0, length);
  }

  /** Moves the live entries of the closed segments mostly dead to the current one, and closes them. */
  function compact(): void {
    compactionDue = false;
    for (const segment of segments.slice()) {
      if (segment === current || segment.live >= segment.size * COMPACT_BELOW) continue;
      for (const entry of segment.entries) {
        const bytes = Buffer.from(readInto(entry));
        const moved = append(bytes);
        segment.entries.delete(entry);
        entry.segment = moved.segment;
        entry.offset = moved.offset;
        moved.segment.entries.add(entry);
        moved.segment.live += entry.length;
      }
      segments.splice(segments.indexOf(segment), 1);
      closeSegment(segment);
      compactions++;
    }
  }

  function closeSegment(segment: SpillSegment): void {
    closeSync(segment.fd);
    if (segment.path !== undefined) {
      try {
        unlinkSync(segment.path);
      } catch {
        // Gone already, or not ours to remove: nothing to keep.
      }
    }
  }

  return {
    write(bytes, holder) {
      if (error !== null || closed) return undefined;
      try {
        if (compactionDue) compact();
        const { segment, offset } = append(bytes);
        const entry: SpillEntry = { segment, offset, length: bytes.length };
        segment.entries.add(entry);
        segment.live += bytes.length;
        entries++;
        liveBytes += bytes.length;
        dead.register(holder, entry);
        return entry;
      } catch (e) {
        error = `could not write to the record spill in ${directory}: ${(e as Error).message}`;
        return undefined;
      }
    },
    read(entry) {
      if (closed) throw new Error('the engine is closed: the customer records it had spilled to disk are gone');
      reads++;
      return readInto(entry);
    },
    stats() {
      let fileBytes = 0;
      for (const s of segments) fileBytes += s.size;
      return { entries, liveBytes, fileBytes, reads, compactions, error };
    },
    close() {
      if (closed) return;
      closed = true;
      for (const segment of segments) closeSegment(segment);
      segments.length = 0;
      current = undefined;
      tailLength = 0;
    },
  };
}

// A holder's bytes, on the heap or in a spill. Held: `data` is a string of Latin-1 characters (one byte each
// on V8's heap). Spilled: `data` is an enumerable getter reading the file, so that the snapshot codec, which
// writes an object's own enumerable keys, writes the bytes as it does a held string; where they are is kept
// under a symbol the codec does not see.
const SPILLED: unique symbol = Symbol('spilled');
interface SpilledHolder {
  readonly [SPILLED]: { spill: RecordSpill; entry: SpillEntry };
}
function spilledData(this: SpilledHolder): string {
  const { spill, entry } = this[SPILLED];
  const bytes = spill.read(entry);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Gives `holder` its bytes as `data`: written to `spill` when there is one that can write (their life then
 * follows the holder's), held as a string otherwise. Call it once, on a new holder. `enumerable: false`
 * hides `data` from the snapshot codec (the holder then shows the codec what to write some other way).
 */
export function holdBytes<T extends object>(holder: T, bytes: Uint8Array, spill: RecordSpill | undefined, enumerable = true): T & { readonly data: string } {
  const entry = spill?.write(bytes, holder);
  if (entry === undefined) {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    return enumerable ? Object.assign(holder, { data }) : Object.defineProperty(holder, 'data', { value: data }) as T & { readonly data: string };
  }
  Object.defineProperty(holder, 'data', { get: spilledData, enumerable });
  Object.defineProperty(holder, SPILLED, { value: { spill: spill!, entry } });
  return holder as T & { readonly data: string };
}

/** A holder's bytes (read from its spill, or from its string): decode them before the next read of a spill. */
export function heldBytes(holder: { readonly data: string }): Uint8Array {
  const spilled = (holder as Partial<SpilledHolder>)[SPILLED];
  return spilled === undefined ? Buffer.from(holder.data, 'latin1') : spilled.spill.read(spilled.entry);
}

/** Whether a holder's bytes are in a spill. */
export function isSpilled(holder: object): boolean {
  return SPILLED in holder;
}

/** How many bytes a holder holds (without reading a spill). */
export function heldByteLength(holder: { readonly data: string }): number {
  const spilled = (holder as Partial<SpilledHolder>)[SPILLED];
  return spilled === undefined ? holder.data.length : spilled.entry.length;
}

/** How many bytes holders hold (each counted once), and of them how many are spilled and their bytes. */
export function heldBytesStats(holders: ReadonlySet<{ readonly data: string }>): { count: number; bytes: number; spilled: number; spilledBytes: number } {
  let bytes = 0;
  let spilled = 0;
  let spilledBytes = 0;
  for (const holder of holders) {
    const length = heldByteLength(holder);
    bytes += length;
    if (!isSpilled(holder)) continue;
    spilled++;
    spilledBytes += length;
  }
  return { count: holders.size, bytes, spilled, spilledBytes };
}
