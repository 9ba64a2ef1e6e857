import type { ChurnSignalConfig, CaseView, HealthBandLimits, JourneyConfig } from '../model/index.js';
import { isOpenCaseStatus } from '../model/index.js';
import { DEFAULT_HEALTH_BANDS } from '../config/index.js';
import type { HealthSection } from '../report/types.js';
import type { CustomerRecord, CustomersState, SentimentFact } from '../customers/index.js';
import type { CaseLookup } from '../model/index.js';
import {
  activityAround,
  contextLostUpTo,
  decliningWindowMs,
  eventsUpTo,
  firstEventAt,
  hasIntentData,
  hasOrderUpTo,
  lastActivityAt,
  latestSurveyOf,
  publicMentionCount,
  triggersOf,
  type HealthSubject,
  type SurveyKind,
} from './facts.js';
import type { SignalTrigger } from './state.js';

export * from './state.js';
export { settledHealthFacts, type HealthSubject, type SettledHealthFacts } from './facts.js';

const DAY_MS = 86_400_000;

/** A health band: red ≤ 50, yellow 51-75, green ≥ 76 (on the score rounded half up), `na` without a score. */
export type HealthBand = 'red' | 'yellow' | 'green' | 'na';

/** What one applicable signal contributed to the score. */
export interface SignalContribution {
  signal: string;
  weight: number;
  /** 0 (worst) to 100 (healthy), as of `asOf`. */
  score: number;
  /** Ids of the events that show it (the latest ones when there are many). */
  evidence: string[];
  /** A short human explanation. */
  detail: string;
}

/** A customer's health at `asOf`. */
export interface CustomerHealth {
  customerId: string;
  /** Σ weight × score / Σ weight over the applicable signals, unrounded; `null` when none applies. */
  score: number | null;
  band: HealthBand;
  contributions: SignalContribution[];
}

/** What a signal evaluator sees. */
export interface SignalContext {
  /** The customer's record, or its settled summary (facts.ts): the signals read it through facts.ts alone. */
  rec: HealthSubject;
  asOf: number;
  /** The customer's cases opened at or before `asOf`. */
  cases: readonly CaseView[];
  /** The fold's cases, for what a case view does not hold (its SLA misses). */
  lookup: CaseLookup;
  signal: ChurnSignalConfig;
  config: JourneyConfig;
}

type Evaluation = { score: number; evidence: string[]; detail: string } | null;

/** `2^(−elapsed / halfLife)`: how much of a trigger is left after `elapsedMs`. */
export function decay(elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 ? 1 : Math.pow(2, -elapsedMs / halfLifeMs);
}

const halfLifeMs = (c: ChurnSignalConfig): number => (c.halfLifeDays ?? 14) * DAY_MS;
const num = (c: ChurnSignalConfig, key: string, fallback: number): number => c[key] ?? fallback;
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const days = (ms: number): string => `${Math.round((ms / DAY_MS) * 10) / 10} d`;

/** The latest trigger at or before asOf, scored by its decay: 100 × (1 − decay). */
function fromTriggers(triggers: readonly SignalTrigger[], ctx: SignalContext, what: string): Evaluation {
  for (let i = triggers.length - 1; i >= 0; i--) {
    const t = triggers[i]!;
    if (t.at > ctx.asOf) continue;
    const left = decay(ctx.asOf - t.at, halfLifeMs(ctx.signal));
    return { score: 100 * (1 - left), evidence: t.evidence.slice(), detail: `${what} ${days(ctx.asOf - t.at)} ago` };
  }
  return { score: 100, evidence: [], detail: `no ${what}` };
}

/** The severity a sentiment counts with: `SentimentScored.severity` (1..5), 3 when absent. */
export const DEFAULT_SENTIMENT_SEVERITY = 3;

/**
 * A sentiment score as health reads it: a negative score counts `severity / 3` times as strongly (so an
 * absent severity, 3, leaves it as is; 1 a third; 5 five thirds), bounded at −1. Positive scores are kept.
 */
export function severityAdjustedScore(score: number, severity: number | undefined): number {
  if (score >= 0) return score;
  return Math.max(-1, (score * (severity ?? DEFAULT_SENTIMENT_SEVERITY)) / DEFAULT_SENTIMENT_SEVERITY);
}

