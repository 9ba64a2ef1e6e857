/**
 * `@omnitrail/eventstore`: the storage port (streams, revisions, positions, appends, reads,
 * subscriptions, checkpoints), its typed errors, and two adapters: in-memory and file.
 */
export * from './port/index.js';
export * from './errors/index.js';
export { compileFilter, type EventMatcher } from './filters/index.js';
export { assertJsonStorable, assertStreamName, MAX_NAME_LENGTH } from './validation/index.js';
export { createInMemoryEventStore, type InMemoryEventStoreOptions } from './memory/index.js';
export { createIdIndex, createIdTable, hashString, type IdIndex, type IdTable } from './id-index/index.js';
export {
  openFileEventStore,
  crc32,
  LOCK_FILE,
  type FileEventStore,
  type FileEventStoreOptions,
  type FsyncMode,
  type RecoveryReport,
  type TruncatedTail,
} from './file/index.js';
// Shared validation and decisions, exported for adapters in other packages (e.g. @omnitrail/eventstore-esdb).
export { assertExpectedRevision, validateEvents, assertMaxCount, assertDirection } from './validation/index.js';
export { appendEachStream, assertStreamAppends, checkExpectedRevision } from './append/index.js';
export { validateCheckpointArgs, decideCheckpoint } from './checkpoints/index.js';
export { subscriptionOf } from './subscription/index.js';
