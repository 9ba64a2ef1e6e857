import { factChunks } from '../../facts/index.js';
import type { TenantProjection } from '../../model/index.js';
import type { DurationStats } from '../../report/types.js';
import { durationStats } from '../../stats/index.js';
import { addKeyed, bump, compareText, define, inPeriod, sortedRecord } from '../period.js';
import { cloneResolutionSamples, createResolutionSamples, noteResolution, type ResolutionSamples } from '../resolution-samples.js';

/** The topic of cases opened without one. */
export const NO_TOPIC = '(none)';

/** One topic before statistics. */
export interface TopicTally {
  cases: number;
  byChannel: Record<string, number>;
  resolutionMs: number[];
  previousCases: number;
}

/** The `contactDrivers` view before statistics: per topic (keys sorted), and the cases opened in the period. */
export interface ContactDriversTally {
  total: number;
  topics: Record<string, TopicTally>;
}

/** One contact driver (operations.md, contactDrivers). */
export interface ContactDriver {
  topic: string;
  cases: number;
  /** cases / all cases opened in the period. */
  share: number;
  /** Cases by opening channel (cases opened without a channel are left out), keys sorted. */
  byChannel: Record<string, number>;
  /** Resolution samples in the period of the topic's cases opened in the period. */
  resolutionMs: DurationStats;
  /** The topic's cases opened in the period of the same length just before. */
  previousCases: number;
}

/** The `operations.contactDrivers` section: topics with cases opened in the period, by `cases` descending, then `topic`. */
export type ContactDriversSection = ContactDriver[];

function topicOf(t: Record<string, TopicTally>, topic: string): TopicTally {
  if (!Object.prototype.hasOwnProperty.call(t, topic)) define(t, topic, { cases: 0, byChannel: {}, resolutionMs: [], previousCases: 0 });
  return t[topic]!;
}

/**
 * Why customers contact the team (operations.md, contactDrivers): the cases opened in the period by topic,
 * their share, opening channels, resolution times, and the count of the period just before for the trend.
 */
export const contactDriversProjection: TenantProjection<ResolutionSamples, ContactDriversTally, ContactDriversSection> = {
  name: 'contactDrivers',
  create: () => createResolutionSamples(),
  clone: cloneResolutionSamples,
  apply(state, je, effects, cases) {
    noteResolution(state, je, effects, cases);
  },
  tally(state, window, _canonical, fold) {
    const topics: Record<string, TopicTally> = {};
    const previous = { from: window.from - (window.to - window.from), to: window.from };
    const counted = new Map<string, TopicTally>();
    let total = 0;
    for (const c of fold.allCases()) {
      const topic = c.topic ?? NO_TOPIC;
      if (inPeriod(c.openedAt, window)) {
        total++;
        const row = topicOf(topics, topic);
        row.cases++;
        if (c.openingChannel !== undefined) bump(row.byChannel, c.openingChannel);
        counted.set(c.caseId, row);
      } else if (c.openedAt >= previous.from && c.openedAt < previous.to) topicOf(topics, topic).previousCases++;
    }
    for (const { caseId, at, ms } of factChunks(state)) for (let i = 0; i < at.length; i++) if (inPeriod(at[i]!, window)) counted.get(caseId[i]!)?.resolutionMs.push(ms[i]!);
    return { total, topics: sortedRecord(topics) };
  },
  mergeTallies(a, b) {
    const topics: Record<string, TopicTally> = {};
    for (const part of [a.topics, b.topics]) {
      for (const [topic, r] of Object.entries(part)) {
        const row = topicOf(topics, topic);
        row.cases += r.cases;
        row.byChannel = addKeyed(row.byChannel, r.byChannel);
        row.resolutionMs.push(...r.resolutionMs);
        row.previousCases += r.previousCases;
      }
    }
    return { total: a.total + b.total, topics: sortedRecord(topics) };
  },
  section(t) {
    return Object.entries(t.topics)
      .filter(([, r]) => r.cases > 0)
      .map(([topic, r]) => ({
        topic,
        cases: r.cases,
        share: r.cases / t.total,
        byChannel: sortedRecord(r.byChannel),
        resolutionMs: durationStats(r.resolutionMs),
        previousCases: r.previousCases,
      }))
      .sort((x, y) => y.cases - x.cases || compareText(x.topic, y.topic));
  },
};
