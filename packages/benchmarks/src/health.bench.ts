// How well the health score ranks the customers who churn soon (docs/churn.md, "Calibration"): over the
// seeded workload, at weekly dates D, every customer seen before D and not churned yet is scored at D; the
// ones with a `CustomerChurned` in (D, D + 30 d] are the positives. The figure is the ROC AUC of "lower health
// first" (1 = every churner ranks below every stayer, 0.5 = chance), per seed and pooled, plus the bands at
// the end of the workload, the same AUC over the customers still active in the horizon, and the AUC of each
// signal alone there (where it applies); then what the triage and segments sections add to a tenant's report
// (they compute health at asOf for queued cases and for every customer). OMNITRAIL_BENCH_SEEDS,
// OMNITRAIL_BENCH_EVENTS and OMNITRAIL_BENCH_CUSTOMERS change the size; OMNITRAIL_HEALTH_CONFIG (a JSON
// partial journey configuration, e.g. '{"churnSignals":{"cancel_intent":{"weight":9}}}') measures a variant.
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { customerHealth, resolveJourneyConfig, type CustomerHealth, type JourneyConfig } from '@omnitrail/journey';
import { foldTenant, tenantReport } from '@omnitrail/journey/internal';
import { generateWorkload } from '@omnitrail/workload';
import { compareAlternating, report, timeMs } from './harness/index.js';

const SEEDS = (process.env.OMNITRAIL_BENCH_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const EVENTS = Number(process.env.OMNITRAIL_BENCH_EVENTS ?? 50_000);
const CUSTOMERS = Number(process.env.OMNITRAIL_BENCH_CUSTOMERS ?? 2_000);
const DAY = 86_400_000;
const HORIZON = 30 * DAY;
const STEP = 7 * DAY;

/** One scored (customer, date): its health and whether it churned within the horizon. */
interface Sample {
  health: CustomerHealth;
  churned: boolean;
  /** The customer has an event in (D, D + 30 d]: its journey was not cut off by the generator's event budget. */
  activeAfter: boolean;
}

/**
 * The ROC AUC of ranking by `risk` (higher = more at risk): the probability that a random positive ranks above
 * a random negative, ties counting half (Mann-Whitney U over average ranks). `null` without both classes.
 */
export function rocAuc(items: readonly { risk: number; positive: boolean }[]): number | null {
  const sorted = items.slice().sort((a, b) => a.risk - b.risk);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.risk === sorted[i]!.risk) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.positive) {
      positives++;
      rankSum += avgRank;
    }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function samplesOf(seed: number, config: JourneyConfig): { samples: Sample[]; finalBands: Record<string, number> } {
  const events: CatalogEvent[] = [];
  for (const raw of generateWorkload({ seed, customers: CUSTOMERS, events: EVENTS })) events.push(parseEventOrThrow(raw));
  const tenant = events[0]!.tenantId;
  let minAt = Infinity;
  let maxAt = -Infinity;
  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    minAt = Math.min(minAt, at);
    maxAt = Math.max(maxAt, at);
  }
  // Churn by the customer as the whole workload knows it: a customer still anonymous at D is merged into
  // its host id later, so ids of a fold at D are mapped through the final fold's merges.
  const end = foldTenant(tenant, events, maxAt, config);
  const churnedAt = new Map<string, number>();
  for (const je of end.events) if (je.event.type === 'CustomerChurned' && !churnedAt.has(je.customerId)) churnedAt.set(je.customerId, je.at);
  const samples: Sample[] = [];
  for (let d = minAt + 30 * DAY; d + HORIZON <= maxAt; d += STEP) {
    const fold = foldTenant(tenant, events, d, config);
    for (const [customerId, rec] of fold.customers.customers) {
      if (rec.ats[0] === undefined || rec.ats[0] > d) continue;
      const canonical = end.canonical(customerId);
      const churn = churnedAt.get(canonical);
      if (churn !== undefined && churn <= d) continue;
      const health = customerHealth(fold.customers, customerId, d, fold.caseLookup, config)!;
      if (health.score === null) continue;
      const ats = end.customers.customers.get(canonical)?.ats ?? [];
      const activeAfter = ats.some((at) => at > d && at <= d + HORIZON);
      samples.push({ health, churned: churn !== undefined && churn <= d + HORIZON, activeAfter });
    }
  }
  const finalBands: Record<string, number> = { red: 0, yellow: 0, green: 0, na: 0 };
  for (const customerId of end.customers.customers.keys()) finalBands[customerHealth(end.customers, customerId, maxAt, end.caseLookup, config)!.band]! += 1;
  return { samples, finalBands };
}

