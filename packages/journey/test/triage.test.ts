// The triage queue (operations.md, triage), hand-computed: which cases are in it, every reason's points,
// the order of the reasons and of the queue, and the configurable points.
import { describe, expect, it } from 'vitest';
import { JourneyConfigError, resolveJourneyConfig, triageQueue, type JourneyConfig } from '../src/index.js';
import { foldTenant } from '../src/internal.js';
import { DAY, HOUR, MIN, T0, ev, type RawCaseEvent } from './helpers/cases-fixtures.js';

/** No health signal weighs: every customer is `na`, so no `health` reason (the health test turns them on). */
function noHealth(extra: Parameters<typeof resolveJourneyConfig>[0] = {}): JourneyConfig {
  const c = resolveJourneyConfig(extra);
  for (const s of Object.values(c.churnSignals)) s.weight = 0;
  return c;
}

function queue(raws: RawCaseEvent[], asOf: number, config = noHealth()) {
  return triageQueue(foldTenant('t1', raws.map(ev), asOf, config), asOf);
}

const opened = (caseId: string, customerId: string, t: number, data: Record<string, unknown> = {}, channel = 'email'): RawCaseEvent => ({ type: 'CaseOpened', caseId, customerId, t, channel, actor: { kind: 'agent', id: 'a1' }, data });
const message = (caseId: string, customerId: string, t: number, channel = 'email'): RawCaseEvent => ({ type: 'MessageReceived', caseId, customerId, t, channel, actor: { kind: 'customer' } });
const reply = (caseId: string, customerId: string, t: number): RawCaseEvent => ({ type: 'MessageSent', caseId, customerId, t, channel: 'email', actor: { kind: 'agent', id: 'a1' }, data: { senderKind: 'agent' } });
const caseEvent = (type: string, caseId: string, customerId: string, t: number, data: Record<string, unknown> = {}): RawCaseEvent => ({ type, caseId, customerId, t, data });
const sentiment = (customerId: string, t: number, score: number, severity?: number): RawCaseEvent => ({ type: 'SentimentScored', customerId, t, actor: { kind: 'automation' }, data: { score, model: 'm', modelVersion: '1', ...(severity === undefined ? {} : { severity }) } });

