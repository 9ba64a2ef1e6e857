import type { EventOf } from '@omnitrail/events';
import { appendFactRow, copyFactTable, createFactTable, factChunks, type FactTable } from '../../facts/index.js';
import type { CaseView, TenantProjection } from '../../model/index.js';
import type { DurationStats } from '../../report/types.js';
import { durationStats } from '../../stats/index.js';
import { define, inPeriod, ratio, sortedRecord } from '../period.js';
import { channelCountEntries, countInboundIn, createChannelCounts } from '../inbound.js';
import { cloneResolutionSamples, createResolutionSamples, noteResolution, type ResolutionSamples } from '../resolution-samples.js';

/** What the view keeps besides the cases and timelines it reads at tally time. */
export interface ByChannelState {
  resolutions: ResolutionSamples;
  /** csat answers: instant, channel of the answer event, score 4 or 5 (1, else 0). In chunks that copies share. */
  csat: FactTable<{ at: number[]; channel: string[]; good: number[] }>;
}

/** One channel's figures before statistics and rates. */
export interface ChannelTally {
  inbound: number;
  casesOpened: number;
  firstResponseMs: number[];
  resolutionMs: number[];
  csatAnswers: number;
  csatGood: number;
  resolved: number;
  firstContact: number;
}

/** The `byChannel` view before statistics: per channel, keys sorted. */
export type ByChannelTally = Record<string, ChannelTally>;

/** One channel's row (operations.md, byChannel). */
export interface ChannelFigures {
  inbound: number;
  casesOpened: number;
  firstResponseMs: DurationStats;
  resolutionMs: DurationStats;
  csat: { answers: number; percent: number | null };
  fcr: { resolved: number; firstContact: number; rate: number | null };
}

/** The `operations.byChannel` section: channels with any figure in the period, keys sorted. */
export type ByChannelSection = Record<string, ChannelFigures>;

const emptyRow = (): ChannelTally => ({ inbound: 0, casesOpened: 0, firstResponseMs: [], resolutionMs: [], csatAnswers: 0, csatGood: 0, resolved: 0, firstContact: 0 });

function rowOf(t: ByChannelTally, channel: string): ChannelTally {
  if (!Object.prototype.hasOwnProperty.call(t, channel)) define(t, channel, emptyRow());
  return t[channel]!;
}

/** Whether a case resolved in the period counts as resolved at first contact (domain.md, Metrics). */
export function isFirstContact(c: CaseView): boolean {
  return c.reopenCount === 0 && !c.hasFollowUp && !c.customerMessageAfterFirstReply;
}

/** Whether one of a case's resolutions is in the period. */
export function resolvedInPeriod(c: CaseView, window: { from: number; to: number }): boolean {
  return c.resolutions.some((r) => r >= window.from && r < window.to);
}

/**
 * Service figures per channel (operations.md, byChannel): inbound touchpoints by their channel, cases, their
 * first-response and resolution samples and first contact resolution by the case's opening channel, csat by
 * the channel of the answer. Mobile channels are rows like the others.
 */
export const byChannelProjection: TenantProjection<ByChannelState, ByChannelTally, ByChannelSection> = {
  name: 'byChannel',
  create: () => ({ resolutions: createResolutionSamples(), csat: createFactTable({ at: [], channel: [], good: [] }) }),
  clone: (s) => ({ resolutions: cloneResolutionSamples(s.resolutions), csat: copyFactTable(s.csat) }),
  apply(state, je, effects, cases) {
    noteResolution(state.resolutions, je, effects, cases);
    const e = je.event;
    if (e.type === 'SurveyAnswered' && e.channel !== undefined) {
      const d = (e as EventOf<'SurveyAnswered'>).data;
      if (d.kind === 'csat') {
        const row = appendFactRow(state.csat);
        row.at.push(je.at);
        row.channel.push(e.channel);
        row.good.push(d.score >= 4 ? 1 : 0);
      }
    }
  },
  tally(state, window, _canonical, fold) {
    const t: ByChannelTally = {};
    const inbound = createChannelCounts();
    for (const rec of fold.customerRecords()) countInboundIn(inbound, rec.ats, rec.codes, window.from, window.to);
    for (const [channel, n] of channelCountEntries(inbound)) rowOf(t, channel).inbound = n;
    for (const c of fold.allCases()) {
      const channel = c.openingChannel;
      if (channel === undefined) continue;
      if (inPeriod(c.openedAt, window)) rowOf(t, channel).casesOpened++;
      if (c.firstResponseAt !== null && c.firstResponseClockStart !== null && inPeriod(c.firstResponseAt, window)) {
        rowOf(t, channel).firstResponseMs.push(c.firstResponseAt - c.firstResponseClockStart);
      }
      if (resolvedInPeriod(c, window)) {
        const row = rowOf(t, channel);
        row.resolved++;
        if (isFirstContact(c)) row.firstContact++;
      }
    }
    for (const { caseId, at, ms } of factChunks(state.resolutions)) {
      for (let i = 0; i < at.length; i++) {
        if (!inPeriod(at[i]!, window)) continue;
        const channel = fold.caseLookup.getCase(caseId[i]!)?.openingChannel;
        if (channel !== undefined) rowOf(t, channel).resolutionMs.push(ms[i]!);
      }
    }
    for (const { at, channel, good } of factChunks(state.csat)) {
      for (let i = 0; i < at.length; i++) {
        if (!inPeriod(at[i]!, window)) continue;
        const row = rowOf(t, channel[i]!);
        row.csatAnswers++;
        row.csatGood += good[i]!;
      }
    }
    return sortedRecord(t);
  },
  mergeTallies(a, b) {
    const out: ByChannelTally = {};
    for (const part of [a, b]) {
      for (const [channel, r] of Object.entries(part)) {
        const row = rowOf(out, channel);
        row.inbound += r.inbound;
        row.casesOpened += r.casesOpened;
        row.firstResponseMs.push(...r.firstResponseMs);
        row.resolutionMs.push(...r.resolutionMs);
        row.csatAnswers += r.csatAnswers;
        row.csatGood += r.csatGood;
        row.resolved += r.resolved;
        row.firstContact += r.firstContact;
      }
    }
    return sortedRecord(out);
  },
  section(t) {
    const out: ByChannelSection = {};
    for (const [channel, r] of Object.entries(sortedRecord(t))) {
      define(out, channel, {
        inbound: r.inbound,
        casesOpened: r.casesOpened,
        firstResponseMs: durationStats(r.firstResponseMs),
        resolutionMs: durationStats(r.resolutionMs),
        csat: { answers: r.csatAnswers, percent: r.csatAnswers === 0 ? null : (r.csatGood / r.csatAnswers) * 100 },
        fcr: { resolved: r.resolved, firstContact: r.firstContact, rate: ratio(r.firstContact, r.resolved) },
      });
    }
    return out;
  },
};
