/**
 * The PostgreSQL key store: customers' keys and tenants' secrets in two tables of the store's schema, so the
 * keys live in the database the events do, apart from the events themselves (docs/privacy.md).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Pool } from 'pg';
import { InvalidArgumentError, KEY_BYTES, StoreClosedError, type KeyStore } from '@omnitrail/eventstore';
import { assertSchemaName, schemaNames } from '../schema/index.js';

/** Options of {@link createPostgresKeyStore}. */
export interface PostgresKeyStoreOptions {
  /** A connection string (`postgres://user@host:5432/db`); or pass `pool`. */
  connectionString?: string;
  /** A pool of the host's; not ended by `close`. */
  pool?: Pool;
  /** The schema the tables go in (default `omnitrail`, the event store's). */
  schema?: string;
}

function checkRef(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(name, 'must be a non-empty string');
}

/**
 * Creates a key store over PostgreSQL; its tables (`key_tenants`, `customer_keys`) are created on first use.
 * A key is created with `INSERT … ON CONFLICT DO NOTHING` and read back, so two processes asking for the same
 * customer's key at once get the same key. A deleted row stays in the table's files until PostgreSQL vacuums
 * it, and in the write-ahead log until that is recycled: the store vacuums the table after a deletion, and
 * docs/privacy.md says what remains outside its reach.
 */
export function createPostgresKeyStore(options: PostgresKeyStoreOptions): KeyStore {
  const schema = options.schema ?? 'omnitrail';
  assertSchemaName(schema);
  if (options.pool === undefined && (typeof options.connectionString !== 'string' || options.connectionString === '')) {
    throw new InvalidArgumentError('connectionString', 'expected a PostgreSQL connection string such as postgres://user@host:5432/db, or pass { pool }');
  }
  const ownsPool = options.pool === undefined;
  const pool: Pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 2 });
  if (ownsPool) pool.on('error', () => undefined);
  const s = schemaNames(schema).quoted;
  let closed = false;
  let ready: Promise<void> | undefined;
  const setUp = () =>
    (ready ??= pool
      .query(
        `CREATE SCHEMA IF NOT EXISTS ${s};
         CREATE TABLE IF NOT EXISTS ${s}.key_tenants (tenant_id text PRIMARY KEY, secret bytea NOT NULL);
         CREATE TABLE IF NOT EXISTS ${s}.customer_keys (tenant_id text NOT NULL, customer_id text NOT NULL, key bytea NOT NULL, PRIMARY KEY (tenant_id, customer_id));`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          ready = undefined;
          throw error;
        },
      ));
  const open = async () => {
    if (closed) throw new StoreClosedError();
    await setUp();
  };
  return {
    async customerKey(tenantId, customerId, keyOptions = {}) {
      checkRef('tenantId', tenantId);
      checkRef('customerId', customerId);
      await open();
      if (keyOptions.create === true) {
        await pool.query(`INSERT INTO ${s}.customer_keys (tenant_id, customer_id, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [tenantId, customerId, randomBytes(KEY_BYTES)]);
      }
      const { rows } = await pool.query<{ key: Buffer }>(`SELECT key FROM ${s}.customer_keys WHERE tenant_id = $1 AND customer_id = $2`, [tenantId, customerId]);
      return rows[0] === undefined ? undefined : new Uint8Array(rows[0].key);
    },
    async deleteCustomerKey(tenantId, customerId) {
      checkRef('tenantId', tenantId);
      checkRef('customerId', customerId);
      await open();
      const { rowCount } = await pool.query(`DELETE FROM ${s}.customer_keys WHERE tenant_id = $1 AND customer_id = $2`, [tenantId, customerId]);
      // The dead row holds the key until a vacuum reclaims it: reclaim it now (erasures are rare).
      if ((rowCount ?? 0) > 0) await pool.query(`VACUUM ${s}.customer_keys`);
      return (rowCount ?? 0) > 0;
    },
    async tenantSecret(tenantId) {
      checkRef('tenantId', tenantId);
      await open();
      await pool.query(`INSERT INTO ${s}.key_tenants (tenant_id, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tenantId, randomBytes(KEY_BYTES)]);
      const { rows } = await pool.query<{ secret: Buffer }>(`SELECT secret FROM ${s}.key_tenants WHERE tenant_id = $1`, [tenantId]);
      return new Uint8Array(rows[0]!.secret);
    },
    async customerIds(tenantId) {
      checkRef('tenantId', tenantId);
      await open();
      const { rows } = await pool.query<{ customer_id: string }>(`SELECT customer_id FROM ${s}.customer_keys WHERE tenant_id = $1`, [tenantId]);
      return rows.map((r) => r.customer_id).sort();
    },
    async close() {
      if (closed) return;
      closed = true;
      await ready?.catch(() => undefined);
      if (ownsPool) await pool.end().catch(() => undefined);
    },
  };
}

/**
 * Whether a schema holds a key store (its `customer_keys` table), found without creating anything: what a
 * tool asks before deciding to seal what it writes, or to open sealed events, with the store's keys.
 */
export async function postgresKeyStoreExists(options: PostgresKeyStoreOptions): Promise<boolean> {
  const schema = options.schema ?? 'omnitrail';
  assertSchemaName(schema);
  if (options.pool === undefined && (typeof options.connectionString !== 'string' || options.connectionString === '')) {
    throw new InvalidArgumentError('connectionString', 'expected a PostgreSQL connection string such as postgres://user@host:5432/db, or pass { pool }');
  }
  const client = options.pool ?? new pg.Client({ connectionString: options.connectionString });
  const owned = options.pool === undefined;
  if (owned) await (client as pg.Client).connect();
  try {
    const { rows } = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${schemaNames(schema).quoted}.customer_keys`]);
    return rows[0]?.present === true;
  } finally {
    if (owned) await (client as pg.Client).end().catch(() => undefined);
  }
}
