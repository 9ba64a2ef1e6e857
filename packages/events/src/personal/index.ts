import type { CatalogEventType } from '../catalog/index.js';

/**
 * A personal field of an event's `data` (docs/privacy.md): `text`, a string (free text or a contact
 * detail); `record`, a free-form record whose values are personal (its keys are not); `identity` and
 * `identities`, one identity or a list of them, whose values are personal.
 */
export interface PersonalField {
  readonly field: string;
  readonly kind: 'text' | 'record' | 'identity' | 'identities';
}

/** What a personal text, or a personal record's value, reads as once its customer is erased. */
export const ERASED_VALUE = '[erased]';

const text = (field: string): PersonalField => ({ field, kind: 'text' });
const record = (field: string): PersonalField => ({ field, kind: 'record' });

/**
 * The personal fields of each catalog type's `data`, besides the envelope's `identities` (personal in every
 * event). A type not listed has none: ids, enums, amounts, scores, instants and labels (a topic, an intent,
 * a resolution code) are kept readable because reports count and group by them.
 */
export const PERSONAL_FIELDS: Readonly<Partial<Record<CatalogEventType, readonly PersonalField[]>>> = {
  CustomerIdentified: [{ field: 'identities', kind: 'identities' }, record('traits')],
  IdentitiesLinked: [
    { field: 'a', kind: 'identity' },
    { field: 'b', kind: 'identity' },
  ],
  CustomersMerged: [text('reason')],
  CustomersUnmerged: [{ field: 'identities', kind: 'identities' }],
  CustomerProfileUpdated: [record('traits'), text('locale'), text('region'), text('preferredLanguage')],
  MessageReceived: [text('text')],
  MessageSent: [text('text')],
  InternalNoteAdded: [text('text')],
  CallbackRequested: [text('phone')],
  SessionStarted: [text('referrer'), record('utm')],
  PageViewed: [text('url')],
  KnowledgeArticleViewed: [text('query')],
  SocialMentionObserved: [text('url'), text('text')],
  StoreVisitRecorded: [text('purpose')],
  SubscriptionCancelled: [text('reason')],
  CustomerChurned: [text('reason')],
  SurveyAnswered: [text('comment')],
  CaseSummaryGenerated: [text('summary')],
  CaseOpened: [text('subject')],
  CaseEscalated: [text('reason')],
};
