/**
 * The adapter's tables and functions, and the migration that creates them. Everything lives in one
 * PostgreSQL schema (default `omnitrail`), so several stores can share a database.
 *
 * Positions: an event's position is `transactionId << 20 | ordinal`, where `transactionId` is the xid8 of
 * the transaction that appended it and `ordinal` (1 … 2^20 - 1) its place in that transaction. Transactions
 * commit out of id order, so a reader only looks at positions below `pg_snapshot_xmin(pg_current_snapshot())
 * << 20`: every transaction with a smaller id has finished, so no event can later appear below that bound.
 * See docs/eventstore-postgres.md.
 */
import type { Pool, PoolClient } from 'pg';
import { InvalidArgumentError } from '@omnitrail/eventstore';

/** Bits of a position that number the events of one transaction. */
export const ORDINAL_BITS = 20;

/** Most events one transaction can append (ordinals 1 … 2^20 - 1). */
export const MAX_EVENTS_PER_TRANSACTION = 2 ** ORDINAL_BITS - 1;

/** Version of the schema this code writes; a store refuses a schema with a newer version. */
export const SCHEMA_VERSION = 2;

/** PostgreSQL identifiers: what `schema` may be (lowercase, so it never needs case-sensitive quoting). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws `InvalidArgumentError` unless `schema` is a lowercase PostgreSQL identifier of at most 63 characters. */
export function assertSchemaName(schema: unknown): asserts schema is string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new InvalidArgumentError(
      'schema',
      `expected a lowercase PostgreSQL identifier (letters, digits, underscores; at most 63 characters, not starting with a digit), got ${JSON.stringify(schema)}`,
    );
  }
}

/** A 32-bit key from a string (FNV-1a), stable across processes and versions. */
function key32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The names and advisory-lock keys of one schema. */
export interface SchemaNames {
  schema: string;
  /** `"omnitrail"` */
  quoted: string;
  /** LISTEN/NOTIFY channel woken after appends. */
  channel: string;
  /** First key of the two-key advisory locks on streams (the second is hashtext(stream)). */
  streamLockSpace: number;
  /** Two-key advisory lock held while migrating. */
  migrationLock: [number, number];
}

/** Names of a (validated) schema. */
export function schemaNames(schema: string): SchemaNames {
  return {
    schema,
    quoted: `"${schema}"`,
    channel: `omnitrail_events_${schema}`,
    streamLockSpace: key32(`omnitrail-stream:${schema}`),
    migrationLock: [key32(`omnitrail-migrate:${schema}`), 0],
  };
}

