/**
 * The decisions every adapter makes before writing a batch, in one place so that they agree: the
 * expected-revision check and the classification of already-known event ids (retry or conflict).
 */
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../errors/index.js';
import type { AppendResult, ExpectedRevision } from '../port/index.js';

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
