import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import type { SpilledEventReader } from '@omnitrail/journey';

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
  /** Events appended. */
  readonly size: number;
  /** Bytes written. */
  readonly bytes: number;
  /** Closes and deletes the file (and its directory). Idempotent. */
  close(): void;
}

/** Bytes gathered before one write. */
const WRITE_BYTES = 1 << 20;
/** At most this many bytes are read at once; lines close enough together share a read. */
const READ_BYTES = 1 << 20;

/** Creates an empty spill file in a new private directory under `directory` (default: the OS temp dir). */
export function createSpillFile(directory: string = tmpdir()): SpillFile {
  const dir = mkdtempSync(join(directory, 'omnitrail-spill-'));
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
    let done = 0;
    while (done < bytes.length) done += writeSync(open(), bytes, done, bytes.length - done, written + done);
    written += bytes.length;
    pending = [];
    pendingBytes = 0;
  };
  const fill = (start: number, end: number) => {
    if (end - start > buffer.length) buffer = Buffer.alloc(end - start);
    let got = 0;
    while (got < end - start) {
      const n = readSync(open(), buffer, got, end - start - got, start + got);
      if (n === 0) throw new Error(`the spill file ended at byte ${start + got}, before ${end}`);
      got += n;
    }
    bufferStart = start;
    bufferEnd = end;
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
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        if (!(p >= 0 && p < size)) throw new RangeError(`no spilled event at position ${p} (${size} spilled)`);
        const start = offsets[p]!;
        const end = start + lengths[p]!;
        if (start < bufferStart || end > bufferEnd) {
          // One read up to the last of the next positions that fits in READ_BYTES: a dense run is read
          // once, a sparse one line by line.
          let last = end;
          for (let j = i + 1; j < positions.length; j++) {
            const q = positions[j]!;
            const qEnd = offsets[q]! + lengths[q]!;
            if (qEnd - start > READ_BYTES) break;
            last = Math.max(last, qEnd);
          }
          fill(start, last);
        }
        // The line without its newline; it was written from a valid event, and parsing it again gives the
        // same normalised event (the upcasters have nothing left to do).
        const text = buffer.toString('utf8', start - bufferStart, end - bufferStart - 1);
        visit(i, parseEventOrThrow(JSON.parse(text)));
      }
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
      pending = [];
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
