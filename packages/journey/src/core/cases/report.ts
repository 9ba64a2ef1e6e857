import { isOpenCaseStatus, type CaseStatus, type CaseView, type ReportWindow } from '../model/index.js';
import type { CaseMetricsSection, CasesSection, OpenCaseRow } from '../report/types.js';
import type { CaseLookup } from '../model/index.js';
import { addCounts } from '../report/counts.js';
import { durationStats } from '../stats/index.js';
import { openCaseRow } from './snapshot.js';
import { slaMissesOf } from './sla.js';
import { type CasesState, type Samples } from './state.js';


/** The status a case shows as of an instant: a snooze that has run out counts as `open`. */
export function statusAsOf(c: Pick<CaseView, 'status' | 'snoozedUntil'>, asOf: number): CaseStatus {
  return c.status === 'snoozed' && c.snoozedUntil !== null && c.snoozedUntil < asOf ? 'open' : c.status;
}

/** A case by id, as recorded (a merged case is returned as such, not its target). */
export function getCase(state: CasesState, caseId: string): CaseView | undefined {
  return state.cases.get(caseId);
}

/** The cases opened by events of a customer (keyed by the `customerId` of the opening `JourneyEvent`), in opening order. */
export function casesOfCustomer(state: CasesState, customerId: string): readonly CaseView[] {
  return state.byCustomer.get(customerId) ?? [];
}

/**
 * What the customer projections may ask of the rest of a fold: the cases of `state` with their SLA misses, and, when given,
 * identity's `anonymousThenMerged` on the fold's graph (for `identity_gap`).
 */
export function caseLookupOf(state: CasesState, anonymousThenMerged?: CaseLookup['anonymousThenMerged']): CaseLookup {
  const lookup: CaseLookup = {
    getCase: (caseId) => getCase(state, caseId),
    casesOfCustomer: (customerId) => casesOfCustomer(state, customerId),
    slaMisses: (caseId, asOf) => slaMissesOf(state, caseId, asOf),
  };
  if (anonymousThenMerged !== undefined) lookup.anonymousThenMerged = anonymousThenMerged;
  return lookup;
}

/** Every case, in opening order. */
export function listCases(state: CasesState): Iterable<CaseView> {
  return state.cases.values();
}

/**
 * The cases side of a tenant's report before rates and statistics: counts, rows and the period's samples.
 * Tallies of disjoint sets of cases add up ({@link mergeCasesTallies}) to the tally of their union, so a
 * report can be assembled from parts folded apart (on several threads, say).
 */
export interface CasesTally {
  counts: CaseCounts;
  byStatus: Record<CaseStatus, number>;
  /** Open cases as of `asOf`, in no particular order (sorted by id in the section). */
  open: OpenCaseRow[];
  /** In fold order (sorted by event id in the section; one event's anomalies keep their order). */
  anomalies: { eventId: string; reason: string }[];
  /** Duration samples completed in the period. */
  firstResponseMs: number[];
  replyMs: number[];
  resolutionMs: number[];
}

/** The counts of a {@link CasesTally}. */
export interface CaseCounts {
  /** Every case, merged ones included. */
  count: number;
  /** Cases resolved in the period, and of those resolved at first contact. */
  resolved: number;
  firstContact: number;
  /** Cases opened in the period (merged ones aside), and of those with two channels or more. */
  opened: number;
  multiChannel: number;
  /** Cases opened in the period that a bot handled, and of those contained. */
  botHandled: number;
  contained: number;
}

/**
 * The {@link CasesTally} of a cases state as of `window.asOf` (statuses, open rows with canonical customer
 * ids) and over the period `[window.from, window.to)` (samples by the instant of the event completing each,
 * first contact resolution, multi-channel share and bot containment, with facts as of the folded state).
 */
