import type { CatalogEvent, Channel } from '@omnitrail/events';

/**
 * One event as the standard projections fold it: the parsed catalog event, its instant in milliseconds,
 * and who it belongs to. Events reach the projections of a tenant in `(occurredAt, id)` order.
 */
export interface JourneyEvent {
  event: CatalogEvent;
  /** `Date.parse(event.occurredAt)` */
  at: number;
  /**
   * The customer the event belongs to after every merge known to the fold (the survivor): projections key
   * customers by this id, so a merge looks as if the merged customer's events carried it from the start.
   */
  customerId: string;
  /** The customer identity resolution attributed the event to when it happened, before later merges. */
  attributedCustomerId: string;
}

/** Reopen window: always reopen, never reopen (always follow up), or reopen within N days. */
export type ReopenWindow = 'always' | 'never' | { days: number };

/** Mon=1 … Sun=7 opening hours in a time zone, for SLA clocks. */
export interface BusinessHoursCalendar {
  /** IANA time zone, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Per ISO weekday (1 = Monday), the open intervals as `HH:MM` pairs; days left out are closed. */
  week: Partial<Record<1 | 2 | 3 | 4 | 5 | 6 | 7, ReadonlyArray<readonly [string, string]>>>;
  /** Closed dates `YYYY-MM-DD` in that time zone. */
  holidays?: readonly string[];
}

/** Identity-resolution limits per identity type (domain.md). */
export interface IdentityLimits {
  user_id: number;
  email: number;
  phone: number;
  device_id: number;
  [type: string]: number;
}

/** One churn signal's weight and tuning. */
export interface ChurnSignalConfig {
  weight: number;
  /** Half-life in days over which a triggered signal decays back to healthy. */
  halfLifeDays?: number;
  /** Signal-specific thresholds (e.g. `days` of inactivity). */
  [threshold: string]: number | undefined;
}

/** Everything a tenant can tune; every field has a default (see `defaultJourneyConfig`). */
export interface JourneyConfig {
  reopenWindow: ReopenWindow;
  /** Per-channel reply window overrides in ms (`null` = unlimited). */
  replyWindowsMs: Partial<Record<Channel, number | null>>;
  /** Business hours per tenant id; tenants without one use calendar time. */
  businessHours: Record<string, BusinessHoursCalendar>;
  identityLimits: IdentityLimits;
  /** Gap that splits a timeline into sessions. */
  sessionGapMs: number;
  /** Funnel conversion window. */
  funnelWindowMs: number;
  /** Sentiment exponential-weighting half-life. */
  sentimentHalfLifeMs: number;
  /** Preferred channel looks at inbound touchpoints in this window before asOf. */
  preferredChannelWindowMs: number;
  /** Churn signal weights and thresholds by signal name. */
  churnSignals: Record<string, ChurnSignalConfig>;
  /** Number of previous periods the predictive churn rate averages. */
  predictiveChurnPeriods: number;
}

/** The instant and period a query or report describes. */
export interface ReportWindow {
  /** Judged as of this instant (ms). */
  asOf: number;
  /** Metrics period `[from, to)` in ms. */
  from: number;
  to: number;
}

/** A case's status (domain.md, Cases). */
export type CaseStatus = 'bot' | 'open' | 'pending_customer' | 'on_hold' | 'snoozed' | 'resolved' | 'closed' | 'merged';

/** The statuses in which a case counts as open. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = ['bot', 'open', 'pending_customer', 'on_hold', 'snoozed'];

/**
 * The fields of a case that other projections may read. The cases projection keeps more (cycles, SLA,
 * samples) in its own record type, which extends this one.
 */
export interface CaseView {
  caseId: string;
  tenantId: string;
  /** The customer of the event that opened it (canonical id at fold time). */
  customerId: string;
  /** The customer the opening event was attributed to when it happened (before later merges). */
  attributedCustomerId: string;
  status: CaseStatus;
  handledBy: 'human' | 'bot';
  openedAt: number;
  openedEventId: string;
  /** How it was opened. */
  openedBy: 'explicit' | 'implicit' | 'follow_up';
  /** Channel of the opening event, if any. */
  openingChannel?: Channel;
  channels: ReadonlySet<Channel>;
  topic?: string;
  reopenCount: number;
  waitingSince: number | null;
  firstResponseAt: number | null;
  /** Latest resolution instant, if resolved at least once. */
  resolvedAt: number | null;
  closedAt: number | null;
  snoozedUntil: number | null;
  mergedInto?: string;
  followUpOf?: string;
  hasFollowUp: boolean;
  /** Instant of the latest event that belonged to the case. */
  lastActivityAt: number;
}

/** What the cases projection did with one event: read by the customer projections folded after it. */
export interface CaseEffects {
  /** The case the event acted on after routing (merge chains followed, follow-ups created). */
  caseId?: string;
  /** A case this event opened. An ignored duplicate `CaseOpened` is not an opening. */
  opened?: {
    caseId: string;
    how: 'explicit' | 'implicit' | 'follow_up';
    followUpOf?: string;
    /** Why a message opened a follow-up instead of reopening. */
    followUpReason?: 'window_passed' | 'closed';
    channel?: Channel;
    handledBy: 'human' | 'bot';
  };
  /** The event reopened a resolved case (by message or `CaseReopened`). */
  reopened?: boolean;
  /** The event resolved a case (a cycle ended). */
  resolved?: boolean;
  /** The event closed a case. */
  closed?: boolean;
  /** A bot-to-human escalation. */
  escalatedToHuman?: boolean;
  /** A public agent reply (`MessageSent` with senderKind agent, public). */
  agentReply?: boolean;
  /** A case merge that was applied. */
  merged?: { sourceCaseId: string; targetCaseId: string };
  /** The event was ignored by the cases projection, with the reason (listed as an anomaly). */
  anomaly?: string;
}