/** The DDL of version 1. */
function version1(n: SchemaNames): string {
  const s = n.quoted;
  return `
CREATE TABLE ${s}.events (
  position bigint PRIMARY KEY,
  stream_name text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  id text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  data json NOT NULL,
  metadata json,
  recorded_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX events_stream_revision ON ${s}.events (stream_name, revision);
-- Ids are unique in the whole store, checked by the database inside the appending transaction.
CREATE UNIQUE INDEX events_id ON ${s}.events (id);

CREATE TABLE ${s}.checkpoints (
  subscriber_id text COLLATE "C" PRIMARY KEY,
  position bigint
);

-- Appends the batches of one call (one entry per stream batch, in order) in the caller's transaction and
-- answers one row per entry: ok (revision and position of its last event), retry (the original result),
-- wrong_revision (the actual revision, -1 for no stream) or duplicate (the ids already stored).
-- Entries are decided one after another, each seeing what the earlier ones wrote, as separate calls would.
-- Written for few statements per entry (each costs an executor run): one lookup, one insert.
CREATE FUNCTION ${s}.append(
  p_streams text[], p_expected text[], p_counts int[],
  p_ids text[], p_types text[], p_data text[], p_metadata text[]
) RETURNS TABLE (o_outcome text, o_revision bigint, o_position bigint, o_actual bigint, o_ids text[])
-- PL/pgSQL caches a generic plan per connection; planned while the table is nearly empty, it would scan the
-- whole table for every lookup for as long as the connection lives. Every lookup here has an index.
LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
#variable_conflict use_column
DECLARE
  v_key int;
  v_base bigint;
  v_ordinal bigint := 0;
  v_offset int := 0;
  v_count int;
  v_stream text;
  v_expected text;
  v_current bigint;
  v_last bigint;
  v_known boolean;
  v_retry boolean;
  v_found_ids text[];
  v_found_streams text[];
  v_found_revisions bigint[];
  v_found_positions bigint[];
  v_now timestamptz := date_trunc('milliseconds', statement_timestamp());
BEGIN
  -- One writer per stream at a time, locks taken in a fixed order so two calls never deadlock on them.
  IF array_length(p_streams, 1) = 1 THEN
    PERFORM pg_advisory_xact_lock(${n.streamLockSpace}, hashtext(p_streams[1]));
  ELSE
    FOR v_key IN SELECT DISTINCT hashtext(x) FROM unnest(p_streams) AS x ORDER BY 1 LOOP
      PERFORM pg_advisory_xact_lock(${n.streamLockSpace}, v_key);
    END LOOP;
  END IF;
  -- The transaction id is taken after the locks: every earlier writer of these streams has committed, so
  -- this transaction's id, and with it every position it writes, is larger than theirs. A stream's
  -- revisions and positions therefore increase together.
  v_base := (pg_current_xact_id()::text::bigint) << ${ORDINAL_BITS};
  FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
    v_count := p_counts[i];
    v_stream := p_streams[i];
    v_expected := p_expected[i];
    -- The stream's last event, and whether any id of the batch is stored (earlier entries' included).
    SELECT h.revision, h.position,
           v_count > 0 AND EXISTS (SELECT 1 FROM ${s}.events e WHERE e.id = ANY (p_ids[v_offset + 1 : v_offset + v_count]))
      INTO v_current, v_last, v_known
      FROM (SELECT NULL) AS one
      LEFT JOIN LATERAL (SELECT e.revision, e.position FROM ${s}.events e WHERE e.stream_name = v_stream ORDER BY e.revision DESC LIMIT 1) AS h ON true;
    IF v_known THEN
      SELECT array_agg(e.id ORDER BY k.ord), array_agg(e.stream_name ORDER BY k.ord),
             array_agg(e.revision ORDER BY k.ord), array_agg(e.position ORDER BY k.ord)
        INTO v_found_ids, v_found_streams, v_found_revisions, v_found_positions
        FROM unnest(p_ids[v_offset + 1 : v_offset + v_count]) WITH ORDINALITY AS k(id, ord)
        JOIN ${s}.events e ON e.id = k.id;
      v_retry := cardinality(v_found_ids) = v_count;
      FOR j IN 1 .. cardinality(v_found_ids) LOOP
        EXIT WHEN NOT v_retry;
        v_retry := v_found_streams[j] = v_stream AND v_found_revisions[j] = v_found_revisions[1] + j - 1;
      END LOOP;
      IF v_retry THEN
        o_outcome := 'retry'; o_revision := v_found_revisions[v_count]; o_position := v_found_positions[v_count]; o_actual := NULL; o_ids := NULL;
      ELSE
        o_outcome := 'duplicate'; o_revision := NULL; o_position := NULL; o_actual := NULL; o_ids := v_found_ids;
      END IF;
      RETURN NEXT;
      v_offset := v_offset + v_count;
      CONTINUE;
    END IF;
    v_current := coalesce(v_current, -1);
    v_last := coalesce(v_last, -1);
    IF NOT (v_expected = 'any'
        OR (v_expected = 'no_stream' AND v_current = -1)
        OR (v_expected = 'stream_exists' AND v_current >= 0)
        OR (v_expected ~ '^[0-9]{1,18}$' AND v_current >= 0 AND v_current = v_expected::bigint)) THEN
      o_outcome := 'wrong_revision'; o_revision := NULL; o_position := NULL; o_actual := v_current; o_ids := NULL;
      RETURN NEXT;
      v_offset := v_offset + v_count;
      CONTINUE;
    END IF;
    IF v_count = 0 THEN
      o_outcome := 'ok'; o_revision := v_current; o_position := v_last; o_actual := NULL; o_ids := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;
    INSERT INTO ${s}.events (position, stream_name, revision, id, type, data, metadata, recorded_at)
      SELECT v_base + v_ordinal + k.ord, v_stream, v_current + k.ord, k.id, k.type, k.data::json, k.metadata::json, v_now
      FROM unnest(p_ids[v_offset + 1 : v_offset + v_count], p_types[v_offset + 1 : v_offset + v_count],
                  p_data[v_offset + 1 : v_offset + v_count], p_metadata[v_offset + 1 : v_offset + v_count])
           WITH ORDINALITY AS k(id, type, data, metadata, ord);
    o_outcome := 'ok'; o_revision := v_current + v_count; o_position := v_base + v_ordinal + v_count; o_actual := NULL; o_ids := NULL;
    RETURN NEXT;
    v_ordinal := v_ordinal + v_count;
    v_offset := v_offset + v_count;
  END LOOP;
END
$fn$;

-- The port's conditional checkpoint move, decided under the row's lock: stored, ignored or mismatch.
CREATE FUNCTION ${s}.store_checkpoint(p_id text, p_position bigint, p_has_expected boolean, p_expected bigint)
RETURNS text LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
DECLARE
  v_current bigint;
BEGIN
  INSERT INTO ${s}.checkpoints (subscriber_id, position) VALUES (p_id, NULL) ON CONFLICT DO NOTHING;
  SELECT c.position INTO v_current FROM ${s}.checkpoints c WHERE c.subscriber_id = p_id FOR UPDATE;
  IF v_current IS NOT NULL AND v_current >= p_position THEN
    RETURN 'ignored';
  END IF;
  IF p_has_expected AND v_current IS DISTINCT FROM p_expected THEN
    RETURN 'mismatch';
  END IF;
  UPDATE ${s}.checkpoints SET position = p_position WHERE subscriber_id = p_id;
  RETURN 'stored';
END
$fn$;
`;
}

