import { describe, expect, it } from 'vitest';
import { addBusinessMs, businessMsBetween, slaStatus } from '../src/core/cases/index.js';
import type { BusinessHoursCalendar } from '../src/core/model/index.js';
import { DAY, HOUR, MIN, T0, foldCases, testConfig, type RawCaseEvent } from './helpers/cases-fixtures.js';

const inbound = (caseId: string, t: number): RawCaseEvent => ({ type: 'MessageReceived', caseId, t, channel: 'email', actor: { kind: 'customer' } });
const sent = (caseId: string, t: number): RawCaseEvent => ({ type: 'MessageSent', caseId, t, channel: 'email', data: { senderKind: 'agent' } });
const caseEv = (type: string, caseId: string, t: number, data: Record<string, unknown> = {}): RawCaseEvent => ({ type, caseId, t, data });
const sla = (t: number, data: Record<string, unknown>): RawCaseEvent => caseEv('SlaApplied', 'A', t, { policyId: 'p', ...data });

const paris: BusinessHoursCalendar = {
  timeZone: 'Europe/Paris',
  week: { 1: [['09:00', '17:00']], 2: [['09:00', '17:00']], 3: [['09:00', '17:00']], 4: [['09:00', '17:00']], 5: [['09:00', '17:00']] },
};

describe('SLA', () => {
  it('first response: active before the deadline, missed after it, and a reply after the deadline is still a miss', () => {
    const base = [inbound('A', 0), sla(0, { firstResponseMs: 30 * MIN })];
    const waiting = foldCases(base).state;
    expect(slaStatus(waiting, 'A', T0 + 30 * MIN)?.firstResponse).toEqual({ state: 'active', dueAt: T0 + 30 * MIN });
    expect(slaStatus(waiting, 'A', T0 + 30 * MIN + 1)?.firstResponse).toEqual({ state: 'missed', dueAt: T0 + 30 * MIN });
    const late = foldCases([...base, sent('A', 45 * MIN)]).state;
    expect(slaStatus(late, 'A', T0 + DAY)?.firstResponse?.state).toBe('missed');
    const onTime = foldCases([...base, sent('A', 30 * MIN)]).state;
    expect(slaStatus(onTime, 'A', T0 + DAY)?.firstResponse?.state).toBe('hit');
  });

  it('no SLA applied or unknown case: undefined; targets not set are absent', () => {
    const { state } = foldCases([inbound('A', 0), inbound('B', 0), sla(0, { resolutionMs: HOUR })]);
    expect(slaStatus(state, 'B', T0)).toBeUndefined();
    expect(slaStatus(state, 'nope', T0)).toBeUndefined();
    expect(slaStatus(state, 'A', T0)).toEqual({ caseId: 'A', policyId: 'p', resolution: { state: 'active', dueAt: T0 + HOUR } });
  });

  it('next response: one outcome per waiting episode, the current one judged as of asOf', () => {
    const { state } = foldCases([
      inbound('A', 0), sla(0, { nextResponseMs: 10 * MIN }),
      sent('A', 5 * MIN), // hit
      inbound('A', 20 * MIN), inbound('A', 25 * MIN), sent('A', 50 * MIN), // one miss, not two
      inbound('A', 60 * MIN),
    ]);
    expect(slaStatus(state, 'A', T0 + 65 * MIN)?.nextResponse).toEqual({ state: 'active', dueAt: T0 + 70 * MIN, hit: 1, missed: 1 });
    expect(slaStatus(state, 'A', T0 + 71 * MIN)?.nextResponse).toEqual({ state: 'missed', dueAt: T0 + 70 * MIN, hit: 1, missed: 2 });
  });

  it('resolution: pending_customer and on_hold pause the clock', () => {
    const events = [
      inbound('A', 0), sla(0, { resolutionMs: 3 * HOUR }),
      caseEv('CaseStatusChanged', 'A', HOUR, { to: 'pending_customer' }),
      caseEv('CaseStatusChanged', 'A', 2 * HOUR, { to: 'on_hold' }),
      caseEv('CaseStatusChanged', 'A', 3 * HOUR, { to: 'open' }),
    ];
    const open = foldCases(events).state;
    expect(slaStatus(open, 'A', T0 + 4 * HOUR)?.resolution).toEqual({ state: 'active', dueAt: T0 + 5 * HOUR });
    expect(slaStatus(open, 'A', T0 + 5 * HOUR + 1)?.resolution?.state).toBe('missed');
    const resolved = foldCases([...events, caseEv('CaseResolved', 'A', 4 * HOUR + 30 * MIN)]).state;
    expect(slaStatus(resolved, 'A', T0 + DAY)?.resolution?.state).toBe('hit');
    // the metric sample stays in calendar time
    expect(resolved.resolution.ms).toEqual([4 * HOUR + 30 * MIN]);
    const paused = foldCases(events.slice(0, 3)).state;
    expect(slaStatus(paused, 'A', T0 + 10 * HOUR)?.resolution).toEqual({ state: 'active', dueAt: T0 + 12 * HOUR });
  });

  it('a policy changed mid-case: the later SlaApplied replaces the targets', () => {
    const { state } = foldCases([inbound('A', 0), sla(0, { firstResponseMs: HOUR }), { ...sla(10 * MIN, { firstResponseMs: 15 * MIN }), data: { policyId: 'vip', firstResponseMs: 15 * MIN } }, sent('A', 30 * MIN)]);
    expect(slaStatus(state, 'A', T0 + DAY)).toEqual({ caseId: 'A', policyId: 'vip', firstResponse: { state: 'missed', dueAt: T0 + 15 * MIN } });
  });

  it('a bot case: the first-response clock waits for the handoff', () => {
    const { state } = foldCases([caseEv('CaseOpened', 'A', 0, { handledBy: 'bot' }), sla(0, { firstResponseMs: 10 * MIN }), caseEv('CaseEscalated', 'A', HOUR, { from: 'bot', to: 'human' })]);
    expect(slaStatus(state, 'A', T0 + HOUR + 5 * MIN)?.firstResponse).toEqual({ state: 'active', dueAt: T0 + HOUR + 10 * MIN });
    const before = foldCases([caseEv('CaseOpened', 'A', 0, { handledBy: 'bot' }), sla(0, { firstResponseMs: 10 * MIN })]).state;
    expect(slaStatus(before, 'A', T0 + DAY)?.firstResponse).toEqual({ state: 'active', dueAt: null });
  });

  it('uses the tenant business-hours calendar', () => {
    // 2024-03-01 is a Friday; T0 is 11:00 in Paris. 8 working hours end Monday 11:00 Paris (10:00Z).
    const config = testConfig({ businessHours: { t1: paris } });
    const { state } = foldCases([inbound('A', 0), sla(0, { firstResponseMs: 8 * HOUR }), sent('A', 3 * DAY - HOUR)], config);
    expect(slaStatus(state, 'A', T0 + 4 * DAY)?.firstResponse).toEqual({ state: 'hit', dueAt: Date.parse('2024-03-04T10:00:00.000Z') });
  });
});