export function casesTally(state: CasesState, window: ReportWindow, canonical: (customerId: string) => string): CasesTally {
  const { from, to } = window;
  const byStatus: Record<CaseStatus, number> = { bot: 0, open: 0, pending_customer: 0, on_hold: 0, snoozed: 0, resolved: 0, closed: 0, merged: 0 };
  const open: OpenCaseRow[] = [];
  let resolved = 0;
  let firstContact = 0;
  let opened = 0;
  let multiChannel = 0;
  let botHandled = 0;
  let contained = 0;
  for (const c of state.cases.values()) {
    const status = statusAsOf(c, window.asOf);
    byStatus[status]++;
    if (isOpenCaseStatus(status)) {
      open.push(openCaseRow(c, status, canonical));
    }
    let resolvedInPeriod = false;
    for (const r of c.resolutions) {
      if (r >= from && r < to) {
        resolvedInPeriod = true;
        break;
      }
    }
    if (resolvedInPeriod) {
      resolved++;
      if (c.reopenCount === 0 && !c.hasFollowUp && !c.customerMessageAfterFirstReply) firstContact++;
    }
    if (c.openedAt >= from && c.openedAt < to) {
      if (c.status !== 'merged') {
        opened++;
        if (c.channels.size >= 2) multiChannel++;
      }
      if (c.handledBy === 'bot') {
        botHandled++;
        if (c.resolutions.length > 0 && !c.agentReplied && !c.escalated) contained++;
      }
    }
  }
  return {
    counts: { count: state.cases.size, resolved, firstContact, opened, multiChannel, botHandled, contained },
    byStatus,
    open,
    anomalies: state.anomalies.map((a) => ({ eventId: a.eventId, reason: a.reason })),
    firstResponseMs: inPeriod(state.firstResponse, from, to),
    replyMs: inPeriod(state.reply, from, to),
    resolutionMs: inPeriod(state.resolution, from, to),
  };
}

/** The tally of two disjoint sets of cases together (`a`'s rows and samples first). */
export function mergeCasesTallies(a: CasesTally, b: CasesTally): CasesTally {
  return {
    counts: addCounts(a.counts, b.counts),
    byStatus: addCounts(a.byStatus, b.byStatus),
    open: [...a.open, ...b.open],
    anomalies: [...a.anomalies, ...b.anomalies],
    firstResponseMs: [...a.firstResponseMs, ...b.firstResponseMs],
    replyMs: [...a.replyMs, ...b.replyMs],
    resolutionMs: [...a.resolutionMs, ...b.resolutionMs],
  };
}

/**
 * The report's `cases` section (report.md) from a tally: every case counted (merged ones included),
 * statuses as of `asOf`, open cases sorted by id, anomalies sorted by event id.
 */
export function casesSectionOf(tally: CasesTally): CasesSection {
  const open = [...tally.open].sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  // Stable sort: two anomalies of one event keep their order.
  const anomalies = tally.anomalies.map((a) => ({ eventId: a.eventId, reason: a.reason }));
  anomalies.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  return { count: tally.counts.count, byStatus: { ...tally.byStatus }, open, anomalies };
}

/** The case metrics (domain.md, Metrics) from a tally. A rate whose denominator is 0 is `null`. */
export function caseMetricsOf(tally: CasesTally): CaseMetricsSection {
  const { resolved, firstContact, opened, multiChannel, botHandled, contained } = tally.counts;
  return {
    firstResponseMs: durationStats(tally.firstResponseMs),
    replyMs: durationStats(tally.replyMs),
    resolutionMs: durationStats(tally.resolutionMs),
    fcr: { resolved, firstContact, rate: resolved === 0 ? null : firstContact / resolved },
    multiChannelCaseShare: opened === 0 ? null : multiChannel / opened,
    botContainment: { botHandled, contained, rate: botHandled === 0 ? null : contained / botHandled },
  };
}

/**
 * The report's `cases` section (report.md) as of `window.asOf`: every case counted (merged ones included),
 * statuses as of `asOf`, open cases sorted by id with canonical customer ids, anomalies sorted by event id.
 */
export function casesSection(state: CasesState, window: ReportWindow, canonical: (customerId: string) => string): CasesSection {
  return casesSectionOf(casesTally(state, window, canonical));
}

function inPeriod(s: Samples, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.at.length; i++) {
    const at = s.at[i]!;
    if (at >= from && at < to) out.push(s.ms[i]!);
  }
  return out;
}

/**
 * The case metrics of the period `[window.from, window.to)` (domain.md, Metrics): duration statistics by the
 * instant of the event completing each sample, first contact resolution, multi-channel share and bot
 * containment, with facts as of the folded state. A rate whose denominator is 0 is `null`.
 */
export function caseMetrics(state: CasesState, window: ReportWindow): CaseMetricsSection {
  return caseMetricsOf(casesTally(state, window, (customerId) => customerId));
}
