import { ACTOR_KINDS } from '../envelope/index.js';
import type { CatalogEventType } from '../catalog/index.js';

/**
 * What a field holds, mirroring the catalog's zod building blocks:
 * `ref` non-empty string, `text` any string, `bool`, `int` safe integer, `finite` finite number, `enum` one of
 * `values`, `instant` RFC 3339 (normalised), `channel` a Channel, `currency` 3 letters (upper-cased),
 * `identity` / `identities` one Identity / an array of them, `record` a free string-keyed record (unsafe
 * keys dropped), `object` a nested object described by `fields`.
 */
export type FieldKind =
  | 'ref'
  | 'text'
  | 'bool'
  | 'int'
  | 'finite'
  | 'enum'
  | 'instant'
  | 'channel'
  | 'currency'
  | 'identity'
  | 'identities'
  | 'record'
  | 'object';

/** One field of a table: its kind, whether it may be absent, its default, ranges and nested fields. */
export interface FieldSpec {
  readonly kind: FieldKind;
  /** Absent is fine (and then left out of the output, unless `default` is set). */
  readonly optional?: boolean;
  /** Put in the output when the field is absent. */
  readonly default?: string | boolean;
  /** Inclusive range of `int` and `finite`. */
  readonly min?: number;
  readonly max?: number;
  /** The values of an `enum`. */
  readonly values?: readonly string[];
  /** The fields of an `object`. */
  readonly fields?: FieldTable;
}

/** Fields in output order (the zod shape's key order). */
export type FieldTable = Readonly<Record<string, FieldSpec>>;

/** A rule across fields that a field table cannot state (a zod `superRefine`), checked on the built data. */
export type CrossFieldRule = 'surveyScoreInRange' | 'snoozeNeedsUntil';

/** How one catalog type's `data` is validated on the fast path. */
export interface TypeSpec {
  readonly fields: FieldTable;
  readonly rule?: CrossFieldRule;
}

const ref: FieldSpec = { kind: 'ref' };
const text: FieldSpec = { kind: 'text' };
const instant: FieldSpec = { kind: 'instant' };
const identity: FieldSpec = { kind: 'identity' };
const identities: FieldSpec = { kind: 'identities' };
const record: FieldSpec = { kind: 'record' };
const ms: FieldSpec = { kind: 'int', min: 0 };
const finite: FieldSpec = { kind: 'finite' };
const bool: FieldSpec = { kind: 'bool' };
const oneOf = (...values: string[]): FieldSpec => ({ kind: 'enum', values });
const opt = (spec: FieldSpec): FieldSpec => ({ ...spec, optional: true });
const withDefault = (spec: FieldSpec, value: string | boolean): FieldSpec => ({ ...spec, default: value });
const surveyKind = oneOf('csat', 'nps', 'ces');

/** `Identity` (catalog `identitySchema`). */
export const identityFields: FieldTable = { type: ref, value: text, verified: opt(bool) };
/** The envelope's `actor` when present (its default `{kind: 'system'}` is applied by the caller). */
export const actorFields: FieldTable = { kind: { kind: 'enum', values: ACTOR_KINDS }, id: opt(text) };
/** The envelope's `source`. */
export const sourceFields: FieldTable = { system: ref, externalId: ref };

