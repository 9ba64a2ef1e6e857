/**
 * `@omnitrail/eventstore/adapter`: for writers of adapters in other packages (EventStoreDB, PostgreSQL) and
 * for the engine: the port's shared validation and decisions, so every adapter rejects the same input with
 * the same errors and answers appends and checkpoints the same way; the filter compiler; the subscription
 * helper; and the compact id tables the stores and the engine index ids with.
 */
export { assertDirection, assertExpectedRevision, assertFromRevision, deepFreeze, assertJsonStorable, assertMaxCount, assertStreamName, validateEvents } from './validation/index.js';
export { appendEachStream, assertStreamAppends, checkExpectedRevision } from './append/index.js';
export { decideCheckpoint, validateCheckpointArgs } from './checkpoints/index.js';
export { assertDocumentKey, assertDocumentValue, assertExpectedDocumentVersion, copyBytes, decideDocumentChange, type DocumentHead } from './documents/index.js';
export { compileFilter, type EventMatcher } from './filters/index.js';
export { assertStreamGroupsOptions, createInMemoryStreamGroups, createScannedStreamGroups, STREAM_GROUP_DIRECTORY_PREFIX, streamGroupListing, streamGroupOf } from './stream-groups/index.js';
export { subscriptionOf } from './subscription/index.js';
export { createIdIndex, createIdTable, hashString, type IdIndex, type IdIndexSnapshot, type IdTable } from './id-index/index.js';
export { crc32 } from './file/index.js';
