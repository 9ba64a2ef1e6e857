/**
 * `@omnitrail/eventstore-esdb`: the EventStoreDB adapter of the Omnitrail storage port, and an in-process
 * fake EventStoreDB gRPC server (a wire-protocol test double) to test it where no server is available.
 */
export {
  createEventStoreDbEventStore,
  EventStoreDbError,
  CHECKPOINT_STREAM_PREFIX,
  CHECKPOINT_EVENT_TYPE,
  type EventStoreDbEventStoreOptions,
  type EventStoreDbEventStore,
  type EventStoreDbSubscription,
  type EventStoreDbSubscriptionHealth,
  isTransientEventStoreDbFailure,
} from './adapter.js';
export { DOCUMENT_STREAM_PREFIX, DOCUMENT_WRITTEN_EVENT_TYPE, DOCUMENT_DELETED_EVENT_TYPE } from './documents.js';
export { fromEventStoreDbPosition, toEventStoreDbPosition, type EventStoreDbPosition } from './positions.js';
export { toEventStoreDbId, ulidToUuid, encodeMetadata, decodeMetadata, ENVELOPE_KEY } from './ids.js';
export {
  startFakeEventStoreDb,
  createFakeLog,
  type FakeEventStoreDb,
  type FakeEventStoreDbOptions,
  type FakeRequestCounts,
  type FakeLog,
  type FakeLogEvent,
  type FakeLogOptions,
} from './fake-server/index.js';
