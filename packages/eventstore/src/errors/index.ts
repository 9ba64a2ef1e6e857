/**
 * Every error the storage port raises. Each has a stable `code` (match on it, not on the message or the
 * class, when errors cross package boundaries), the values that explain it, and a message that says what
 * to do next.
 */

/** Base class of every error raised by `@omnitrail/eventstore`. */
export class EventStoreError extends Error {
  /** Stable machine-readable code, e.g. `'WRONG_EXPECTED_REVISION'`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Renders an expected revision for messages and the `expected` property. */
function describeExpected(expected: 'any' | 'no_stream' | 'stream_exists' | bigint): string {
  return typeof expected === 'bigint' ? `revision ${expected}` : `'${expected}'`;
}

/** The stream was not at the revision the append expected. Nothing of the batch was written. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly stream: string;
  readonly expected: 'any' | 'no_stream' | 'stream_exists' | bigint;
  /** The stream's actual last revision, or `'no_stream'` when it has no events. */
  readonly actual: bigint | 'no_stream';
  constructor(stream: string, expected: 'any' | 'no_stream' | 'stream_exists' | bigint, actual: bigint | 'no_stream') {
    super(
      'WRONG_EXPECTED_REVISION',
      `Stream '${stream}' expected ${describeExpected(expected)} but is at ${actual === 'no_stream' ? "'no_stream'" : `revision ${actual}`}. ` +
        'Nothing was written: read the stream again, decide again, and retry the append with the new revision.',
    );
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Some event ids of the batch already exist (and the batch is not an exact retry). Nothing was written. */
export class DuplicateEventIdError extends EventStoreError {
  readonly stream: string;
  readonly ids: readonly string[];
  constructor(stream: string, ids: readonly string[]) {
    super(
      'DUPLICATE_EVENT_ID',
      `Appending to stream '${stream}': event id(s) ${ids.map((i) => `'${i}'`).join(', ')} already exist in the store ` +
        '(in another stream, at other revisions, or only part of the batch was stored before). Nothing was written: ' +
        'give new events fresh ids, or retry a failed append with exactly the same batch.',
    );
    this.stream = stream;
    this.ids = ids;
  }
}

/** The stream has no events. */
export class StreamNotFoundError extends EventStoreError {
  readonly stream: string;
  constructor(stream: string) {
    super('STREAM_NOT_FOUND', `Stream '${stream}' has no events. Check the stream name, or append to it first.`);
    this.stream = stream;
  }
}

/** Another writer holds the store's lock file. */
export class StoreLockedError extends EventStoreError {
  readonly directory: string;
  /** The pid written in the lock file, when it could be read. */
  readonly pid: number | undefined;
  constructor(directory: string, pid: number | undefined) {
    super(
      'STORE_LOCKED',
      `The store in '${directory}' is locked by another writer${pid === undefined ? '' : ` (pid ${pid})`}. ` +
        'Close that store first, or open this one with { readOnly: true } to read it.',
    );
    this.directory = directory;
    this.pid = pid;
  }
}

/**
 * A record in the middle of a segment fails its checksum or is malformed: the store refuses to open, or (for a
 * record the persisted index covers, which open does not verify) the read that reached it fails.
 */
export class CorruptStoreError extends EventStoreError {
  /** Path of the segment file. */
  readonly segment: string;
  /** Byte offset of the bad record in that file. */
  readonly offset: number;
  readonly reason: string;
  /** When it was found: by the open-time scan, or by a read of a record the persisted index covers. */
  readonly foundBy: 'open' | 'read';
  constructor(segment: string, offset: number, reason: string, foundBy: 'open' | 'read' = 'open') {
    super(
      'CORRUPT_STORE',
      foundBy === 'open'
        ? `Segment '${segment}' is corrupt at byte offset ${offset} (${reason}), and valid records follow it, so it is not a torn tail. ` +
            'Nothing was dropped: restore the segment from a backup, or copy the store aside and inspect that offset.'
        : `Segment '${segment}' is corrupt at byte offset ${offset} (${reason}), found when reading a record the persisted index covers ` +
            '(open trusts the index and does not verify those records). Restore the segment from a backup, or copy the store aside and inspect that offset.',
    );
    this.foundBy = foundBy;
    this.segment = segment;
    this.offset = offset;
    this.reason = reason;
  }
}

/** The stream name is empty, too long, not a string, or reserved (starts with `$`). */
export class InvalidStreamNameError extends EventStoreError {
  readonly stream: unknown;
  readonly reason: string;
  constructor(stream: unknown, reason: string) {
    super('INVALID_STREAM_NAME', `Invalid stream name ${JSON.stringify(String(stream))}: ${reason}. Use a non-empty name of at most 256 characters that does not start with '$'.`);
    this.stream = stream;
    this.reason = reason;
  }
}

/** An event (or an argument) cannot be stored. `path` names the offending value, e.g. `events[2].data.amount`. */
export class InvalidEventError extends EventStoreError {
  readonly path: string;
  readonly problem: string;
  constructor(path: string, problem: string) {
    super('INVALID_EVENT', `${path}: ${problem}. Nothing of the batch was written: fix that value and append again.`);
    this.path = path;
    this.problem = problem;
  }
}

/** An option passed to a read, subscription or checkpoint call is not valid. */
export class InvalidArgumentError extends EventStoreError {
  readonly argument: string;
  constructor(argument: string, problem: string) {
    super('INVALID_ARGUMENT', `${argument}: ${problem}.`);
    this.argument = argument;
  }
}

/** The store was closed (or failed and closed itself). */
export class StoreClosedError extends EventStoreError {
  constructor(cause?: unknown) {
    super(
      'STORE_CLOSED',
      cause === undefined
        ? 'The store is closed. Open it again to read or append.'
        : `The store closed itself after a write failure (${cause instanceof Error ? cause.message : String(cause)}). Appends after the failure may not be durable: reopen the store, which recovers the log.`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The store was opened with `readOnly: true`. */
export class ReadOnlyStoreError extends EventStoreError {
  constructor(operation: string) {
    super('READ_ONLY_STORE', `Cannot ${operation}: the store was opened read-only. Open it without { readOnly: true } (one writer at a time) to write.`);
  }
}

/** A document write or delete expected another version than the stored one. Nothing was written. */
export class DocumentVersionConflictError extends EventStoreError {
  readonly key: string;
  readonly expected: 'absent' | 'any' | bigint;
  /** The stored document's version, or `'absent'` when there is none. */
  readonly actual: bigint | 'absent';
  constructor(key: string, expected: 'absent' | 'any' | bigint, actual: bigint | 'absent') {
    super(
      'DOCUMENT_VERSION_CONFLICT',
      `Document '${key}' expected ${typeof expected === 'bigint' ? `version ${expected}` : `'${expected}'`} but is ${actual === 'absent' ? 'absent' : `at version ${actual}`}. ` +
        'Nothing was written: read the document again, decide again, and retry with the version read.',
    );
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A stored document fails its checksum or cannot be decoded: the store does not hand back damaged bytes. */
export class CorruptDocumentError extends EventStoreError {
  readonly key: string;
  readonly reason: string;
  constructor(key: string, reason: string) {
    super('CORRUPT_DOCUMENT', `Document '${key}' is damaged (${reason}). Delete it (expectedVersion 'any') and write it again, or restore it from a backup.`);
    this.key = key;
    this.reason = reason;
  }
}

/** The stable codes of the port's errors, by class name. */
export const EVENT_STORE_ERROR_CODES = Object.freeze({
  WrongExpectedRevisionError: 'WRONG_EXPECTED_REVISION',
  DuplicateEventIdError: 'DUPLICATE_EVENT_ID',
  StreamNotFoundError: 'STREAM_NOT_FOUND',
  StoreLockedError: 'STORE_LOCKED',
  CorruptStoreError: 'CORRUPT_STORE',
  InvalidStreamNameError: 'INVALID_STREAM_NAME',
  InvalidEventError: 'INVALID_EVENT',
  InvalidArgumentError: 'INVALID_ARGUMENT',
  StoreClosedError: 'STORE_CLOSED',
  ReadOnlyStoreError: 'READ_ONLY_STORE',
  DocumentVersionConflictError: 'DOCUMENT_VERSION_CONFLICT',
  CorruptDocumentError: 'CORRUPT_DOCUMENT',
} as const);

/**
 * Whether `error` is a port error with this `code`, matched by its stable code rather than its class: two
 * copies of this package (an ESM engine given a CJS-loaded store, a bundle that duplicates it) each have
 * their own classes, so `instanceof` fails across them while the code does not.
 */
export function isEventStoreError<C extends string>(error: unknown, code: C): error is EventStoreError & { code: C } {
  return typeof error === 'object' && error !== null && error instanceof Error && (error as { code?: unknown }).code === code;
}

/** Whether `error` is a `WrongExpectedRevisionError`, from any copy of this package (matched by code). */
export function isWrongExpectedRevision(error: unknown): error is WrongExpectedRevisionError {
  return isEventStoreError(error, 'WRONG_EXPECTED_REVISION');
}

/** Whether `error` is a `DuplicateEventIdError`, from any copy of this package (matched by code). */
export function isDuplicateEventId(error: unknown): error is DuplicateEventIdError {
  return isEventStoreError(error, 'DUPLICATE_EVENT_ID');
}

/** Whether `error` is a `DocumentVersionConflictError`, from any copy of this package (matched by code). */
export function isDocumentVersionConflict(error: unknown): error is DocumentVersionConflictError {
  return isEventStoreError(error, 'DOCUMENT_VERSION_CONFLICT');
}