describe('business hours', () => {
  it('adds working time across a weekend', () => {
    expect(new Date(addBusinessMs(paris, T0, 8 * HOUR)).toISOString()).toBe('2024-03-04T10:00:00.000Z');
    expect(businessMsBetween(paris, T0, Date.parse('2024-03-04T10:00:00.000Z'))).toBe(8 * HOUR);
  });
  it('starts outside hours at the next opening', () => {
    const sat = Date.parse('2024-03-02T12:00:00.000Z');
    expect(new Date(addBusinessMs(paris, sat, HOUR)).toISOString()).toBe('2024-03-04T09:00:00.000Z');
    expect(businessMsBetween(paris, sat, sat + DAY)).toBe(0);
  });
  it('follows the time zone across a DST change', () => {
    // Paris moves to CEST on 2024-03-31: Monday 09:00 is 07:00Z.
    const fri = Date.parse('2024-03-29T15:00:00.000Z'); // 16:00 CET
    expect(new Date(addBusinessMs(paris, fri, 2 * HOUR)).toISOString()).toBe('2024-04-01T08:00:00.000Z');
  });
  it('skips holidays and handles split days', () => {
    const cal: BusinessHoursCalendar = { ...paris, week: { ...paris.week, 1: [['09:00', '12:00'], ['13:00', '17:00']] }, holidays: ['2024-03-05'] };
    expect(new Date(addBusinessMs(cal, Date.parse('2024-03-04T10:30:00.000Z'), 2 * HOUR)).toISOString()).toBe('2024-03-04T13:30:00.000Z');
    expect(new Date(addBusinessMs(cal, Date.parse('2024-03-04T15:00:00.000Z'), 2 * HOUR)).toISOString()).toBe('2024-03-06T09:00:00.000Z');
  });
  it('a calendar with no hours never comes due', () => {
    expect(addBusinessMs({ timeZone: 'UTC', week: {} }, T0, 1)).toBe(Infinity);
  });
});