/** The data fields of every catalog type, in the order of `catalogDataSchemas` (checked against it by a test). */
export const catalogFieldTable: Readonly<Record<CatalogEventType, TypeSpec>> = {
  CustomerIdentified: { fields: { identities, traits: opt(record) } },
  IdentitiesLinked: { fields: { a: identity, b: identity, evidence: oneOf('login', 'otp', 'agent', 'rule') } },
  CustomersMerged: { fields: { survivorId: ref, mergedId: ref, reason: opt(text) } },
  CustomersUnmerged: { fields: { customerId: ref, identities } },
  CustomerErased: { fields: { keysDeleted: { kind: 'int', min: 0 } } },
  CustomerProfileUpdated: {
    fields: { traits: opt(record), locale: opt(text), region: opt(text), preferredLanguage: opt(text), consent: opt(record) },
  },
  MessageReceived: { fields: { text: opt(text), threadRef: opt(ref), language: opt(text), public: withDefault(bool, true) } },
  MessageSent: {
    fields: { senderKind: oneOf('agent', 'bot', 'automation', 'campaign'), text: opt(text), templateId: opt(ref), public: withDefault(bool, true) },
  },
  InternalNoteAdded: { fields: { text, aiGenerated: withDefault(bool, false) } },
  CallStarted: { fields: { callId: ref, direction: oneOf('inbound', 'outbound') } },
  CallEnded: {
    fields: { callId: ref, queueMs: ms, talkMs: ms, holdMs: ms, afterCallWorkMs: ms, outcome: oneOf('answered', 'missed', 'abandoned', 'voicemail') },
  },
  CallbackRequested: { fields: { window: { kind: 'object', fields: { from: instant, to: instant, timeZone: ref } }, phone: opt(text) } },
  CallbackCompleted: { fields: {} },
  CallbackMissed: { fields: {} },
  SessionStarted: { fields: { sessionId: ref, referrer: opt(text), utm: opt(record) } },
  PageViewed: { fields: { url: text, pageKind: opt(oneOf('product', 'pricing', 'cart', 'support', 'other')) } },
  KnowledgeArticleViewed: { fields: { articleId: ref, query: opt(text), helpful: opt(bool) } },
  BotTurn: { fields: { botId: ref, intent: opt(text), confidence: opt({ kind: 'finite', min: 0, max: 1 }) } },
  BotSessionEnded: { fields: { botId: ref, outcome: oneOf('resolved', 'handoff', 'abandoned') } },
  SocialMentionObserved: { fields: { network: ref, postId: ref, url: opt(text), reach: opt({ kind: 'int', min: 0 }), text: opt(text) } },
  StoreVisitRecorded: { fields: { storeId: ref, purpose: opt(text) } },
  OrderPlaced: {
    fields: { orderId: ref, salesChannel: oneOf('web', 'app', 'store', 'phone', 'marketplace'), marketplace: opt(text), amount: finite, currency: { kind: 'currency' } },
  },
  OrderReturned: { fields: { orderId: ref, amount: opt(finite) } },
  OrderCancelled: { fields: { orderId: ref } },
  SubscriptionCancelled: { fields: { reason: opt(text) } },
  CustomerChurned: { fields: { reason: opt(text) } },
  SurveySent: { fields: { surveyId: ref, kind: surveyKind } },
  SurveyAnswered: { fields: { surveyId: opt(ref), kind: surveyKind, score: { kind: 'int' }, comment: opt(text) }, rule: 'surveyScoreInRange' },
  SentimentScored: {
    fields: { targetEventId: opt(ref), score: { kind: 'finite', min: -1, max: 1 }, severity: opt({ kind: 'int', min: 1, max: 5 }), model: ref, modelVersion: ref },
  },
  CaseSummaryGenerated: { fields: { summary: text, model: ref } },
  CaseOpened: {
    fields: {
      subject: opt(text),
      topic: opt(text),
      priority: opt(oneOf('low', 'normal', 'high', 'urgent')),
      handledBy: withDefault(oneOf('human', 'bot'), 'human'),
      followUpOf: opt(ref),
    },
  },
  CaseThreadLinked: { fields: { threadRef: ref, channel: { kind: 'channel' } } },
  CaseAssigned: { fields: { assigneeKind: oneOf('agent', 'team', 'bot'), assigneeId: ref } },
  CaseEscalated: { fields: { from: oneOf('bot', 'tier1', 'tier2'), to: oneOf('human', 'tier2', 'tier3'), reason: opt(text) } },
  CaseStatusChanged: { fields: { to: oneOf('open', 'pending_customer', 'on_hold', 'snoozed'), snoozedUntil: opt(instant) }, rule: 'snoozeNeedsUntil' },
  CaseResolved: { fields: { code: opt(text) } },
  CaseReopened: { fields: {} },
  CaseClosed: { fields: {} },
  CasesMerged: { fields: { sourceCaseId: ref, targetCaseId: ref } },
  SlaApplied: { fields: { policyId: ref, firstResponseMs: opt(ms), nextResponseMs: opt(ms), resolutionMs: opt(ms) } },
};
