// What the churn signals read of a customer, from its record or from a settled customer's summary. A record
// answers by scanning its timeline and facts at the instant asked; a summary made once no event of the
// customer can come any more answers the same for every instant at or after its last event, from a few
// values (docs/quiet-customers.md, "HS"). The signals (index.ts) are written once, against these readers.
import type { ChurnSignalConfig, JourneyConfig } from '../model/index.js';
import { isActivityCode, type CustomerRecord, type SentimentFact, type SurveyAnswerFact } from '../customers/index.js';
import type { ContextLostAnnotation } from '../journey-map/state.js';
import type { SignalTrigger } from './state.js';

const DAY_MS = 86_400_000;

/** The kinds of survey the signals read. */
export type SurveyKind = SurveyAnswerFact['kind'];

/**
 * What health reads of a customer that no event can change any more, valid for every instant at or after
 * `settledAt` (its last event): plain data, a few values and the facts whose every element counts (the
 * sentiments, whose recency-weighted mean is recomputed at each instant).
 */
export interface SettledHealthFacts {
  readonly customerId: string;
  /** The instant of the customer's last event: the summary answers for instants at or after it. */
  readonly settledAt: number;
  /** The instant of its first event. */
  readonly firstAt: number;
  /** Its number of events, counted up to 2 (health judges customers with two events or more). */
  readonly events: number;
  /** Its latest activity (instant and event id), or its first event when it has none. */
  readonly lastActivity: { readonly at: number; readonly id: string };
  /**
   * Its activities within `2 × windowMs` before `settledAt`, latest first: what declining engagement counts
   * at any later instant. `windowMs` is the signal's window when the summary was made (a summary belongs to
   * one configuration).
   */
  readonly recentActivity: { readonly windowMs: number; readonly at: readonly number[]; readonly ids: readonly string[] };
  /** Every sentiment, in fold order. */
  readonly sentiments: readonly SentimentFact[];
  /** The latest answer of each kind of survey. */
  readonly latestSurveys: { readonly [K in SurveyKind]?: SurveyAnswerFact };
  /** Its context-lost annotations: how many, and the latest. */
  readonly contextLost: { readonly count: number; readonly latest: ContextLostAnnotation | undefined };
  /** The latest trigger of each signal read from triggers (an empty list: none). */
  readonly hops: readonly SignalTrigger[];
  readonly returnsCancels: readonly SignalTrigger[];
  readonly negativeMentions: readonly SignalTrigger[];
  readonly cancelIntents: readonly SignalTrigger[];
  /** Whether it placed an order. */
  readonly hasOrder: boolean;
  /** How many public mentions it made. */
  readonly publicMentions: number;
  readonly hasIntentData: boolean;
}

/** What health is judged from: a customer's record, or the summary of a settled customer. */
export type HealthSubject = CustomerRecord | SettledHealthFacts;

// Told apart by a record's own field (a lookup that misses on records would walk their prototype chain).
function isSettled(s: HealthSubject): s is SettledHealthFacts {
  return (s as CustomerRecord).ats === undefined;
}

/** A settled summary read at an instant it does not answer for: a caller's mistake, never a silent wrong answer. */
function settledAt(s: SettledHealthFacts, asOf: number): SettledHealthFacts {
  if (asOf < s.settledAt) throw new RangeError(`health of ${s.customerId} asked at ${asOf}, before its summary's instant ${s.settledAt}`);
  return s;
}

/** The number of events at or before `asOf`, counted up to 2. */
export function eventsUpTo(s: HealthSubject, asOf: number): number {
  if (isSettled(s)) return settledAt(s, asOf).events;
  let n = 0;
  for (let i = 0; i < s.ats.length && s.ats[i]! <= asOf; i++) if (++n >= 2) break;
  return n;
}

/** The instant of the first event (undefined for a record without one). */
export function firstEventAt(s: HealthSubject): number | undefined {
  return isSettled(s) ? s.firstAt : s.ats[0];
}

/** The latest activity at or before `asOf` (instant and event id), or the first event when there is none. */
export function lastActivityAt(s: HealthSubject, asOf: number): { at: number; id: string } {
  if (isSettled(s)) return settledAt(s, asOf).lastActivity;
  let last = 0;
  for (let i = s.ats.length - 1; i >= 0; i--) {
    if (s.ats[i]! <= asOf && isActivityCode(s.codes[i]!)) {
      last = i;
      break;
    }
  }
  return { at: s.ats[last]!, id: s.ids[last]! };
}

/**
 * The activities in `(asOf − w, asOf]` (recent) and `(asOf − 2w, asOf − w]` (previous), with the latest
 * event id of each.
 */
