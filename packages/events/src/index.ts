/**
 * `@omnitrail/events`: the event envelope, channels, identities and instants, the catalog's zod schemas and
 * its registry, `parseEvent` and upcasters, the one event order and the one redelivery rule. Every name is
 * listed in docs/api.md.
 */
export {
  type Channel,
  CHANNELS,
  DEFAULT_REPLY_WINDOWS_MS,
  isChannel,
  replyWindowMs,
} from './channels/index.js';
export {
  instantMs,
  normalizeInstant,
  type ParsedInstant,
  parseInstant,
} from './instant/index.js';
export {
  type Identity,
  IDENTITY_PRIORITY,
  identityKey,
  identityRank,
  isBlockedIdentityValue,
  normalizeIdentity,
  normalizeIdentityValue,
  ERASED_IDENTITY_PREFIX,
} from './identity/index.js';
export { ERASED_VALUE, PERSONAL_FIELDS, type PersonalField } from './personal/index.js';
export {
  CASE_EVENT_TYPES,
  type CaseEventType,
  CATALOG_EVENT_TYPES,
  catalogDataSchemas,
  type CatalogDataSchemas,
  type CatalogEventType,
  channelSchema,
  identitySchema,
  instantSchema,
  refSchema,
} from './catalog/index.js';
export {
  type Actor,
  ACTOR_KINDS,
  type ActorKind,
  envelopeSchema,
  EVENT_ID_PATTERN,
  type EventEnvelope,
  type EventEnvelopeInput,
  type EventFor,
  type EventInputFor,
  type EventSource,
} from './envelope/index.js';
export {
  catalogDefinitions,
  type CatalogEvent,
  type CatalogEventInput,
  catalogRegistry,
  createEventRegistry,
  defineEventType,
  type EventData,
  type EventOf,
  type EventInputOf,
  type EventInputOfDefinition,
  type EventOfDefinition,
  type InputOfEvents,
  type EventRegistry,
  type EventTypeDefinition,
  surveyAnsweredV1toV2,
  type Upcaster,
} from './registry/index.js';
export {
  parseEvent,
  type ParseEventOptions,
  parseEventOrThrow,
  type ParseEventResult,
  parseEventWithSchemas,
  ValidationError,
  type ValidationIssue,
} from './parse/index.js';
export {
  newEventId,
} from './ids/index.js';
export {
  jsonContentHash,
  sameJsonContent,
} from './content/index.js';
export {
  compareEventOrder,
  type OrderedEventKey,
} from './order/index.js';
