/**
 * The decisions every adapter makes before writing a batch, in one place so that they agree: the
 * expected-revision check and the classification of already-known event ids (retry or conflict).
 */
import { DuplicateEventIdError, InvalidArgumentError, WrongExpectedRevisionError } from '../errors/index.js';
import type { AppendOptions, AppendResult, EventToAppend, ExpectedRevision, StreamAppend } from '../port/index.js';

/** Where an already-stored event lives: its stream, 0-based revision and position (as numbers). */
export interface StoredEventLocation {
  streamName: string;
  revision: number;
  position: number;
}

/**
 * Throws `WrongExpectedRevisionError` unless a stream whose last revision is `current` (-1 when it has no
 * events) satisfies `expected`.
 */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: number): void {
  if (expected === 'any') return;
  const ok =
    expected === 'no_stream' ? current === -1 : expected === 'stream_exists' ? current >= 0 : current >= 0 && Number(expected) === current; // Number(): no BigInt allocation per append
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, current < 0 ? 'no_stream' : BigInt(current));
}

/**
 * Looks every id of a batch up. Answers `undefined` when none is stored (a new batch), the original
 * result when all are stored in `stream`, in the same order, at consecutive revisions (a retried append,
 * which then writes nothing), and throws `DuplicateEventIdError` naming the stored ids otherwise.
 */
export function classifyKnownIds(
  stream: string,
  ids: readonly string[] | ((i: number) => string),
  count: number,
  lookup: (id: string) => StoredEventLocation | undefined,
): AppendResult | undefined {
  const idAt = typeof ids === 'function' ? ids : (i: number) => ids[i]!;
  let found: StoredEventLocation[] | undefined;
  let foundIds: string[] | undefined;
  for (let i = 0; i < count; i++) {
    const id = idAt(i);
    const at = lookup(id);
    if (at !== undefined) {
      (found ??= []).push(at);
      (foundIds ??= []).push(id);
    }
  }
  if (found === undefined) return undefined;
  if (found.length === count) {
    const first = found[0]!;
    let retry = true;
    for (let i = 0; i < found.length; i++) {
      const at = found[i]!;
      if (at.streamName !== stream || at.revision !== first.revision + i) {
        retry = false;
        break;
      }
    }
    if (retry) {
      const last = found[found.length - 1]!;
      return { nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position) };
    }
  }
  throw new DuplicateEventIdError(stream, foundIds!);
}

/**
 * Throws `InvalidArgumentError` unless `appends` is an array of `{ streamName, events, expectedRevision? }`
 * objects: what `appendToStreams` rejects as a whole (a bad stream name or event fails its own entry).
 */
export function assertStreamAppends(appends: unknown): asserts appends is readonly StreamAppend[] {
  if (!Array.isArray(appends)) throw new InvalidArgumentError('appends', `expected an array of { streamName, events, expectedRevision? }, got ${appends === null ? 'null' : typeof appends}`);
  for (let i = 0; i < appends.length; i++) {
    const entry: unknown = appends[i];
    if (entry === null || typeof entry !== 'object') throw new InvalidArgumentError(`appends[${i}]`, `expected { streamName, events, expectedRevision? }, got ${entry === null ? 'null' : typeof entry}`);
  }
}

const NOTHING = (): void => undefined;

/**
 * `appendToStreams` for an adapter without a native multi-stream append: every entry goes through the
 * adapter's own `appendToStream`. Entries start at once, as separate calls would, except that an entry
 * waits for the earlier entries it could depend on (same stream: its revision; a shared event id: retry or
 * conflict), so the outcome is that of the calls made one after another in order.
 */
export async function appendEachStream(
  appendToStream: (streamName: string, events: readonly EventToAppend<unknown, unknown>[], options?: AppendOptions) => Promise<AppendResult>,
  appends: readonly StreamAppend<unknown, unknown>[],
): Promise<PromiseSettledResult<AppendResult>[]> {
  assertStreamAppends(appends);
  const settle = (p: Promise<unknown>): Promise<void> => p.then(NOTHING, NOTHING);
  const lastByStream = new Map<unknown, Promise<void>>();
  const lastById = new Map<unknown, Promise<void>>();
  const started = appends.map((a) => {
    const waits = new Set<Promise<void>>();
    const before = lastByStream.get(a.streamName);
    if (before) waits.add(before);
    const events: readonly { id?: unknown }[] = Array.isArray(a.events) ? a.events : [];
    for (const e of events) {
      const earlier = e !== null && typeof e === 'object' ? lastById.get(e.id) : undefined;
      if (earlier) waits.add(earlier);
    }
    const run = () => appendToStream(a.streamName, a.events, { expectedRevision: a.expectedRevision ?? 'any' });
    const promise = waits.size === 0 ? run() : Promise.all(waits).then(run);
    const done = settle(promise);
    lastByStream.set(a.streamName, done);
    for (const e of events) if (e !== null && typeof e === 'object') lastById.set(e.id, done);
    return promise;
  });
  return Promise.allSettled(started);
}
