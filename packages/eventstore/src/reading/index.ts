/**
 * Paged reads shared by every local adapter. An adapter exposes its log as a {@link LogSource}; `readAll`
 * and `readStream` pull one page at a time as the consumer iterates, so memory does not grow with the log.
 */
import { StoreClosedError, StreamNotFoundError } from '../errors/index.js';
import { compileFilter, type EventMatcher } from '../filters/index.js';
import type { Direction, ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../port/index.js';
import { assertDirection, assertFromRevision, assertMaxCount, assertStreamName, positionOption } from '../validation/index.js';

/** Events handed out per page. Small enough to bound memory, large enough to amortise a disk read. */
export const PAGE_SIZE = 256;

/** One page of a scan over `$all`: the matching events and the last position examined. */
export interface ScanPage {
  events: RecordedEvent[];
  /** Last position looked at; equals the cursor when nothing was left to examine. */
  last: number;
}

/**
 * An adapter's log as the shared read code sees it. Positions are internal numbers 1..head, contiguous
 * inside an adapter (the API only promises they increase).
 */
export interface LogSource {
  /** Highest position visible to readers (durable, for the file store); 0 when the log is empty. */
  head(): number;
  /** `'open'`, `'closed'`, or the error that ended the store. */
  state(): 'open' | 'closed' | Error;
  /**
   * Up to `limit` events matching `match` strictly after `cursor` (forwards, not past `end`) or strictly
   * before it (backwards, down to position 1).
   */
  scanAll(cursor: number, direction: Direction, limit: number, match: EventMatcher | undefined, end: number): ScanPage | Promise<ScanPage>;
  /** Number of visible events in a stream (0 when it has none). */
  streamLength(stream: string): number;
  /** `count` events of a stream starting at 0-based index `from`, in `direction`. */
  readStreamPage(stream: string, from: number, count: number, direction: Direction): RecordedEvent[] | Promise<RecordedEvent[]>;
  /** Calls `listener` after every append becomes visible and when the store closes; returns a remover. */
  onChange(listener: () => void): () => void;
}

/** Throws the store's terminal state as an error: closed, or the failure that closed it. */
export function assertOpen(source: LogSource): void {
  const state = source.state();
  if (state === 'closed') throw new StoreClosedError();
  if (state instanceof Error) throw state;
}

/**
 * `readAll` over a log source: validates the options when iteration starts (so every problem surfaces as
 * a rejection of the iteration), then pulls pages of {@link PAGE_SIZE}. A forwards read ends at the head
 * seen when it started, so a consumer that appends while reading still terminates.
 */
export function readAllPaged<D, M>(source: LogSource, options: ReadAllOptions = {}): AsyncIterable<RecordedEvent<D, M>> {
  return {
    async *[Symbol.asyncIterator]() {
      assertOpen(source);
      const direction = assertDirection(options.direction);
      let remaining = assertMaxCount(options.maxCount);
      const match = compileFilter(options.filter);
      const head = source.head();
      let cursor = positionOption('fromPosition', options.fromPosition, direction === 'forwards' ? 'start' : 'end', head);
      // 'end' read backwards starts with the last event itself: the cursor is exclusive.
      if (direction === 'backwards' && (options.fromPosition === undefined || options.fromPosition === 'end')) cursor = head + 1;
      while (remaining > 0) {
        const page = await source.scanAll(cursor, direction, Math.min(PAGE_SIZE, remaining), match, head);
        assertOpen(source);
        for (const event of page.events) yield event as RecordedEvent<D, M>;
        remaining -= page.events.length;
        if (page.last === cursor) return;
        cursor = page.last;
      }
    },
  };
}

/** `readStream` over a log source; `StreamNotFoundError` (on iteration) for a stream without events. */
export function readStreamPaged<D, M>(source: LogSource, stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent<D, M>> {
  return {
    async *[Symbol.asyncIterator]() {
      assertOpen(source);
      assertStreamName(stream);
      const direction = assertDirection(options.direction);
      let remaining = assertMaxCount(options.maxCount);
      const length = source.streamLength(stream);
      if (length === 0) throw new StreamNotFoundError(stream);
      const from = assertFromRevision(options.fromRevision, direction);
      let index = from === 'start' ? 0 : from === 'end' ? length - 1 : from > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(from);
      if (direction === 'backwards') index = Math.min(index, length - 1);
      // Forwards reads end at the stream's length when the read started, for the same reason as readAll.
      while (remaining > 0 && index >= 0 && index < length) {
        const count = Math.min(PAGE_SIZE, remaining, direction === 'forwards' ? length - index : index + 1);
        const page = await source.readStreamPage(stream, index, count, direction);
        assertOpen(source);
        for (const event of page) yield event as RecordedEvent<D, M>;
        remaining -= page.length;
        index += direction === 'forwards' ? page.length : -page.length;
        if (page.length === 0) return;
      }
    },
  };
}
