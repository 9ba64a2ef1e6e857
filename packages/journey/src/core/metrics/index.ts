import type { JourneyConfig, ReportWindow } from '../model/index.js';
import type { CustomerMetricsSection } from '../report/types.js';
import { codeChannel, isInboundCode, type CustomersState } from '../customers/index.js';
import { addCounts } from '../report/counts.js';

/** A churn period `[from, to)` in ms; `explicit` when it is the metrics period given by `--from`/`--to`. */
export interface ChurnPeriod {
  from: number;
  to: number;
  explicit: boolean;
}

const monthStart = (ms: number, offset = 0): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
};

/**
 * The churn period (domain.md, Metrics > Churn): the explicit metrics period when given, else the last full
 * calendar month (UTC) that ends at or before `asOf`.
 */
export function churnPeriodFor(asOf: number, explicit?: { from: number; to: number }): ChurnPeriod {
  if (explicit !== undefined) return { from: explicit.from, to: explicit.to, explicit: true };
  const to = monthStart(asOf);
  return { from: monthStart(asOf, -1), to, explicit: false };
}

/** The `k` periods just before `period`, oldest first: calendar months for a default period, else same-length periods. */
export function previousChurnPeriods(period: ChurnPeriod, k: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let i = k; i >= 1; i--) {
    if (period.explicit) {
      const d = period.to - period.from;
      out.push({ from: period.from - i * d, to: period.to - i * d });
    } else out.push({ from: monthStart(period.from, -i), to: monthStart(period.from, -i + 1) });
  }
  return out;
}

/** S, L, E and the simple and adjusted rates of one churn period. */
export interface ChurnCounts {
  atStart: number;
  churned: number;
  atEnd: number;
  simpleRate: number | null;
  adjustedRate: number | null;
}

/** S, L and E of one churn period, before rates: counts that add up across disjoint sets of customers. */
export interface ChurnTally {
  atStart: number;
  churned: number;
  atEnd: number;
}

/**
 * Churn counts over `[from, to)`: S = customers seen (any event) strictly before `from` and not churned
 * before it; L = those of S with a `CustomerChurned` in the period; E = seen before `to` and not churned
 * before it.
 */
export function churnTally(state: CustomersState, from: number, to: number): ChurnTally {
  let atStart = 0;
  let churned = 0;
  let atEnd = 0;
  for (const rec of state.customers.values()) {
    const first = rec.ats[0];
    if (first === undefined) continue;
    const c = rec.firstChurnAt;
    if (first < from && !(c !== null && c < from)) {
      atStart++;
      // in S, the first churn is at or after `from`: it is in the period iff it is before `to`
      if (c !== null && c < to) churned++;
    }
    if (first < to && !(c !== null && c < to)) atEnd++;
  }
  return { atStart, churned, atEnd };
}

/** A churn tally with its simple and adjusted rates, `null` on a zero denominator. */
export function churnCountsOf(t: ChurnTally): ChurnCounts {
  const { atStart, churned, atEnd } = t;
  return {
    atStart,
    churned,
    atEnd,
    simpleRate: atStart === 0 ? null : churned / atStart,
    adjustedRate: atStart + atEnd === 0 ? null : churned / ((atStart + atEnd) / 2),
  };
}

/**
 * Churn counts over `[from, to)` (see {@link churnTally}) with their rates. Rates are `null` on a zero
 * denominator.
 */
export function churnCounts(state: CustomersState, from: number, to: number): ChurnCounts {
  return churnCountsOf(churnTally(state, from, to));
}

/**
 * The predictive churn rate from the tallies of the previous periods, oldest first: Σ wᵢ rᵢ / Σ wᵢ over
 * their simple rates, weights 1…k from the oldest; a null rate is left out with its weight; null when all are.
 */
export function predictiveRateOf(previous: readonly ChurnTally[]): number | null {
  let num = 0;
  let den = 0;
  previous.forEach((p, i) => {
    const r = churnCountsOf(p).simpleRate;
    if (r === null) return;
    num += (i + 1) * r;
    den += i + 1;
  });
  return den === 0 ? null : num / den;
}

/**
 * Predictive churn rate: Σ wᵢ rᵢ / Σ wᵢ over the simple rates of the `k` previous periods, weights 1…k from
 * the oldest; a null rate is left out with its weight; null when all are.
 */
export function predictiveChurnRate(state: CustomersState, period: ChurnPeriod, k: number): number | null {
  return predictiveRateOf(previousChurnPeriods(period, k).map((p) => churnTally(state, p.from, p.to)));
}

/**
 * The customer side of a tenant's metrics before rates: counts that add up across disjoint sets of
 * customers ({@link mergeCustomerMetricsTallies}).
 */
export interface CustomerMetricsTally {
  surveys: SurveyCounts;
  /** Inbound touchpoints per channel. */
  channelMix: Record<string, number>;
  /** The churn period's counts. */
  churn: ChurnTally;
  /** The counts of the periods before it, oldest first (for the predictive rate). */
  previous: ChurnTally[];
}

/** The survey counts of a {@link CustomerMetricsTally}. */
export interface SurveyCounts {
  csatAnswers: number;
  /** CSAT answers of 4 or 5. */
  csatGood: number;
  csatSent: number;
  /** Customers whose latest NPS answer in the period is counted, and of those promoters and detractors. */
  npsAnswers: number;
  promoters: number;
  detractors: number;
  cesAnswers: number;
  /** The sum of CES scores (integers, so the sum is exact in any order). */
  cesSum: number;
  cesAtLeast5: number;
}