/** Sentiment weighted by recency: Σ wᵢ sᵢ / Σ wᵢ with wᵢ = 2^(−(asOf − tᵢ)/halfLife), over scores at or before asOf. */
export function weightedSentiment(
  rec: { readonly sentiments: readonly SentimentFact[] },
  asOf: number,
  halfLife: number,
  scoreOf: (s: SentimentFact) => number = (s) => s.score,
): { score: number; weight: number; count: number; lastAt: number } | null {
  let sw = 0;
  let sws = 0;
  let count = 0;
  let lastAt = 0;
  for (const s of rec.sentiments) {
    if (s.at > asOf) continue;
    const w = decay(asOf - s.at, halfLife);
    sw += w;
    sws += w * scoreOf(s);
    count++;
    lastAt = s.at;
  }
  return count === 0 ? null : { score: sws / sw, weight: sw, count, lastAt };
}

function surveySignal(kind: SurveyKind, defaultMax: number) {
  return (ctx: SignalContext): Evaluation => {
    const s = latestSurveyOf(ctx.rec, kind, ctx.asOf);
    if (s === undefined) return null;
    const max = num(ctx.signal, 'max', defaultMax);
    if (s.score > max) return { score: 100, evidence: [s.id], detail: `latest ${kind} ${s.score}` };
    return { score: 100 * (1 - decay(ctx.asOf - s.at, halfLifeMs(ctx.signal))), evidence: [s.id], detail: `latest ${kind} ${s.score} ≤ ${max}, ${days(ctx.asOf - s.at)} ago` };
  };
}


/**
 * The default signals (docs/churn.md). Each returns `null` when it does not apply (no data), else a score
 * from 0 to 100 at `asOf` with evidence.
 */