export function activityAround(s: HealthSubject, asOf: number, w: number): { recent: number; previous: number; recentId: string | undefined; previousId: string | undefined } {
  const out = { recent: 0, previous: 0, recentId: undefined as string | undefined, previousId: undefined as string | undefined };
  // Latest first, each at or before asOf and after asOf − 2w.
  const count = (at: number, id: string): void => {
    if (at > asOf - w) {
      out.recent++;
      out.recentId ??= id;
    } else {
      out.previous++;
      out.previousId ??= id;
    }
  };
  if (isSettled(s)) {
    const { windowMs, at, ids } = settledAt(s, asOf).recentActivity;
    if (windowMs !== w) throw new RangeError(`health of ${s.customerId}: its summary counts activity over ${windowMs} ms windows, not ${w}`);
    for (let i = 0; i < at.length && at[i]! > asOf - 2 * w; i++) count(at[i]!, ids[i]!);
    return out;
  }
  for (let i = s.ats.length - 1; i >= 0; i--) {
    const at = s.ats[i]!;
    if (at > asOf || !isActivityCode(s.codes[i]!)) continue;
    if (at <= asOf - 2 * w) break;
    count(at, s.ids[i]!);
  }
  return out;
}

/** The latest survey answer of a kind at or before `asOf`. */
export function latestSurveyOf(s: HealthSubject, kind: SurveyKind, asOf: number): SurveyAnswerFact | undefined {
  if (isSettled(s)) return settledAt(s, asOf).latestSurveys[kind];
  for (let i = s.surveys.length - 1; i >= 0; i--) {
    const a = s.surveys[i]!;
    if (a.kind === kind && a.at <= asOf) return a;
  }
  return undefined;
}

/** The context-lost annotations at or before `asOf`: how many, and the latest. */
export function contextLostUpTo(s: HealthSubject, asOf: number): { count: number; latest: ContextLostAnnotation | undefined } {
  if (isSettled(s)) return settledAt(s, asOf).contextLost;
  let count = 0;
  let latest: ContextLostAnnotation | undefined;
  for (const a of s.journey.contextLost) {
    if (a.at > asOf) continue;
    count++;
    latest = a;
  }
  return { count, latest };
}

/** The triggers of the signals that read them, each list in fold order (a settled summary keeps the latest). */
export function triggersOf(s: HealthSubject): { hops: readonly SignalTrigger[]; returnsCancels: readonly SignalTrigger[]; negativeMentions: readonly SignalTrigger[]; cancelIntents: readonly SignalTrigger[] } {
  return isSettled(s) ? s : s.churn;
}

/** Whether an order was placed at or before `asOf`. */
export function hasOrderUpTo(s: HealthSubject, asOf: number): boolean {
  return isSettled(s) ? settledAt(s, asOf).hasOrder : s.profile.orders.some((o) => o.at <= asOf);
}

/** How many public mentions the customer made. */
export function publicMentionCount(s: HealthSubject): number {
  return isSettled(s) ? s.publicMentions : s.churn.publicMentions.length;
}

/** Whether bot intents or subscriptions were seen for the customer (cancel intent can be judged). */
export function hasIntentData(s: HealthSubject): boolean {
  return isSettled(s) ? s.hasIntentData : s.churn.hasIntentData;
}

// A copy: the fold refreshes a continuing hop's latest trigger in place.
const lastOf = (list: readonly SignalTrigger[]): SignalTrigger[] => (list.length === 0 ? [] : [{ ...list[list.length - 1]!, evidence: list[list.length - 1]!.evidence.slice() }]);

/** The declining-engagement window of a configuration, in ms (its `windowDays`, 30 by default). */
export function decliningWindowMs(config: Pick<JourneyConfig, 'churnSignals'>): number {
  const signal: ChurnSignalConfig | undefined = config.churnSignals['declining_engagement'];
  return (signal?.['windowDays'] ?? 30) * DAY_MS;
}

/**
 * The summary of a customer no event can change any more, for judging its health at any instant from its
 * last event on with `config` (the same health, evidence and details as its record gives). The record must
 * hold at least one event.
 */
export function settledHealthFacts(rec: CustomerRecord, config: Pick<JourneyConfig, 'churnSignals'>): SettledHealthFacts {
  const n = rec.ats.length;
  if (n === 0) throw new RangeError(`customer ${rec.customerId} has no event to summarise`);
  const last = rec.ats[n - 1]!;
  const windowMs = decliningWindowMs(config);
  const at: number[] = [];
  const ids: string[] = [];
  for (let i = n - 1; i >= 0 && rec.ats[i]! > last - 2 * windowMs; i--) {
    if (!isActivityCode(rec.codes[i]!)) continue;
    at.push(rec.ats[i]!);
    ids.push(rec.ids[i]!);
  }
  const latestSurveys: { [K in SurveyKind]?: SurveyAnswerFact } = {};
  for (const kind of ['csat', 'nps', 'ces'] as const) {
    const a = latestSurveyOf(rec, kind, last);
    if (a !== undefined) latestSurveys[kind] = a;
  }
  const { churn } = rec;
  return {
    customerId: rec.customerId,
    settledAt: last,
    firstAt: rec.ats[0]!,
    events: eventsUpTo(rec, last),
    lastActivity: lastActivityAt(rec, last),
    recentActivity: { windowMs, at, ids },
    sentiments: rec.sentiments.slice(),
    latestSurveys,
    contextLost: contextLostUpTo(rec, last),
    hops: lastOf(churn.hops),
    returnsCancels: lastOf(churn.returnsCancels),
    negativeMentions: lastOf(churn.negativeMentions),
    cancelIntents: lastOf(churn.cancelIntents),
    hasOrder: hasOrderUpTo(rec, last),
    publicMentions: churn.publicMentions.length,
    hasIntentData: churn.hasIntentData,
  };
}