/**
 * The {@link CustomerMetricsTally} of a customers state over the period `[window.from, window.to)` (by
 * `occurredAt`) and the churn period.
 */
export function customerMetricsTally(
  state: CustomersState,
  window: ReportWindow,
  churnPeriod: ChurnPeriod,
  config: Pick<JourneyConfig, 'predictiveChurnPeriods'>,
): CustomerMetricsTally {
  const { from, to } = window;
  const inPeriod = (at: number): boolean => at >= from && at < to;
  let csatAnswers = 0;
  let csatGood = 0;
  let csatSent = 0;
  let npsAnswers = 0;
  let promoters = 0;
  let detractors = 0;
  let cesAnswers = 0;
  let cesSum = 0;
  let ces5 = 0;
  const mix = new Map<string, number>();
  for (const rec of state.customers.values()) {
    let latestNps: number | undefined;
    for (const s of rec.surveys) {
      if (!inPeriod(s.at)) continue;
      if (s.kind === 'csat') {
        csatAnswers++;
        if (s.score >= 4) csatGood++;
      } else if (s.kind === 'nps') latestNps = s.score; // surveys are in fold order: the last one wins
      else {
        cesAnswers++;
        cesSum += s.score;
        if (s.score >= 5) ces5++;
      }
    }
    if (latestNps !== undefined) {
      npsAnswers++;
      if (latestNps >= 9) promoters++;
      else if (latestNps <= 6) detractors++;
    }
    for (const at of rec.csatSentAts) if (inPeriod(at)) csatSent++;
    const { ats, codes } = rec;
    for (let i = 0; i < ats.length; i++) {
      const at = ats[i]!;
      if (at >= to) break;
      if (at < from || !isInboundCode(codes[i]!)) continue;
      const ch = codeChannel(codes[i]!)!;
      mix.set(ch, (mix.get(ch) ?? 0) + 1);
    }
  }
  return {
    surveys: { csatAnswers, csatGood, csatSent, npsAnswers, promoters, detractors, cesAnswers, cesSum, cesAtLeast5: ces5 },
    channelMix: Object.fromEntries(mix),
    churn: churnTally(state, churnPeriod.from, churnPeriod.to),
    previous: previousChurnPeriods(churnPeriod, config.predictiveChurnPeriods).map((p) => churnTally(state, p.from, p.to)),
  };
}

/** The tally of two disjoint sets of customers together. */
export function mergeCustomerMetricsTallies(a: CustomerMetricsTally, b: CustomerMetricsTally): CustomerMetricsTally {
  return {
    surveys: addCounts(a.surveys, b.surveys),
    channelMix: addCounts(a.channelMix, b.channelMix),
    churn: addCounts(a.churn, b.churn),
    previous: a.previous.map((p, i) => addCounts(p, b.previous[i]!)),
  };
}

/**
 * The report's customer-derived metrics from a tally: CSAT, NPS (each customer's latest answer in the
 * period), CES, channel mix of inbound touchpoints (channels sorted), and churn over `churnPeriod`.
 * Denominators of 0 give `null`; nothing is rounded.
 */
export function customerMetricsOf(t: CustomerMetricsTally, churnPeriod: ChurnPeriod): CustomerMetricsSection {
  const { csatAnswers, csatGood, csatSent, npsAnswers, promoters, detractors, cesAnswers, cesSum, cesAtLeast5 } = t.surveys;
  const channelMix: Record<string, number> = {};
  for (const ch of Object.keys(t.channelMix).sort()) channelMix[ch] = t.channelMix[ch]!;
  return {
    csat: { answers: csatAnswers, percent: csatAnswers === 0 ? null : (csatGood / csatAnswers) * 100, responseRate: csatSent === 0 ? null : csatAnswers / csatSent },
    nps: { answers: npsAnswers, promoters, detractors, score: npsAnswers === 0 ? null : ((promoters - detractors) / npsAnswers) * 100 },
    ces: { answers: cesAnswers, mean: cesAnswers === 0 ? null : cesSum / cesAnswers, shareAtLeast5: cesAnswers === 0 ? null : cesAtLeast5 / cesAnswers },
    channelMix,
    churn: {
      from: new Date(churnPeriod.from).toISOString(),
      to: new Date(churnPeriod.to).toISOString(),
      ...churnCountsOf(t.churn),
      predictiveRate: predictiveRateOf(t.previous),
    },
  };
}

/**
 * The report's customer-derived metrics over the period `[window.from, window.to)` (by `occurredAt`):
 * CSAT, NPS (each customer's latest answer in the period), CES, channel mix of inbound touchpoints, and churn
 * over `churnPeriod`. Denominators of 0 give `null`; nothing is rounded.
 */
export function customerMetrics(
  state: CustomersState,
  window: ReportWindow,
  churnPeriod: ChurnPeriod,
  config: Pick<JourneyConfig, 'predictiveChurnPeriods'>,
): CustomerMetricsSection {
  return customerMetricsOf(customerMetricsTally(state, window, churnPeriod, config), churnPeriod);
}