/**
 * The DDL of version 2: keyed documents (the port's `documents`). A deleted document keeps its row with a
 * NULL value, so the key's version goes on increasing. Changes are decided under the row's lock.
 */
function version2(n: SchemaNames): string {
  const s = n.quoted;
  return `
CREATE TABLE ${s}.documents (
  key text COLLATE "C" PRIMARY KEY,
  version bigint NOT NULL,
  value bytea
);

-- Writes (or, with p_delete, deletes) a document if it is at p_expected ('any', 'absent' or a version):
-- answers ok with the new version and whether a document existed, or conflict with the actual version
-- (NULL when absent). Deleting an absent document answers ok without changing anything.
CREATE FUNCTION ${s}.change_document(p_key text, p_value bytea, p_expected text, p_delete boolean)
RETURNS TABLE (o_outcome text, o_version bigint, o_actual bigint, o_existed boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_version bigint;
  v_exists boolean;
BEGIN
  INSERT INTO ${s}.documents (key, version, value) VALUES (p_key, 0, NULL) ON CONFLICT DO NOTHING;
  SELECT d.version, d.value IS NOT NULL INTO v_version, v_exists FROM ${s}.documents d WHERE d.key = p_key FOR UPDATE;
  IF NOT (p_expected = 'any'
      OR (p_expected = 'absent' AND NOT v_exists)
      OR (p_expected ~ '^[0-9]{1,18}$' AND v_exists AND v_version = p_expected::bigint)) THEN
    o_outcome := 'conflict'; o_version := NULL; o_actual := CASE WHEN v_exists THEN v_version END; o_existed := v_exists;
    RETURN NEXT;
    RETURN;
  END IF;
  IF p_delete AND NOT v_exists THEN
    o_outcome := 'ok'; o_version := v_version; o_actual := NULL; o_existed := false;
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE ${s}.documents SET version = v_version + 1, value = CASE WHEN p_delete THEN NULL ELSE p_value END WHERE key = p_key;
  o_outcome := 'ok'; o_version := v_version + 1; o_actual := NULL; o_existed := v_exists;
  RETURN NEXT;
END
$fn$;
`;
}

/** Migration steps: index i brings the schema from version i to i + 1. */
const MIGRATIONS: ((n: SchemaNames) => string)[] = [version1, version2];

/** A newer adapter already migrated this schema: this one must not write to it. */
export class SchemaVersionError extends Error {}

async function versionOf(client: Pool | PoolClient, n: SchemaNames): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${n.quoted}.schema_version`]);
  if (exists.rows[0]?.t == null) return 0;
  const result = await client.query<{ version: number }>(`SELECT version FROM ${n.quoted}.schema_version`);
  return result.rows[0]?.version ?? 0;
}

/**
 * Creates or upgrades the schema to {@link SCHEMA_VERSION}. Idempotent, and safe when several processes
 * start at once: the work is done in one transaction under an advisory lock, and a process that finds the
 * schema current (the usual case) takes no lock at all.
 */
export async function migrate(pool: Pool, n: SchemaNames): Promise<void> {
  if ((await versionOf(pool, n)) === SCHEMA_VERSION) return;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', n.migrationLock);
    // Another process may have migrated while we waited for the lock.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${n.quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${n.quoted}.schema_version (version int NOT NULL)`);
    const version = await versionOf(client, n);
    if (version > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `schema ${n.schema} is at version ${version}, newer than this adapter's ${SCHEMA_VERSION}: upgrade @omnitrail/eventstore-postgres`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!(n));
    if (version === 0) await client.query(`INSERT INTO ${n.quoted}.schema_version (version) VALUES ($1)`, [SCHEMA_VERSION]);
    else await client.query(`UPDATE ${n.quoted}.schema_version SET version = $1`, [SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
