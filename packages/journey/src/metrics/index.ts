import type { JourneyConfig, ReportWindow } from '../model/index.js';
import type { CustomerMetricsSection } from '../report/types.js';
import { codeChannel, isInboundCode, type CustomersState } from '../customers/index.js';

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

/**
 * Churn counts over `[from, to)`: S = customers seen (any event) strictly before `from` and not churned
 * before it; L = those of S with a `CustomerChurned` in the period; E = seen before `to` and not churned
 * before it. Rates are `null` on a zero denominator.
 */
export function churnCounts(state: CustomersState, from: number, to: number): ChurnCounts {
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
  return {
    atStart,
    churned,
    atEnd,
    simpleRate: atStart === 0 ? null : churned / atStart,
    adjustedRate: atStart + atEnd === 0 ? null : churned / ((atStart + atEnd) / 2),
  };
}

/**
 * Predictive churn rate: Σ wᵢ rᵢ / Σ wᵢ over the simple rates of the `k` previous periods, weights 1…k from
 * the oldest; a null rate is left out with its weight; null when all are.
 */
export function predictiveChurnRate(state: CustomersState, period: ChurnPeriod, k: number): number | null {
  let num = 0;
  let den = 0;
  previousChurnPeriods(period, k).forEach((p, i) => {
    const r = churnCounts(state, p.from, p.to).simpleRate;
    if (r === null) return;
    num += (i + 1) * r;
    den += i + 1;
  });
  return den === 0 ? null : num / den;
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
  const channelMix: Record<string, number> = {};
  for (const ch of [...mix.keys()].sort()) channelMix[ch] = mix.get(ch)!;
  const churn = churnCounts(state, churnPeriod.from, churnPeriod.to);
  return {
    csat: { answers: csatAnswers, percent: csatAnswers === 0 ? null : (csatGood / csatAnswers) * 100, responseRate: csatSent === 0 ? null : csatAnswers / csatSent },
    nps: { answers: npsAnswers, promoters, detractors, score: npsAnswers === 0 ? null : ((promoters - detractors) / npsAnswers) * 100 },
    ces: { answers: cesAnswers, mean: cesAnswers === 0 ? null : cesSum / cesAnswers, shareAtLeast5: cesAnswers === 0 ? null : ces5 / cesAnswers },
    channelMix,
    churn: {
      from: new Date(churnPeriod.from).toISOString(),
      to: new Date(churnPeriod.to).toISOString(),
      ...churn,
      predictiveRate: predictiveChurnRate(state, churnPeriod, config.predictiveChurnPeriods),
    },
  };
}
