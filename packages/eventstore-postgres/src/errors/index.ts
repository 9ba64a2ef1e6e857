/**
 * The adapter's errors. The port's errors (wrong revision, duplicate id, closed store...) come from
 * `@omnitrail/eventstore`; these two cover what only a database server can do: be unreachable, or fail.
 * The `pg` client's own error objects never leave the adapter except as `cause`.
 */
import { EventStoreError } from '@omnitrail/eventstore';

/** Where the store connects, for messages: `host:port`. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** The server cannot be reached, refused the connection, or went away (restart, dropped connection). */
export class PostgresUnavailableError extends EventStoreError {
  readonly host: string;
  readonly port: number;
  /** Why, in a few words: `connection refused (ECONNREFUSED)`, `the server is shutting down (57P01)`... */
  readonly reason: string;
  /** What the adapter was doing, e.g. `appendToStream('order-1')`. */
  readonly operation: string;
  constructor(operation: string, address: ServerAddress, reason: string, cause: unknown) {
    super(
      'POSTGRES_UNAVAILABLE',
      `${operation}: cannot reach PostgreSQL at ${address.host}:${address.port}: ${reason}. ` +
        'Check that the server is running and that the connection string names the right host, port and credentials, then retry.',
      { cause },
    );
    this.host = address.host;
    this.port = address.port;
    this.reason = reason;
    this.operation = operation;
  }
}

/** PostgreSQL answered with an error the port has no specific error for. */
export class PostgresEventStoreError extends EventStoreError {
  readonly operation: string;
  /** The SQLSTATE, e.g. `'42501'` (insufficient privilege), when the server sent one. */
  readonly sqlState: string | undefined;
  constructor(operation: string, cause: unknown) {
    const sqlState = sqlStateOf(cause);
    super(
      'POSTGRES_ERROR',
      `${operation} failed in PostgreSQL${sqlState === undefined ? '' : ` (SQLSTATE ${sqlState})`}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check the database user\u2019s privileges on the schema and the server log, then retry.',
      { cause },
    );
    this.operation = operation;
    this.sqlState = sqlState;
  }
}

/** The SQLSTATE of a server error, undefined for client-side errors. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

const SERVER_REASONS: Record<string, string> = {
  '57P01': 'the server is shutting down',
  '57P02': 'the server crashed and is restarting',
  '57P03': 'the server is starting up or cannot accept connections yet',
  '53300': 'too many connections',
  '08000': 'connection exception',
  '08003': 'connection does not exist',
  '08006': 'connection failure',
  '08001': 'the client could not establish a connection',
  '08004': 'the server rejected the connection',
  '28P01': 'password authentication failed',
  '28000': 'authentication rejected',
  '3D000': 'the database does not exist',
};

/**
 * Why an error means the server is unreachable or went away, or undefined when it is a real answer of the
 * server (a constraint, a syntax error...). Authentication failures and a missing database count as
 * unreachable: the message then names the host and the reason.
 */
export function unavailableReason(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined && SOCKET_REASONS[code] !== undefined) return `${SOCKET_REASONS[code]} (${code})`;
  if (code !== undefined && SERVER_REASONS[code] !== undefined) return `${SERVER_REASONS[code]} (${code})`;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i.test(message)) {
    return message.replace(/\.$/, '');
  }
  return undefined;
}

/** Transient failures worth retrying after a short wait: the server went away, or is coming back. */
export function isTransient(error: unknown): boolean {
  if (error instanceof PostgresUnavailableError) return !/(28P01|28000|3D000|ENOTFOUND)/.test(error.reason);
  const reason = unavailableReason(error);
  return reason !== undefined && !/(28P01|28000|3D000|ENOTFOUND)/.test(reason);
}
