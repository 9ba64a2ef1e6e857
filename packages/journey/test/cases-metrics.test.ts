import { describe, expect, it } from 'vitest';
import { caseMetrics } from '../src/core/cases/index.js';
import { durationStats } from '../src/core/stats/index.js';
import { DAY, HOUR, MIN, T0, foldCases, type RawCaseEvent } from './helpers/cases-fixtures.js';

const opened = (caseId: string, t = 0, data: Record<string, unknown> = {}, channel = 'email'): RawCaseEvent => ({ type: 'CaseOpened', caseId, t, data, channel });
const inbound = (caseId: string, t: number, channel = 'email'): RawCaseEvent => ({ type: 'MessageReceived', caseId, t, channel, actor: { kind: 'customer' } });
const sent = (caseId: string, t: number, senderKind = 'agent', pub = true): RawCaseEvent => ({ type: 'MessageSent', caseId, t, channel: 'email', data: { senderKind, public: pub } });
const caseEv = (type: string, caseId: string, t: number, data: Record<string, unknown> = {}): RawCaseEvent => ({ type, caseId, t, data });
const win = (from: number, to: number, asOf = to) => ({ from, to, asOf });

describe('durationStats', () => {
  it('is null without samples', () => {
    expect(durationStats([])).toEqual({ count: 0, mean: null, median: null, p90: null });
  });
  it('median of an even count is the mean of the two middle values; p90 by nearest rank', () => {
    expect(durationStats([4, 1, 3, 2])).toEqual({ count: 4, mean: 2.5, median: 2.5, p90: 4 });
    expect(durationStats([5])).toEqual({ count: 1, mean: 5, median: 5, p90: 5 });
    const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(durationStats(ten)).toEqual({ count: 10, mean: 5.5, median: 5.5, p90: 9 });
    const eleven = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(durationStats(eleven).p90).toBe(10); // ⌈9.9⌉ = 10
    const seventy = Array.from({ length: 70 }, (_, i) => i + 1);
    expect(durationStats(seventy).p90).toBe(63); // 0.9 × 70 must not round up to 64
  });
  it('does not modify its input', () => {
    const s = [3, 1, 2];
    durationStats(s);
    expect(s).toEqual([3, 1, 2]);
  });
});

describe('case metrics', () => {
  it('a bot-to-human escalation starts the waiting clock on a resolved case too; the agent reply gives a reply sample', () => {
    const { state } = foldCases([opened('A', 0), caseEv('CaseResolved', 'A', 2 * MIN), caseEv('CaseEscalated', 'A', 3 * MIN, { from: 'bot', to: 'human' }), sent('A', 8 * MIN)]);
    const m = caseMetrics(state, win(T0, T0 + DAY));
    expect(m.replyMs).toEqual({ count: 1, mean: 5 * MIN, median: 5 * MIN, p90: 5 * MIN });
  });

  it('samples belong to the period by the instant of the completing event (half-open)', () => {
    const { state } = foldCases([inbound('A', 0), sent('A', HOUR), inbound('B', 0), sent('B', 2 * HOUR)]);
    const m = caseMetrics(state, win(T0 + HOUR, T0 + 2 * HOUR));
    expect(m.firstResponseMs).toEqual({ count: 1, mean: HOUR, median: HOUR, p90: HOUR });
    expect(m.replyMs.count).toBe(1);
  });

  it('resolution samples for every cycle, bot resolutions included', () => {
    const { state } = foldCases([
      opened('A', 0, { handledBy: 'bot' }), caseEv('CaseResolved', 'A', MIN), caseEv('CaseReopened', 'A', 2 * MIN), caseEv('CaseResolved', 'A', 5 * MIN),
    ]);
    expect(caseMetrics(state, win(T0, T0 + DAY)).resolutionMs).toEqual({ count: 2, mean: 2 * MIN, median: 2 * MIN, p90: 3 * MIN });
  });

  it('FCR: resolved cases in the period counted once; reopened, followed-up and re-contacted cases are not first-contact', () => {
    const { state } = foldCases([
      // first contact: answered, resolved
      inbound('A', 0), sent('A', MIN), caseEv('CaseResolved', 'A', 2 * MIN),
      // no agent answered: qualifies
      opened('B'), caseEv('CaseResolved', 'B', 2 * MIN),
      // reopened
      inbound('C', 0), caseEv('CaseResolved', 'C', MIN), caseEv('CaseReopened', 'C', 2 * MIN), caseEv('CaseResolved', 'C', 3 * MIN),
      // customer wrote after the first reply
      inbound('D', 0), sent('D', MIN), inbound('D', 2 * MIN), caseEv('CaseResolved', 'D', 3 * MIN),
      // has a follow-up
      opened('E'), caseEv('CaseResolved', 'E', MIN), opened('E2', 2 * MIN, { followUpOf: 'E' }),
      // resolved outside the period
      opened('F'), caseEv('CaseResolved', 'F', 2 * DAY),
    ]);
    expect(caseMetrics(state, win(T0, T0 + DAY)).fcr).toEqual({ resolved: 5, firstContact: 2, rate: 0.4 });
  });

  it('FCR is null without resolved cases', () => {
    const { state } = foldCases([opened('A')]);
    expect(caseMetrics(state, win(T0, T0 + DAY)).fcr).toEqual({ resolved: 0, firstContact: 0, rate: null });
  });

  it('bot containment: resolved, never a public agent reply, never escalated', () => {
    const { state } = foldCases([
      opened('A', 0, { handledBy: 'bot' }), caseEv('CaseResolved', 'A', MIN), // contained
      opened('B', 0, { handledBy: 'bot' }), sent('B', MIN), caseEv('CaseResolved', 'B', 2 * MIN), // agent replied
      opened('C', 0, { handledBy: 'bot' }), caseEv('CaseEscalated', 'C', MIN, { from: 'bot', to: 'human' }), caseEv('CaseResolved', 'C', 2 * MIN),
      opened('D', 0, { handledBy: 'bot' }), // not resolved
      opened('E', 0, { handledBy: 'bot' }), sent('E', MIN, 'agent', false), sent('E', MIN, 'bot'), caseEv('CaseResolved', 'E', 2 * MIN), // private note ok
      opened('H'), caseEv('CaseResolved', 'H', MIN), // human
      opened('G', 2 * DAY, { handledBy: 'bot' }), // outside period
    ]);
    expect(caseMetrics(state, win(T0, T0 + DAY)).botContainment).toEqual({ botHandled: 5, contained: 2, rate: 0.4 });
  });

  it('multi-channel share: cases opened in the period, merged ones left out, channels as of asOf', () => {
    const { state } = foldCases([
      inbound('A', 0, 'email'), inbound('A', 2 * DAY, 'sms'), // second channel after the period, before asOf
      inbound('B', 0, 'email'),
      inbound('C', 0, 'voice'), inbound('C', 1, 'x_dm'),
      { type: 'CasesMerged', caseId: 'C', t: 2, data: { sourceCaseId: 'C', targetCaseId: 'B' } },
      inbound('D', 3 * DAY, 'email'),
    ]);
    const m = caseMetrics(state, win(T0, T0 + DAY, T0 + 4 * DAY));
    expect(m.multiChannelCaseShare).toBe(1); // A (2 channels), B (email + merged C's): C left out
    expect(caseMetrics(foldCases([]).state, win(T0, T0 + DAY)).multiChannelCaseShare).toBeNull();
  });
});
