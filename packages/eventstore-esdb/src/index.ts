/**
 * `@omnitrail/eventstore-esdb`: the EventStoreDB adapter of the Omnitrail storage port, and an in-process
 * fake EventStoreDB gRPC server (a wire-protocol test double) to test it where no server is available.
 */
export {
  createEventStoreDbEventStore,
  type EventStoreDbEventStore,
} from './adapter/index.js';
export {
  CHECKPOINT_STREAM_PREFIX,
  type EventStoreDbEventStoreOptions,
} from './context/index.js';
export {
  CHECKPOINT_EVENT_TYPE,
} from './checkpoints/index.js';
export {
  EventStoreDbError,
  isTransientEventStoreDbFailure,
} from './errors/index.js';
export {
  type EventStoreDbSubscription,
  type EventStoreDbSubscriptionHealth,
} from './subscription/index.js';
export { DOCUMENT_STREAM_PREFIX, DOCUMENT_WRITTEN_EVENT_TYPE, DOCUMENT_DELETED_EVENT_TYPE } from './documents/index.js';
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