describe('triage queue', () => {
  it('priority: urgent 40, high 25, normal 10 (also when absent), low 0, always listed; ties by caseId', () => {
    const q = queue([
      opened('P-low', 'c4', 0, { priority: 'low' }),
      opened('P-none', 'c3', 0),
      opened('P-normal', 'c5', 0, { priority: 'normal' }),
      opened('P-high', 'c2', 0, { priority: 'high' }),
      opened('P-urgent', 'c1', 0, { priority: 'urgent' }),
    ], T0 + HOUR);
    expect(q).toEqual([
      { caseId: 'P-urgent', customerId: 'c1', score: 40, reasons: [{ reason: 'priority', points: 40 }] },
      { caseId: 'P-high', customerId: 'c2', score: 25, reasons: [{ reason: 'priority', points: 25 }] },
      { caseId: 'P-none', customerId: 'c3', score: 10, reasons: [{ reason: 'priority', points: 10 }] },
      { caseId: 'P-normal', customerId: 'c5', score: 10, reasons: [{ reason: 'priority', points: 10 }] },
      { caseId: 'P-low', customerId: 'c4', score: 0, reasons: [{ reason: 'priority', points: 0 }] },
    ]);
  });

  it('which cases: open, bot, snoozed past snoozedUntil; not pending, on hold, snoozed still, resolved, closed, merged, or opened after asOf', () => {
    const q = queue([
      opened('open', 'c1', 0),
      opened('bot', 'c2', 0, { handledBy: 'bot' }),
      opened('pending', 'c3', 0), caseEvent('CaseStatusChanged', 'pending', 'c3', MIN, { to: 'pending_customer' }),
      opened('hold', 'c4', 0), caseEvent('CaseStatusChanged', 'hold', 'c4', MIN, { to: 'on_hold' }),
      opened('snoozed-past', 'c5', 0), caseEvent('CaseStatusChanged', 'snoozed-past', 'c5', MIN, { to: 'snoozed', snoozedUntil: new Date(T0 + 30 * MIN).toISOString() }),
      opened('snoozed-still', 'c6', 0), caseEvent('CaseStatusChanged', 'snoozed-still', 'c6', MIN, { to: 'snoozed', snoozedUntil: new Date(T0 + 2 * HOUR).toISOString() }),
      opened('resolved', 'c7', 0), caseEvent('CaseResolved', 'resolved', 'c7', MIN),
      opened('closed', 'c8', 0), caseEvent('CaseClosed', 'closed', 'c8', MIN),
      opened('merged', 'c9', 0), opened('target', 'c9', 0), caseEvent('CasesMerged', 'target', 'c9', MIN, { sourceCaseId: 'merged', targetCaseId: 'target' }),
      opened('later', 'c10', 2 * HOUR),
    ], T0 + HOUR);
    expect(q.map((e) => e.caseId)).toEqual(['bot', 'open', 'snoozed-past', 'target']);
  });

  it('waiting: one point per hour since waitingSince, unrounded, capped at 20; listed only while waiting', () => {
    const raws = [message('W', 'c1', 0)];
    expect(queue(raws, T0 + 5.5 * HOUR)).toEqual([{ caseId: 'W', customerId: 'c1', score: 15.5, reasons: [{ reason: 'priority', points: 10 }, { reason: 'waiting', points: 5.5 }] }]);
    expect(queue(raws, T0 + 30 * HOUR)[0]!.reasons[1]).toEqual({ reason: 'waiting', points: 20 });
    expect(queue([...raws, reply('W', 'c1', HOUR)], T0 + 5 * HOUR)[0]!.reasons).toEqual([{ reason: 'priority', points: 10 }]);
  });

  it('sla: a running target due within 1 h is 20, a missed unsettled one 30, a settled miss nothing', () => {
    const raws = [message('S', 'c1', 0), caseEvent('SlaApplied', 'S', 'c1', 1000, { policyId: 'p', firstResponseMs: 2 * HOUR })];
    expect(queue(raws, T0 + 30 * MIN)[0]!.reasons).toEqual([{ reason: 'priority', points: 10 }, { reason: 'waiting', points: 0.5 }]); // due in 1.5 h
    expect(queue(raws, T0 + HOUR)[0]!.reasons).toEqual([{ reason: 'priority', points: 10 }, { reason: 'sla', points: 20 }, { reason: 'waiting', points: 1 }]); // due in exactly 1 h
    expect(queue(raws, T0 + 2 * HOUR)[0]!.reasons[1]).toEqual({ reason: 'sla', points: 20 }); // due now: not missed yet
    expect(queue(raws, T0 + 3 * HOUR)[0]).toEqual({ caseId: 'S', customerId: 'c1', score: 43, reasons: [{ reason: 'priority', points: 10 }, { reason: 'sla', points: 30 }, { reason: 'waiting', points: 3 }] });
    // answered late: the first-response miss is settled; nothing waits, nothing is running
    expect(queue([...raws, reply('S', 'c1', 3 * HOUR)], T0 + 4 * HOUR)[0]!.reasons).toEqual([{ reason: 'priority', points: 10 }]);
    // next response: the current waiting episode, missed while the customer still waits
    const next = [message('N', 'c2', 0), caseEvent('SlaApplied', 'N', 'c2', 1000, { policyId: 'p', nextResponseMs: HOUR }), reply('N', 'c2', 10 * MIN), message('N', 'c2', 5 * HOUR)];
    expect(queue(next, T0 + 5.5 * HOUR)[0]!.reasons[1]).toEqual({ reason: 'sla', points: 20 });
    expect(queue(next, T0 + 6.5 * HOUR)[0]!.reasons[1]).toEqual({ reason: 'sla', points: 30 });
    // resolution: the current cycle's clock
    const res = [opened('R', 'c3', 0), caseEvent('SlaApplied', 'R', 'c3', 0, { policyId: 'p', resolutionMs: DAY })];
    expect(queue(res, T0 + 23.5 * HOUR)[0]!.reasons).toEqual([{ reason: 'priority', points: 10 }, { reason: 'sla', points: 20 }]);
    expect(queue(res, T0 + 25 * HOUR)[0]!.reasons).toEqual([{ reason: 'priority', points: 10 }, { reason: 'sla', points: 30 }]);
  });

  it('sentiment: the latest score of the customer in the 7 days before asOf, below −0.3: 5 × severity (3 when absent)', () => {
    const base = [opened('K', 'c1', 0)];
    const at = T0 + 2 * DAY;
    const points = (raws: RawCaseEvent[]) => queue([...base, ...raws], at)[0]!.reasons.find((r) => r.reason === 'sentiment')?.points;
    expect(points([sentiment('c1', HOUR, -0.5, 4)])).toBe(20);
    expect(points([sentiment('c1', HOUR, -0.5)])).toBe(15);
    expect(points([sentiment('c1', HOUR, -0.3, 5)])).toBeUndefined(); // not below −0.3
    expect(points([sentiment('c1', HOUR, -0.9, 5), sentiment('c1', 2 * HOUR, 0.2)])).toBeUndefined(); // the latest counts
    expect(points([sentiment('c1', HOUR, 0.2), sentiment('c1', 2 * HOUR, -0.4, 1)])).toBe(5);
    expect(points([sentiment('c1', -6 * DAY, -0.9, 5)])).toBeUndefined(); // 8 days before asOf
    expect(points([sentiment('c1', 3 * DAY, -0.9, 5)])).toBeUndefined(); // after asOf
    expect(points([sentiment('c2', HOUR, -0.9, 5)])).toBeUndefined(); // another customer's
  });

  it('public: a case with the social_public channel, 10', () => {
    const q = queue([message('X', 'c1', 0, 'social_public')], T0 + 2 * HOUR);
    expect(q[0]).toEqual({ caseId: 'X', customerId: 'c1', score: 22, reasons: [{ reason: 'priority', points: 10 }, { reason: 'waiting', points: 2 }, { reason: 'public', points: 10 }] });
  });

  it('health: red 15, yellow 5, green and na nothing', () => {
    // only low_csat and nps_detractor weigh: csat 1 now → 0 (weight 2); nps 10 → 100 (weight 3)
    const config = resolveJourneyConfig();
    for (const [name, s] of Object.entries(config.churnSignals)) if (name !== 'low_csat' && name !== 'nps_detractor') s.weight = 0;
    const answer = (customerId: string, kind: string, score: number): RawCaseEvent => ({ type: 'SurveyAnswered', customerId, t: 0, actor: { kind: 'customer' }, data: { kind, score } });
    const q = queue([
      opened('red', 'c1', 0), answer('c1', 'csat', 1), // 0 → red
      opened('yellow', 'c2', 0), answer('c2', 'csat', 1), answer('c2', 'nps', 10), // 60 → yellow
      opened('green', 'c3', 0), answer('c3', 'nps', 10), // 100 → green
      opened('na', 'c4', 0), // one event → na
    ], T0 + HOUR, config);
    expect(q.map((e) => [e.caseId, e.score, e.reasons.find((r) => r.reason === 'health')?.points])).toEqual([
      ['red', 25, 15],
      ['yellow', 15, 5],
      ['green', 10, undefined],
      ['na', 10, undefined],
    ]);
  });

  it('reasons in the specified order; the queue by score, then waitingSince (null last), then caseId', () => {
    const raws = [
      opened('ALL', 'c1', 0, { priority: 'urgent' }, 'social_public'), message('ALL', 'c1', 0, 'social_public'),
      caseEvent('SlaApplied', 'ALL', 'c1', 1000, { policyId: 'p', firstResponseMs: HOUR }), sentiment('c1', MIN, -0.8, 2),
      message('late-wait', 'c2', 2 * HOUR), // 10 + 1 = 11
      message('early-wait', 'c3', 0), reply('early-wait', 'c3', MIN), message('early-wait', 'c3', 2 * HOUR), // 10 + 1 = 11
      opened('b-none', 'c4', 0, { priority: 'normal' }), opened('a-none', 'c5', 0, { priority: 'low' }), opened('c-none', 'c6', 0, { priority: 'high' }),
    ];
    const config = noHealth();
    config.triage.priority.high = 11; // a tie with the waiting cases, broken by waitingSince (null last)
    const q = queue(raws, T0 + 3 * HOUR, config);
    expect(q[0]).toEqual({
      caseId: 'ALL', customerId: 'c1', score: 40 + 30 + 3 + 10 + 10,
      reasons: [{ reason: 'priority', points: 40 }, { reason: 'sla', points: 30 }, { reason: 'waiting', points: 3 }, { reason: 'sentiment', points: 10 }, { reason: 'public', points: 10 }],
    });
    expect(q.map((e) => [e.caseId, e.score])).toEqual([['ALL', 93], ['early-wait', 11], ['late-wait', 11], ['c-none', 11], ['b-none', 10], ['a-none', 0]]);
  });

  it('every point is configurable; bad settings are errors that name the setting', () => {
    const config = noHealth({ triage: { priority: { normal: 1 }, waitingPerHour: 2, waitingMax: 5, publicExposure: 0 } });
    expect(queue([message('X', 'c1', 0, 'social_public')], T0 + 2 * HOUR, config)[0]!.reasons).toEqual([{ reason: 'priority', points: 1 }, { reason: 'waiting', points: 4 }, { reason: 'public', points: 0 }]);
    expect(queue([message('X', 'c1', 0)], T0 + 9 * HOUR, config)[0]!.score).toBe(6);
    const error = (partial: unknown) => {
      try {
        resolveJourneyConfig(partial as never);
      } catch (e) {
        expect(e).toBeInstanceOf(JourneyConfigError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(error({ triage: { slaMissed: -1 } })).toBe('Invalid journey configuration: triage.slaMissed must be a number ≥ 0.');
    expect(error({ triage: { priority: { critical: 50 } } })).toBe('Invalid journey configuration: triage.priority.critical is not a case priority (urgent, high, normal, low).');
    expect(error({ triage: { priority: { high: 'a lot' } } })).toBe('Invalid journey configuration: triage.priority.high must be a number ≥ 0.');
    expect(error({ triage: { sentimentBelow: -2 } })).toBe('Invalid journey configuration: triage.sentimentBelow must be a sentiment score from -1 to 1.');
    expect(error({ triage: { sentimentWindowMs: 0 } })).toBe('Invalid journey configuration: triage.sentimentWindowMs must be a positive number of milliseconds.');
    expect(error({ triage: { waitingHours: 3 } })).toBe('Invalid journey configuration: triage.waitingHours is not a triage setting.');
    expect(error({ triage: 5 })).toBe('Invalid journey configuration: triage must be an object of triage points.');
    expect(error({ healthBands: { redMax: 60, yellowMax: 55 } })).toBe('Invalid journey configuration: healthBands.yellowMax must not be below healthBands.redMax (60).');
    expect(error({ healthBands: { redMax: 101 } })).toBe('Invalid journey configuration: healthBands.redMax must be a number from 0 to 100.');
    expect(resolveJourneyConfig({ healthBands: { redMax: 60 } }).healthBands).toEqual({ redMax: 60, yellowMax: 75 });
  });
});
