import { z } from 'zod';
import { CHANNELS } from '../channels/index.js';
import { jsonDataProblem } from '../content/index.js';
import { parseInstant } from '../instant/index.js';

/** A non-empty reference (ids, tenant, case, order...). */
// A refinement, not `.min(1)`: zod runs a length check even on a non-string input that has a `length`
// property, and comparing an object without valueOf/toString there throws instead of failing validation.
export const refSchema = z.string().refine((value) => value.length > 0, { error: 'must be a non-empty string' });
/** Free text: may be empty. */
const text = z.string();
/** An RFC 3339 instant with offset, normalised to `YYYY-MM-DDTHH:mm:ss.sssZ` UTC. */
export const instantSchema = z.string().transform((value, ctx) => {
  const parsed = parseInstant(value);
  if (typeof parsed === 'string') {
    ctx.issues.push({ code: 'custom', message: parsed, input: value });
    return z.NEVER;
  }
  return parsed.iso;
});
/** The zod schema of a channel: one of `CHANNELS`. */
export const channelSchema = z.enum(CHANNELS);
/** Keys that must never become properties of a free-form record. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** A free-form string-keyed record (traits, utm) with prototype-polluting keys dropped. */
const freeRecord = z.record(z.string(), z.unknown()).superRefine((rec, ctx) => {
  // Stored as JSON: what JSON cannot hold is named here, not met later as a store error.
  for (const key of Object.keys(rec)) {
    const problem = UNSAFE_KEYS.has(key) || rec[key] === undefined ? undefined : jsonDataProblem(rec[key]);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `must be JSON data: ${problem}`, input: rec[key] });
  }
}).transform((rec) => {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(rec)) if (!UNSAFE_KEYS.has(key)) out[key] = rec[key];
  return out;
});
const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });
const nonNegativeMs = z.int({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be an integer number of milliseconds') }).min(0, { error: 'must be ≥ 0' });

/** The zod schema of an identity: a `type` (email, phone, user_id, device_id or another) and its `value`. */
export const identitySchema = z.object({
  type: refSchema,
  value: z.string(),
  verified: z.boolean().optional(),
});

const surveyKind = z.enum(['csat', 'nps', 'ces']);

/** The data schema of every event type in the catalog (domain.md, Event catalog). */
export const catalogDataSchemas = {
  // Identity and profile
  CustomerIdentified: z.object({ identities: z.array(identitySchema), traits: freeRecord.optional() }),
  IdentitiesLinked: z.object({
    a: identitySchema,
    b: identitySchema,
    evidence: z.enum(['login', 'otp', 'agent', 'rule']),
  }),
  CustomersMerged: z.object({ survivorId: refSchema, mergedId: refSchema, reason: text.optional() }),
  CustomersUnmerged: z.object({ customerId: refSchema, identities: z.array(identitySchema) }),
  // The customer's keys were deleted (docs/privacy.md): their personal fields read as erased from now on.
  CustomerErased: z.object({ keysDeleted: z.int({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be an integer count') }).min(0, { error: 'must be ≥ 0' }) }),
  CustomerProfileUpdated: z.object({
    traits: freeRecord.optional(),
    locale: text.optional(),
    region: text.optional(),
    preferredLanguage: text.optional(),
    consent: freeRecord.optional(),
  }),
  // Conversations
  MessageReceived: z.object({
    text: text.optional(),
    threadRef: refSchema.optional(),
    language: text.optional(),
    public: z.boolean().default(true),
  }),
  MessageSent: z.object({
    senderKind: z.enum(['agent', 'bot', 'automation', 'campaign']),
    text: text.optional(),
    templateId: refSchema.optional(),
    public: z.boolean().default(true),
  }),
  InternalNoteAdded: z.object({ text: text, aiGenerated: z.boolean().default(false) }),
  CallStarted: z.object({ callId: refSchema, direction: z.enum(['inbound', 'outbound']) }),
  CallEnded: z.object({
    callId: refSchema,
    queueMs: nonNegativeMs,
    talkMs: nonNegativeMs,
    holdMs: nonNegativeMs,
    afterCallWorkMs: nonNegativeMs,
    outcome: z.enum(['answered', 'missed', 'abandoned', 'voicemail']),
  }),
  CallbackRequested: z.object({
    window: z.object({ from: instantSchema, to: instantSchema, timeZone: refSchema }),
    phone: text.optional(),
  }),
  CallbackCompleted: z.object({}),
  CallbackMissed: z.object({}),
  // Digital, self-service, bots, social, store
  SessionStarted: z.object({ sessionId: refSchema, referrer: text.optional(), utm: freeRecord.optional() }),
  PageViewed: z.object({ url: text, pageKind: z.enum(['product', 'pricing', 'cart', 'support', 'other']).optional() }),
  KnowledgeArticleViewed: z.object({ articleId: refSchema, query: text.optional(), helpful: z.boolean().optional() }),
  BotTurn: z.object({
    botId: refSchema,
    intent: text.optional(),
    confidence: finite.min(0).max(1).optional(),
  }),
  BotSessionEnded: z.object({ botId: refSchema, outcome: z.enum(['resolved', 'handoff', 'abandoned']) }),
  SocialMentionObserved: z.object({
    network: refSchema,
    postId: refSchema,
    url: text.optional(),
    reach: z.int().min(0).optional(),
    text: text.optional(),
  }),
  StoreVisitRecorded: z.object({ storeId: refSchema, purpose: text.optional() }),
  // Commerce and lifecycle
  OrderPlaced: z.object({
    orderId: refSchema,
    salesChannel: z.enum(['web', 'app', 'store', 'phone', 'marketplace']),
    marketplace: text.optional(),
    amount: finite,
    currency: z.string().regex(/^[A-Za-z]{3}$/, { error: 'must be a 3-letter ISO 4217 currency code' }).transform((c) => c.toUpperCase()),
  }),
  OrderReturned: z.object({ orderId: refSchema, amount: finite.optional() }),
  OrderCancelled: z.object({ orderId: refSchema }),
  SubscriptionCancelled: z.object({ reason: text.optional() }),
  CustomerChurned: z.object({ reason: text.optional() }),
  // Feedback and AI annotations
  SurveySent: z.object({ surveyId: refSchema, kind: surveyKind }),
  SurveyAnswered: z
    .object({
      surveyId: refSchema.optional(),
      kind: surveyKind,
      score: z.int({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be an integer score') }),
      comment: text.optional(),
    })
    .superRefine((d, ctx) => {
      const [lo, hi] = d.kind === 'csat' ? [1, 5] : d.kind === 'nps' ? [0, 10] : [1, 7];
      if (d.score < lo || d.score > hi) {
        ctx.addIssue({ code: 'custom', path: ['score'], message: `a ${d.kind} score must be an integer from ${lo} to ${hi}`, input: d.score });
      }
    }),
  SentimentScored: z.object({
    targetEventId: refSchema.optional(),
    score: finite.min(-1, { error: 'must be between -1 and 1' }).max(1, { error: 'must be between -1 and 1' }),
    severity: z.int().min(1).max(5).optional(),
    model: refSchema,
    modelVersion: refSchema,
  }),
  CaseSummaryGenerated: z.object({ summary: text, model: refSchema }),
  // Cases
  CaseOpened: z.object({
    subject: text.optional(),
    topic: text.optional(),
    priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
    handledBy: z.enum(['human', 'bot']).default('human'),
    followUpOf: refSchema.optional(),
  }),
  CaseThreadLinked: z.object({ threadRef: refSchema, channel: channelSchema }),
  CaseAssigned: z.object({ assigneeKind: z.enum(['agent', 'team', 'bot']), assigneeId: refSchema }),
  CaseEscalated: z.object({
    from: z.enum(['bot', 'tier1', 'tier2']),
    to: z.enum(['human', 'tier2', 'tier3']),
    reason: text.optional(),
  }),
  CaseStatusChanged: z
    .object({
      to: z.enum(['open', 'pending_customer', 'on_hold', 'snoozed']),
      snoozedUntil: instantSchema.optional(),
    })
    .superRefine((d, ctx) => {
      if (d.to === 'snoozed' && d.snoozedUntil === undefined) {
        ctx.addIssue({ code: 'custom', path: ['snoozedUntil'], message: 'is required when the status changes to snoozed', input: undefined });
      }
    }),
  CaseResolved: z.object({ code: text.optional() }),
  CaseReopened: z.object({}),
  CaseClosed: z.object({}),
  CasesMerged: z.object({ sourceCaseId: refSchema, targetCaseId: refSchema }),
  SlaApplied: z.object({
    policyId: refSchema,
    firstResponseMs: nonNegativeMs.optional(),
    nextResponseMs: nonNegativeMs.optional(),
    resolutionMs: nonNegativeMs.optional(),
  }),
} as const;

/** The catalog's data schemas, by event type. */
export type CatalogDataSchemas = typeof catalogDataSchemas;
/** Every event type of the catalog. */
export type CatalogEventType = keyof CatalogDataSchemas;
/** The catalog's event type names. */
export const CATALOG_EVENT_TYPES = Object.keys(catalogDataSchemas) as CatalogEventType[];

/** Case event types: they require `caseId` (domain.md, Cases). */
export const CASE_EVENT_TYPES = [
  'CaseOpened',
  'CaseThreadLinked',
  'CaseAssigned',
  'CaseEscalated',
  'CaseStatusChanged',
  'CaseResolved',
  'CaseReopened',
  'CaseClosed',
  'CasesMerged',
  'SlaApplied',
] as const satisfies readonly CatalogEventType[];

/** A case event type. */
export type CaseEventType = (typeof CASE_EVENT_TYPES)[number];
