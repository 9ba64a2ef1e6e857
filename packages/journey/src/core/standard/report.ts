import { casesTally, caseMetricsOf, casesSectionOf, mergeCasesTallies, slaOutcomes, type CasesTally } from '../cases/index.js';
import { healthSection, withHealthMemo } from '../churn/index.js';
import { journeysSectionOf, journeysTally, mergeJourneysTallies, type JourneysTally } from '../journey-map/index.js';
import { churnPeriodFor, customerMetricsOf, customerMetricsTally, mergeCustomerMetricsTallies, type CustomerMetricsTally } from '../metrics/index.js';
import type { ReportWindow, TenantFoldReader } from '../model/index.js';
import { examplesSectionOf, mergeSeriesTallies, seriesSectionOf, seriesTally, type SeriesTally } from '../series/index.js';
import { addCounts } from '../report/counts.js';
import type { HealthSection, TenantReport } from '../report/types.js';
import type { TenantFold } from './fold.js';
import { TENANT_PROJECTIONS, type AnyTenantProjection } from './registry.js';

/**
 * One tenant's report before rates and statistics: counts, rows and samples. Tallies of parts of a tenant
 * folded apart add up ({@link mergeTenantTallies}) when no event of one part can change the fold of another.
 */
export interface TenantTally {
  customers: { count: number; merged: number };
  cases: CasesTally;
  customerMetrics: CustomerMetricsTally;
  journeys: JourneysTally;
  health: HealthSection;
  series: SeriesTally;
  /** The tenant-wide projections' tallies (plain data), in the order of the projections folded. */
  views: unknown[];
}

/** The tally of a folded tenant for a window (`churnExplicit`: the period was given, so churn uses it). */
export function tenantTally(fold: TenantFold, window: ReportWindow, churnExplicit: boolean): TenantTally {
  // The health section and the views that read health at asOf (triage, segments) share one computation.
  return withHealthMemo(fold.customers, () => tallyOf(fold, window, churnExplicit));
}

function tallyOf(fold: TenantFold, window: ReportWindow, churnExplicit: boolean): TenantTally {
  const churnPeriod = churnPeriodFor(window.asOf, churnExplicit ? { from: window.from, to: window.to } : undefined);
  return {
    customers: { count: fold.customerCount, merged: fold.mergedCustomers },
    cases: casesTally(fold.cases, window, fold.canonical),
    customerMetrics: customerMetricsTally(fold.customers, window, churnPeriod, fold.config),
    journeys: journeysTally(fold.customers, window),
    health: healthSection(fold.customers, window.asOf, fold.caseLookup, fold.config),
    series: seriesTally(fold.cases, fold.customers, fold.caseLookup, window, fold.config),
    views: fold.projections.length === 0 ? [] : viewTallies(fold, window),
  };
}

/** The tenant-wide projections' tallies of a fold, each reading the rest of the fold through one reader. */
function viewTallies(fold: TenantFold, window: ReportWindow): unknown[] {
  const reader = tenantFoldReader(fold);
  return fold.projections.map((p, i) => p.tally(fold.views[i], window, fold.canonical, reader));
}

/** What a tenant-wide projection's tally reads of a fold: the `TenantFoldReader`, on the fold itself. */
export type FoldWithReader = TenantFold & TenantFoldReader;

/** The fold with the `TenantFoldReader` methods (the tally argument every tenant-wide projection gets). */
export function tenantFoldReader(fold: TenantFold): FoldWithReader {
  return {
    ...fold,
    allCases: () => fold.cases.cases.values(),
    slaOutcomes: (caseId, asOf) => slaOutcomes(fold.cases, caseId, asOf),
    customerRecords: () => fold.customers.customers.values(),
  };
}

/** The tallies of two disjoint parts of a tenant together. */
export function mergeTenantTallies(a: TenantTally, b: TenantTally, projections: readonly AnyTenantProjection[] = TENANT_PROJECTIONS): TenantTally {
  return {
    customers: addCounts(a.customers, b.customers),
    cases: mergeCasesTallies(a.cases, b.cases),
    customerMetrics: mergeCustomerMetricsTallies(a.customerMetrics, b.customerMetrics),
    journeys: mergeJourneysTallies(a.journeys, b.journeys),
    health: addCounts(a.health, b.health),
    series: mergeSeriesTallies(a.series, b.series),
    views: projections.map((p, i) => p.mergeTallies(a.views[i], b.views[i])),
  };
}

/** The tenant's report section (report.md) from its tally, in report.md's key order. */
export function tenantReportOf(
  t: TenantTally,
  window: ReportWindow,
  churnExplicit: boolean,
  projections: readonly AnyTenantProjection[] = TENANT_PROJECTIONS,
): TenantReport {
  const churnPeriod = { ...churnPeriodFor(window.asOf, churnExplicit ? { from: window.from, to: window.to } : undefined), explicit: churnExplicit };
  const caseSide = caseMetricsOf(t.cases);
  const customerSide = customerMetricsOf(t.customerMetrics, churnPeriod);
  return {
    customers: { count: t.customers.count, merged: t.customers.merged },
    cases: casesSectionOf(t.cases),
    metrics: {
      csat: customerSide.csat,
      nps: customerSide.nps,
      ces: customerSide.ces,
      firstResponseMs: caseSide.firstResponseMs,
      replyMs: caseSide.replyMs,
      resolutionMs: caseSide.resolutionMs,
      fcr: caseSide.fcr,
      channelMix: customerSide.channelMix,
      multiChannelCaseShare: caseSide.multiChannelCaseShare,
      botContainment: caseSide.botContainment,
      churn: customerSide.churn,
    },
    journeys: journeysSectionOf(t.journeys),
    health: { ...t.health },
    ...(projections.length === 0 ? {} : { operations: Object.fromEntries(projections.map((p, i) => [p.name, p.section(t.views[i], window)])) }),
    series: seriesSectionOf(t.series),
    examples: examplesSectionOf(t.series),
  };
}

/** The report section of one folded tenant for a window. */
export function tenantReport(fold: TenantFold, window: ReportWindow, churnExplicit: boolean): TenantReport {
  return tenantReportOf(tenantTally(fold, window, churnExplicit), window, churnExplicit, fold.projections);
}
