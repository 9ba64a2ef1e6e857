/**
 * `@omnitrail/eventstore-postgres`: the PostgreSQL adapter of the Omnitrail storage port, for many processes
 * writing to one database, and a throwaway PostgreSQL cluster for tests, examples and benchmarks.
 */
export { createPostgresEventStore, type PostgresEventStoreOptions } from './store/index.js';
export { createPostgresKeyStore, postgresKeyStoreExists, type PostgresKeyStoreOptions } from './keys/index.js';
export { PostgresUnavailableError, PostgresEventStoreError } from './errors/index.js';
export { MAX_EVENTS_PER_TRANSACTION, SCHEMA_VERSION } from './schema/index.js';
export {
  startThrowawayPostgres,
  findPostgresBinaries,
  POSTGRES_BINARIES_HINT,
  type ThrowawayPostgres,
  type ThrowawayPostgresOptions,
} from './throwaway-server/index.js';
