import type { ActorKind, CatalogEventType, EventEnvelope } from '@omnitrail/events';

/**
 * A raw input event: the JSON object a producer sends, before `parseEvent` applies defaults and normalises it.
 * Keys are written in envelope order so NDJSON output is stable.
 */
export interface RawEvent extends Pick<EventEnvelope, 'id' | 'tenantId' | 'occurredAt' | 'customerId' | 'identities' | 'channel' | 'caseId'> {
  type: CatalogEventType;
  actor: { kind: ActorKind; id?: string };
  data: Record<string, unknown>;
}

/** Probabilities (0-1) that tune what a generated journey does. */
export interface JourneyRates {
  /** A new conversation starts with a bot (`CaseOpened` handledBy bot, `BotTurn`s). */
  bot: number;
  /** A bot conversation is handed off to a human (`CaseEscalated` bot→human) instead of contained. */
  escalation: number;
  /** A handoff comes with a `CaseSummaryGenerated` (without one it is a blind handoff). */
  handoffSummary: number;
  /** A customer message continues on another channel than the case's. */
  channelSwitch: number;
  /** The customer writes again after a resolution (a reopen or a follow-up). */
  reopen: number;
  /** Of those, the share written after the 7-day reopen window (the engine opens a follow-up case). */
  reopenOutsideWindow: number;
  /** A resolution is followed by a CSAT `SurveySent`. */
  survey: number;
  /** A sent survey is answered. */
  surveyAnswer: number;
  /** Relative frequency of order steps (`OrderPlaced` on web, app, store, marketplace). */
  order: number;
  /** An order is later returned or cancelled. */
  orderIssue: number;
  /** Relative frequency of status steps (pending customer, on hold, snoozed with `snoozedUntil`). */
  snooze: number;
  /** Relative frequency of case-merge steps (a second case on another channel merged by an agent). */
  caseMerge: number;
  /** Relative frequency of churn steps (`SubscriptionCancelled`, `CustomerChurned`). */
  churn: number;
  /** A journey starts anonymous: events carry device and anonymous ids until `CustomerIdentified`. */
  anonymous: number;
}

/** Default rates: a support-heavy omnichannel mix. */
export const DEFAULT_JOURNEY_RATES: Readonly<JourneyRates> = Object.freeze({
  bot: 0.3,
  escalation: 0.5,
  handoffSummary: 0.5,
  channelSwitch: 0.25,
  reopen: 0.2,
  reopenOutsideWindow: 0.3,
  survey: 0.5,
  surveyAnswer: 0.6,
  order: 0.5,
  orderIssue: 0.2,
  snooze: 0.3,
  caseMerge: 0.05,
  churn: 0.02,
  anonymous: 0.2,
});
