// The adapter's errors: its own for failures the port has no error for, the port's for what EventStoreDB
// refuses, and which client failures are transient (worth a retry).
import { EventStoreError, InvalidArgumentError, InvalidStreamNameError } from '@omnitrail/eventstore';

/** EventStoreDB (or its client) failed in a way the port has no specific error for. */
export class EventStoreDbError extends EventStoreError {
  /** What the adapter was doing, e.g. `appendToStream('order-1')`. */
  readonly operation: string;
  /** The client's error type (`'unavailable'`, `'access-denied'`...), when it had one. */
  readonly reason: string | undefined;
  /**
   * The server was unreachable, not the leader, or too slow (see {@link isTransientEventStoreDbFailure}): the
   * same call may succeed later, with the same store (subscriptions retry by themselves).
   */
  readonly transient: boolean;
  constructor(operation: string, cause: unknown) {
    const reason = clientErrorType(cause);
    super(
      'EVENTSTOREDB_ERROR',
      `${operation} failed in EventStoreDB${reason === undefined ? '' : ` (${reason})`}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check that the server is reachable and the connection string and credentials are right, then retry.',
      { cause },
    );
    this.operation = operation;
    this.reason = reason;
    this.transient = isTransientEventStoreDbFailure(cause);
  }
}

/** The client's error type (`'stream-not-found'`, `'wrong-expected-version'`...), when it has one. */
export function clientErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** The server refused to read `$all` from a position inside a record (not an event's position). */
export function isInvalidPosition(error: unknown): boolean {
  return error instanceof Error && /invalid position/i.test(error.message);
}

/** The port's error for an append to a stream EventStoreDB deleted for good. */
export function tombstonedError(stream: string): InvalidStreamNameError {
  return new InvalidStreamNameError(stream, 'the stream was deleted permanently (tombstoned) in EventStoreDB, so its name cannot be appended to again: use another stream name');
}

/** The port's error for a position EventStoreDB cannot read from. */
export function invalidPositionError(argument: string, position: bigint | 'start' | 'end'): InvalidArgumentError {
  return new InvalidArgumentError(argument, `${String(position)}n is not the position of an event in this store: EventStoreDB reads $all only from record boundaries (use a position the store gave)`);
}

/**
 * Failures worth a retry: the server went away or cancelled the call, a cluster node is not (or no longer) the
 * leader, a deadline passed. Anything else (access denied, a bad request...) would fail again.
 */
export function isTransientEventStoreDbFailure(error: unknown): boolean {
  if (error instanceof EventStoreDbError) return error.transient;
  const type = clientErrorType(error);
  if (type === 'unavailable' || type === 'cancelled' || type === 'deadline-exceeded' || type === 'not-leader' || type === 'timeout') return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 14 || code === 1 || code === 4; // grpc UNAVAILABLE, CANCELLED (server-side), DEADLINE_EXCEEDED
}