export const CHURN_SIGNALS: Readonly<Record<string, (ctx: SignalContext) => Evaluation>> = {
  inactivity(ctx) {
    const { rec, asOf } = ctx;
    const threshold = num(ctx.signal, 'days', 30) * DAY_MS;
    const zero = Math.max(num(ctx.signal, 'zeroDays', 90) * DAY_MS, threshold);
    if (asOf - firstEventAt(rec)! < threshold) return null; // too new to be inactive
    const last = lastActivityAt(rec, asOf);
    const idle = asOf - last.at;
    const score = idle <= threshold ? 100 : zero === threshold ? 0 : 100 * clamp(1 - (idle - threshold) / (zero - threshold), 0, 1);
    return { score, evidence: [last.id], detail: `last activity ${days(idle)} ago` };
  },
  declining_engagement(ctx) {
    const { rec, asOf } = ctx;
    const w = decliningWindowMs(ctx.config);
    const { recent, previous, recentId, previousId } = activityAround(rec, asOf, w);
    if (previous < num(ctx.signal, 'minPrevious', 2)) return null;
    const evidence = [previousId!, ...(recentId === undefined ? [] : [recentId])];
    return { score: 100 * Math.min(1, recent / previous), evidence, detail: `${recent} activities in the last ${days(w)} vs ${previous} before` };
  },
  negative_sentiment(ctx) {
    // Severity-adjusted scores (severityAdjustedScore), weighted by recency like the profile's sentiment.
    const s = weightedSentiment(ctx.rec, ctx.asOf, ctx.config.sentimentHalfLifeMs, (x) => severityAdjustedScore(x.score, x.severity));
    if (s === null) return null;
    const threshold = clamp(num(ctx.signal, 'threshold', 0), -1, 1);
    const evidence = ctx.rec.sentiments.filter((x) => x.at <= ctx.asOf && severityAdjustedScore(x.score, x.severity) < threshold).slice(-10).map((x) => x.id);
    if (s.score >= threshold) return { score: 100, evidence, detail: `weighted sentiment ${s.score.toFixed(2)} (severity-adjusted)` };
    const severity = Math.min(1, (threshold - s.score) / (threshold + 1));
    return {
      score: 100 * (1 - severity * decay(ctx.asOf - s.lastAt, halfLifeMs(ctx.signal))),
      evidence,
      detail: `weighted sentiment ${s.score.toFixed(2)} (severity-adjusted) < ${threshold}`,
    };
  },
  repeat_contacts(ctx) {
    if (ctx.cases.length === 0) return null;
    const min = Math.max(2, num(ctx.signal, 'minCases', 2));
    const span = num(ctx.signal, 'days', 30) * DAY_MS;
    const byTopic = new Map<string, CaseView[]>();
    for (const c of ctx.cases) {
      if (c.topic === undefined || c.topic === '') continue;
      const list = byTopic.get(c.topic) ?? [];
      list.push(c);
      byTopic.set(c.topic, list);
    }
    let trigger: { at: number; evidence: string[]; topic: string } | undefined;
    for (const [topic, list] of byTopic) {
      list.sort((a, b) => a.openedAt - b.openedAt || (a.caseId < b.caseId ? -1 : 1));
      for (let i = list.length - 1; i >= min - 1; i--) {
        if (list[i]!.openedAt - list[i - min + 1]!.openedAt <= span) {
          if (trigger === undefined || list[i]!.openedAt > trigger.at) {
            trigger = { at: list[i]!.openedAt, topic, evidence: list.slice(i - min + 1, i + 1).map((c) => c.openedEventId) };
          }
          break;
        }
      }
    }
    if (trigger === undefined) return { score: 100, evidence: [], detail: 'no repeated topic' };
    return {
      score: 100 * (1 - decay(ctx.asOf - trigger.at, halfLifeMs(ctx.signal))),
      evidence: trigger.evidence,
      detail: `${min}+ cases on "${trigger.topic}" within ${days(span)}`,
    };
  },
  aging_case(ctx) {
    if (ctx.cases.length === 0) return null;
    const threshold = num(ctx.signal, 'days', 7) * DAY_MS;
    let score = 100;
    let evidence: string[] = [];
    let detail = 'no aging case or SLA miss';
    for (const c of ctx.cases) {
      if (isOpenCaseStatus(c.status)) {
        const age = ctx.asOf - c.openedAt;
        // an unresolved case older than the threshold is half-way unhealthy, fully at twice the threshold
        const s = age < threshold ? 100 : 100 * (1 - Math.min(1, age / (2 * threshold)));
        if (s < score) {
          score = s;
          evidence = [c.openedEventId];
          detail = `case ${c.caseId} unresolved for ${days(age)}`;
        }
      }
      // An SLA miss applies from its due instant and decays with the signal's half-life (operations.md, sla):
      // the latest miss of the case is the one that weighs most.
      const misses = ctx.lookup.slaMisses?.(c.caseId, ctx.asOf) ?? [];
      const miss = misses[misses.length - 1];
      if (miss !== undefined) {
        const s = 100 * (1 - decay(ctx.asOf - miss.dueAt, halfLifeMs(ctx.signal)));
        if (s < score) {
          score = s;
          evidence = [c.openedEventId];
          detail = `case ${c.caseId} missed its ${miss.target} SLA target ${days(ctx.asOf - miss.dueAt)} ago (${misses.length} missed)`;
        }
      }
    }
    return { score, evidence, detail };
  },
  low_csat: surveySignal('csat', 2),
  nps_detractor: surveySignal('nps', 6),
  high_effort: surveySignal('ces', 3),
  context_lost(ctx) {
    const { count, latest } = contextLostUpTo(ctx.rec, ctx.asOf);
    if (ctx.cases.length === 0 && count === 0) return null;
    if (latest === undefined) return { score: 100, evidence: [], detail: 'no context lost' };
    return {
      score: 100 * (1 - decay(ctx.asOf - latest.at, halfLifeMs(ctx.signal))),
      evidence: latest.evidence.slice(),
      detail: `${latest.kind} ${days(ctx.asOf - latest.at)} ago (${count} in all)`,
    };
  },
  channel_hopping(ctx) {
    const { hops } = triggersOf(ctx.rec);
    if (ctx.cases.length === 0 && hops.length === 0) return null;
    return fromTriggers(hops, ctx, 'case on several channels');
  },
  returns_cancellations(ctx) {
    const { returnsCancels } = triggersOf(ctx.rec);
    if (!hasOrderUpTo(ctx.rec, ctx.asOf) && !returnsCancels.some((t) => t.at <= ctx.asOf)) return null;
    return fromTriggers(returnsCancels, ctx, 'return or cancellation');
  },
  negative_public_mention(ctx) {
    if (publicMentionCount(ctx.rec) === 0) return null;
    return fromTriggers(triggersOf(ctx.rec).negativeMentions, ctx, 'negative public mention');
  },
  cancel_intent(ctx) {
    if (!hasIntentData(ctx.rec)) return null;
    return fromTriggers(triggersOf(ctx.rec).cancelIntents, ctx, 'cancel intent');
  },
};

