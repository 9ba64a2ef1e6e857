import type { CatalogEventType } from '../src/index.js';

/** A minimal valid `data` for every catalog type. */
export const validData: Record<CatalogEventType, Record<string, unknown>> = {
  CustomerIdentified: { identities: [{ type: 'email', value: 'Ann@Example.com' }], traits: { plan: 'pro' } },
  IdentitiesLinked: { a: { type: 'email', value: 'a@x.io' }, b: { type: 'phone', value: '+14155550100' }, evidence: 'login' },
  CustomersMerged: { survivorId: 'c1', mergedId: 'c2' },
  CustomersUnmerged: { customerId: 'c2', identities: [] },
  CustomerErased: { keysDeleted: 2 },
  CustomerProfileUpdated: { locale: 'fr-FR' },
  MessageReceived: { text: 'hello' },
  MessageSent: { senderKind: 'agent', text: 'hi' },
  InternalNoteAdded: { text: 'note' },
  CallStarted: { callId: 'call-1', direction: 'inbound' },
  CallEnded: { callId: 'call-1', queueMs: 0, talkMs: 1000, holdMs: 0, afterCallWorkMs: 5, outcome: 'answered' },
  CallbackRequested: { window: { from: '2024-03-01T10:00:00Z', to: '2024-03-01T12:00:00+01:00', timeZone: 'Europe/Paris' } },
  CallbackCompleted: {},
  CallbackMissed: {},
  SessionStarted: { sessionId: 's1', utm: { source: 'ads' } },
  PageViewed: { url: 'https://x.io/pricing', pageKind: 'pricing' },
  KnowledgeArticleViewed: { articleId: 'kb-1', helpful: true },
  BotTurn: { botId: 'bot', intent: 'refund', confidence: 0.5 },
  BotSessionEnded: { botId: 'bot', outcome: 'handoff' },
  SocialMentionObserved: { network: 'x', postId: 'p1', reach: 10 },
  StoreVisitRecorded: { storeId: 'paris-1' },
  OrderPlaced: { orderId: 'o1', salesChannel: 'web', amount: 12.5, currency: 'eur' },
  OrderReturned: { orderId: 'o1', amount: 3 },
  OrderCancelled: { orderId: 'o1' },
  SubscriptionCancelled: { reason: 'price' },
  CustomerChurned: {},
  SurveySent: { surveyId: 'sv1', kind: 'nps' },
  SurveyAnswered: { surveyId: 'sv1', kind: 'nps', score: 9 },
  SentimentScored: { score: -0.5, model: 'm', modelVersion: '1' },
  CaseSummaryGenerated: { summary: '', model: 'm' },
  CaseOpened: { subject: 'Broken' },
  CaseThreadLinked: { threadRef: 't1', channel: 'email' },
  CaseAssigned: { assigneeKind: 'agent', assigneeId: 'a1' },
  CaseEscalated: { from: 'bot', to: 'human' },
  CaseStatusChanged: { to: 'snoozed', snoozedUntil: '2024-03-02T00:00:00Z' },
  CaseResolved: {},
  CaseReopened: {},
  CaseClosed: {},
  CasesMerged: { sourceCaseId: 'k1', targetCaseId: 'k2' },
  SlaApplied: { policyId: 'gold', firstResponseMs: 3_600_000 },
};

/** A valid input event of `type` with the given data and envelope overrides. */
export function input(type: string, data: unknown = validData[type as CatalogEventType], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt-1',
    type,
    tenantId: 't1',
    occurredAt: '2024-03-01T10:00:00Z',
    customerId: 'cust-1',
    caseId: 'case-1',
    data,
    ...extra,
  };
}
