/**
 * `@omnitrail/eventstore`: the storage port (streams, revisions, positions, appends, reads, subscriptions,
 * checkpoints), its typed errors, and two adapters: in-memory and file. Every name is listed in docs/api.md;
 * what an adapter in another package needs to behave like these two is in `@omnitrail/eventstore/adapter`.
 */
export type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  CheckpointStore,
  CheckpointStoreResult,
  Direction,
  DocumentStore,
  ExpectedDocumentVersion,
  StoredDocument,
  EventFilter,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  JsonValue,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamGroupIndex,
  StreamGroupListing,
  StreamGroupsOptions,
  SubscribeToAllOptions,
  SubscriptionItem,
} from './port/index.js';
export {
  CorruptDocumentError,
  CorruptStoreError,
  DocumentVersionConflictError,
  DuplicateEventIdError,
  EVENT_STORE_ERROR_CODES,
  EventStoreError,
  InvalidArgumentError,
  InvalidEventError,
  InvalidStreamNameError,
  isDocumentVersionConflict,
  isDuplicateEventId,
  isEventStoreError,
  isWrongExpectedRevision,
  ReadOnlyStoreError,
  StoreClosedError,
  StoreLockedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from './errors/index.js';
export { MAX_NAME_LENGTH } from './validation/index.js';
export { createInMemoryKeyStore, KEY_BYTES, KEYS_FILE, openFileKeyStore, type FileKeyStoreOptions, type KeyStore } from './keys/index.js';
export { createInMemoryEventStore, type InMemoryEventStoreOptions } from './memory/index.js';
export {
  LOCK_FILE,
  openFileEventStore,
  type FileEventStore,
  type FileEventStoreOptions,
  type FsyncMode,
  type IndexUse,
  type RecoveryReport,
  type TruncatedTail,
} from './file/index.js';