/**
 * The band of a score: rounded half up, red ≤ `redMax`, yellow ≤ `yellowMax`, green above (domain.md's
 * defaults: red ≤ 50, yellow 51-75, green ≥ 76; `config.healthBands`); `null` → `na`.
 */
export function healthBand(score: number | null, limits: HealthBandLimits = DEFAULT_HEALTH_BANDS): HealthBand {
  if (score === null) return 'na';
  const r = Math.round(score);
  return r <= limits.redMax ? 'red' : r <= limits.yellowMax ? 'yellow' : 'green';
}

/**
 * A customer's health at `asOf`: Σ weight × score / Σ weight over the signals that apply (weight > 0 and data
 * to judge). A customer with fewer than two events at `asOf` is new: no signal applies, band `na`.
 * `undefined` for an unknown customer. Answered from the memo of {@link withHealthMemo} while one is open.
 */
export function customerHealth(
  state: CustomersState,
  customerId: string,
  asOf: number,
  cases: CaseLookup,
  config: JourneyConfig,
): CustomerHealth | undefined {
  const rec = state.customers.get(customerId);
  return rec === undefined ? undefined : judged(state, rec, asOf, cases, config);
}

/**
 * A customer's health at `asOf` from its record, or from its settled summary at or after the summary's
 * instant (see {@link customerHealth}).
 */
export function healthOf(rec: HealthSubject, asOf: number, cases: CaseLookup, config: JourneyConfig): CustomerHealth {
  const contributions: SignalContribution[] = [];
  if (eventsUpTo(rec, asOf) >= 2) {
    const customerCases = cases.casesOfCustomer(rec.customerId).filter((c) => c.openedAt <= asOf);
    for (const [name, signal] of Object.entries(config.churnSignals)) {
      const evaluate = CHURN_SIGNALS[name];
      if (evaluate === undefined || !(signal.weight > 0)) continue;
      const r = evaluate({ rec, asOf, cases: customerCases, lookup: cases, signal, config });
      if (r === null) continue;
      contributions.push({ signal: name, weight: signal.weight, score: r.score, evidence: r.evidence, detail: r.detail });
    }
  }
  let sw = 0;
  let sws = 0;
  for (const c of contributions) {
    sw += c.weight;
    sws += c.weight * c.score;
  }
  const score = sw === 0 ? null : sws / sw;
  return { customerId: rec.customerId, score, band: healthBand(score, config.healthBands ?? DEFAULT_HEALTH_BANDS), contributions };
}

/** The report's `health` section: customers (first event at or before `asOf`) counted by band. */
export function healthSection(state: CustomersState, asOf: number, cases: CaseLookup, config: JourneyConfig): HealthSection {
  const out: HealthSection = { red: 0, yellow: 0, green: 0, na: 0 };
  for (const rec of state.customers.values()) {
    if (rec.ats[0] === undefined || rec.ats[0] > asOf) continue;
    out[judged(state, rec, asOf, cases, config).band] += 1;
  }
  return out;
}

// Health at an instant, memoised while one report of a fold is built: the report's health section, the
// triage queue and the at-risk segment all need it, for the same customers at the same instant.
type HealthMemo = Map<number, Map<string, CustomerHealth>>;
const memos = new WeakMap<CustomersState, HealthMemo>();

/** A record's health at `asOf`, from the open memo of `state` if there is one. */
function judged(state: CustomersState, rec: CustomerRecord, asOf: number, cases: CaseLookup, config: JourneyConfig): CustomerHealth {
  const memo = memos.get(state);
  return memo === undefined ? healthOf(rec, asOf, cases, config) : memoised(memo, rec, asOf, cases, config);
}

function memoised(memo: HealthMemo, rec: CustomerRecord, asOf: number, cases: CaseLookup, config: JourneyConfig): CustomerHealth {
  let at = memo.get(asOf);
  if (at === undefined) memo.set(asOf, (at = new Map()));
  let h = at.get(rec.customerId);
  if (h === undefined) at.set(rec.customerId, (h = healthOf(rec, asOf, cases, config)));
  return h;
}

/**
 * Runs `build` with every health computed from `state` memoised per customer and instant, for one synchronous
 * build (a tenant's report) during which the state does not change; the memo is dropped afterwards, so a live
 * state folded on later is never answered from it. Callers share the lookup and config of that build.
 */
export function withHealthMemo<T>(state: CustomersState, build: () => T): T {
  if (memos.has(state)) return build();
  memos.set(state, new Map());
  try {
    return build();
  } finally {
    memos.delete(state);
  }
}

