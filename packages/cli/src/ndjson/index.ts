import { createReadStream, statSync } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * A run of complete NDJSON lines read from one input, as raw bytes. Blocks are what the parse workers
 * receive: cutting at the last newline lets the reader hand bytes over without decoding them itself.
 */
export interface LineBlock {
  /** Whole lines, each ended by `\n` except possibly the input's last one. */
  bytes: Buffer;
  /** The 1-based physical line number of the block's first line. */
  firstLine: number;
}

/** Where NDJSON comes from: a file path, or a stream (standard input). */
export type NdjsonSource = { path: string } | { stream: NodeJS.ReadableStream; name?: string };

/** Reading progress, reported per chunk of raw (possibly compressed) bytes. */
export type ProgressCallback = (bytesRead: number) => void;

const NEWLINE = 0x0a;
const DEFAULT_BLOCK_BYTES = 256 * 1024;

/** Whether the bytes start with the gzip magic number, whatever the file is called. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The size in bytes of a file input, when known (for the progress bar). */
export function sourceSize(source: NdjsonSource): number | undefined {
  if (!('path' in source)) return undefined;
  try {
    return statSync(source.path).size;
  } catch {
    return undefined;
  }
}

// Raw chunks of a source; counts bytes before decompression so the progress bar matches the file size.
async function* rawChunks(source: NdjsonSource, onProgress?: ProgressCallback): AsyncGenerator<Buffer> {
  const stream = 'path' in source ? createReadStream(source.path, { highWaterMark: 1 << 20 }) : source.stream;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    onProgress?.(buf.length);
    yield buf;
  }
}

/** The decoded bytes of a source: gunzipped when it starts with the gzip magic number. */
export async function* decodedChunks(source: NdjsonSource, onProgress?: ProgressCallback): AsyncGenerator<Buffer> {
  const raw = rawChunks(source, onProgress);
  // Peek until two bytes are known: enough to recognise gzip by its magic number rather than its name.
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await raw.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (!isGzip(head)) {
    if (head.length > 0) yield head;
    yield* raw;
    return;
  }
  const replay = async function* () {
    yield head;
    yield* raw;
  };
  const gunzip = createGunzip();
  pipeline(Readable.from(replay()), gunzip, () => undefined);
  yield* gunzip as AsyncIterable<Buffer>;
}

/**
 * Splits a source into blocks of whole lines (about `blockBytes` each), with their first physical line
 * number. A UTF-8 byte-order mark at the start is dropped. Memory stays at one block plus one partial line.
 */
export async function* readLineBlocks(
  source: NdjsonSource,
  options: { blockBytes?: number; onProgress?: ProgressCallback } = {},
): AsyncGenerator<LineBlock> {
  const blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let nextLine = 1;
  let bomChecked = false;
  for await (const chunk of decodedChunks(source, options.onProgress)) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (!bomChecked) {
      // A byte-order mark may arrive split over chunks (a pipe can hand over a byte at a time): wait for three.
      if (pendingBytes < 3) continue;
      const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      const rest = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
      pending = [rest];
      pendingBytes = rest.length;
      bomChecked = true;
    }
    if (pendingBytes < blockBytes) continue;
    const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    let offset = 0;
    // Cut blocks of about blockBytes at line ends, so a big read chunk still feeds several workers.
    while (joined.length - offset >= blockBytes) {
      let cut = joined.lastIndexOf(NEWLINE, offset + blockBytes - 1);
      if (cut < offset) {
        cut = joined.indexOf(NEWLINE, offset + blockBytes);
        if (cut < 0) break;
      }
      const bytes = joined.subarray(offset, cut + 1);
      const block = { bytes, firstLine: nextLine };
      nextLine += countNewlines(bytes);
      offset = cut + 1;
      yield block;
    }
    const rest = joined.subarray(offset);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
  }
  if (pendingBytes > 0) {
    yield { bytes: pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes), firstLine: nextLine };
  }
}

/** The number of `\n` bytes in a buffer (native indexOf, no decoding). */
export function countNewlines(bytes: Uint8Array): number {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  let i = buf.indexOf(NEWLINE);
  while (i >= 0) {
    n++;
    i = buf.indexOf(NEWLINE, i + 1);
  }
  return n;
}

/**
 * Calls `visit` for every non-blank line of a block with its physical line number. A trailing `\r` is
 * dropped (CRLF files); lines of only whitespace are blank and skipped silently.
 */
export function forEachLine(text: string, firstLine: number, visit: (line: string, lineNumber: number) => void): void {
  let start = 0;
  let lineNumber = firstLine;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = length;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    if (stop > start) {
      const line = text.slice(start, stop);
      // Most lines start with '{'; only the rare others pay for the whitespace test.
      if (line.charCodeAt(0) === 123 || line.trim() !== '') visit(line, lineNumber);
    }
    lineNumber++;
    start = end + 1;
  }
}