export async function run(): Promise<void> {
  const variant = process.env.OMNITRAIL_HEALTH_CONFIG;
  const config = resolveJourneyConfig(variant === undefined ? undefined : JSON.parse(variant));
  if (variant !== undefined) console.log(`  configuration: ${variant}`);
  const pooled: Sample[] = [];
  const bands: Record<string, number> = { red: 0, yellow: 0, green: 0, na: 0 };
  const churnerBands: Record<string, number> = { red: 0, yellow: 0, green: 0 };
  const size = `${EVENTS.toLocaleString('en-US')} events, ${CUSTOMERS.toLocaleString('en-US')} customers`;
  for (const seed of SEEDS) {
    const { samples, finalBands } = samplesOf(seed, config);
    pooled.push(...samples);
    for (const [k, v] of Object.entries(finalBands)) bands[k]! += v;
    const auc = rocAuc(samples.map((s) => ({ risk: -s.health.score!, positive: s.churned })));
    const positives = samples.filter((s) => s.churned).length;
    report({ benchmark: 'health', name: `ROC AUC, churn within 30 d, seed ${seed} (${size}; ${positives} churner-dates of ${samples.length})`, value: auc ?? NaN, unit: 'AUC', goal: '> 0.5' });
  }
  for (const s of pooled) if (s.churned) churnerBands[s.health.band]! += 1;
  const auc = rocAuc(pooled.map((s) => ({ risk: -s.health.score!, positive: s.churned })));
  report({ benchmark: 'health', name: `ROC AUC, churn within 30 d, ${SEEDS.length} seeds pooled`, value: auc ?? NaN, unit: 'AUC', goal: '> 0.5' });
  // The generator ends a journey when its event budget runs out, which it models neither as churn nor as
  // staying: among customers still active in the horizon, the ranking is judged without that artefact.
  const active = pooled.filter((s) => s.activeAfter);
  const aucActive = rocAuc(active.map((s) => ({ risk: -s.health.score!, positive: s.churned })));
  report({ benchmark: 'health', name: `ROC AUC, churn within 30 d, customers active in the horizon (${active.length} of ${pooled.length}), ${SEEDS.length} seeds pooled`, value: aucActive ?? NaN, unit: 'AUC', goal: '> 0.5' });
  for (const band of ['red', 'yellow', 'green', 'na'] as const) {
    report({ benchmark: 'health', name: `customers in band ${band} at the end of the workload (${SEEDS.length} seeds)`, value: bands[band]!, unit: 'customers' });
  }
  for (const band of ['red', 'yellow', 'green'] as const) {
    report({ benchmark: 'health', name: `churner-dates in band ${band} (${SEEDS.length} seeds)`, value: churnerBands[band]!, unit: 'samples' });
  }
  const lowest = pooled.filter((s) => s.churned).reduce((m, s) => Math.min(m, s.health.score!), Infinity);
  report({ benchmark: 'health', name: 'lowest health of a churner-date', value: lowest, unit: 'score' });
  await viewsCost(config);
  // Each signal alone, over the samples it applies to: which ones carry the ranking.
  for (const signal of Object.keys(config.churnSignals)) {
    const items: { risk: number; positive: boolean }[] = [];
    for (const s of active) {
      const c = s.health.contributions.find((x) => x.signal === signal);
      if (c !== undefined) items.push({ risk: -c.score, positive: s.churned });
    }
    const a = rocAuc(items);
    report({ benchmark: 'health', name: `ROC AUC of signal ${signal} alone, customers active in the horizon (applies to ${items.length} of ${active.length})`, value: a ?? NaN, unit: 'AUC' });
  }
}

/** The tenant report with and without the triage and segments views, over one fold of the seeded workload. */
async function viewsCost(config: JourneyConfig): Promise<void> {
  const events: CatalogEvent[] = [];
  for (const raw of generateWorkload({ seed: 42, customers: 2 * CUSTOMERS, events: 2 * EVENTS })) events.push(parseEventOrThrow(raw));
  const asOf = events.reduce((m, e) => Math.max(m, Date.parse(e.occurredAt)), 0) + 1;
  const tenant = events[0]!.tenantId;
  const withViews = foldTenant(tenant, events, asOf, config);
  const without = foldTenant(tenant, events, asOf, config, []);
  const window = { asOf, from: 0, to: asOf };
  const cost = await compareAlternating(
    async () => timeMs(() => tenantReport(withViews, window, false)),
    async () => timeMs(() => tenantReport(without, window, false)),
  );
  const queued = (tenantReport(withViews, window, false).operations!.triage as unknown[]).length;
  report({
    benchmark: 'health',
    name: `tenant report with triage and segments (${events.length.toLocaleString('en-US')} events, ${queued.toLocaleString('en-US')} cases queued)`,
    value: cost.subject,
    unit: 'ms',
    reference: { name: 'the report without them', value: cost.reference, ratio: cost.ratio },
    samples: cost.subjectSamples,
  });
}
