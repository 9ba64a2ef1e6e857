import type { EventOf } from '@omnitrail/events';
import type { TenantProjection } from '../../model/index.js';
import type { DurationStats } from '../../report/types.js';
import { durationStats } from '../../stats/index.js';
import { inPeriod, ratio } from '../period.js';

/** Call outcomes, in the report's key order. */
const OUTCOMES = ['answered', 'missed', 'abandoned', 'voicemail'] as const;
type CallOutcome = (typeof OUTCOMES)[number];

/** Every `CallEnded` folded, as columns. */
export interface VoiceState {
  at: number[];
  outcome: CallOutcome[];
  queueMs: number[];
  /** talk + hold + after-call work. */
  handleMs: number[];
}

/** The `voice` view before statistics. */
export interface VoiceTally {
  byOutcome: Record<CallOutcome, number>;
  queueMs: number[];
  /** Answered calls only. */
  handleMs: number[];
}

/** The `operations.voice` section (operations.md). */
export interface VoiceSection {
  calls: number;
  byOutcome: Record<CallOutcome, number>;
  /** Over every call. */
  queueMs: DurationStats;
  /** talk + hold + after-call work over answered calls: its mean is the average handle time. */
  handleMs: DurationStats;
  /** abandoned / calls. */
  abandonRate: number | null;
}

const noOutcomes = (): Record<CallOutcome, number> => ({ answered: 0, missed: 0, abandoned: 0, voicemail: 0 });

/** Voice queues (operations.md, voice): the `CallEnded` events of the period, their outcomes and timings. */
export const voiceProjection: TenantProjection<VoiceState, VoiceTally, VoiceSection> = {
  name: 'voice',
  create: () => ({ at: [], outcome: [], queueMs: [], handleMs: [] }),
  clone: (s) => ({ at: s.at.slice(), outcome: s.outcome.slice(), queueMs: s.queueMs.slice(), handleMs: s.handleMs.slice() }),
  apply(state, je) {
    if (je.event.type !== 'CallEnded') return;
    const d = (je.event as EventOf<'CallEnded'>).data;
    state.at.push(je.at);
    state.outcome.push(d.outcome);
    state.queueMs.push(d.queueMs);
    state.handleMs.push(d.talkMs + d.holdMs + d.afterCallWorkMs);
  },
  tally(state, window) {
    const t: VoiceTally = { byOutcome: noOutcomes(), queueMs: [], handleMs: [] };
    for (let i = 0; i < state.at.length; i++) {
      if (!inPeriod(state.at[i]!, window)) continue;
      const outcome = state.outcome[i]!;
      t.byOutcome[outcome]++;
      t.queueMs.push(state.queueMs[i]!);
      if (outcome === 'answered') t.handleMs.push(state.handleMs[i]!);
    }
    return t;
  },
  mergeTallies: (a, b) => {
    const byOutcome = noOutcomes();
    for (const o of OUTCOMES) byOutcome[o] = a.byOutcome[o] + b.byOutcome[o];
    return { byOutcome, queueMs: [...a.queueMs, ...b.queueMs], handleMs: [...a.handleMs, ...b.handleMs] };
  },
  section(t) {
    const calls = OUTCOMES.reduce((n, o) => n + t.byOutcome[o], 0);
    return { calls, byOutcome: { ...t.byOutcome }, queueMs: durationStats(t.queueMs), handleMs: durationStats(t.handleMs), abandonRate: ratio(t.byOutcome.abandoned, calls) };
  },
};
