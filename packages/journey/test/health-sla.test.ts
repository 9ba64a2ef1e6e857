// The health signal "aging unresolved case or SLA miss" fed by the SLA targets a case really missed
// (operations.md, sla: a miss applies to the case's customer from its due instant, with the signal's decay),
// through a real fold of events: the cases projection's slaMissesOf, the fold's case lookup, customerHealth.
import { describe, expect, it } from 'vitest';
import { decay } from '../src/core/churn/index.js';
import { slaMissesOf } from '../src/core/cases/index.js';
import { customerHealth, resolveJourneyConfig, type JourneyConfig } from '../src/index.js';
import { foldTenant } from '../src/internal.js';
import { DAY, HOUR, MIN, T0, ev, type RawCaseEvent } from './helpers/cases-fixtures.js';

/** Only `aging_case` weighs, so its score is the health score. */
function onlyAging(): JourneyConfig {
  const c = resolveJourneyConfig();
  for (const k of Object.keys(c.churnSignals)) if (k !== 'aging_case') c.churnSignals[k]!.weight = 0;
  return c;
}

const inbound = (t: number): RawCaseEvent => ({ type: 'MessageReceived', caseId: 'A', t, channel: 'email', actor: { kind: 'customer' } });
const reply = (t: number): RawCaseEvent => ({ type: 'MessageSent', caseId: 'A', t, channel: 'email', actor: { kind: 'agent', id: 'a1' }, data: { senderKind: 'agent' } });
const resolved = (t: number): RawCaseEvent => ({ type: 'CaseResolved', caseId: 'A', t, data: {} });
const sla = (t: number, data: Record<string, unknown>): RawCaseEvent => ({ type: 'SlaApplied', caseId: 'A', t, data: { policyId: 'p', ...data } });

function healthAt(raws: RawCaseEvent[], asOf: number, config = onlyAging()) {
  const events = raws.map(ev);
  const fold = foldTenant('t1', events, asOf, config);
  return { health: customerHealth(fold.customers, 'c1', asOf, fold.caseLookup, config)!, fold };
}

describe('health: SLA misses feed "aging unresolved case or SLA miss"', () => {
  it('a missed first response applies from its due instant and decays with the half-life (14 d)', () => {
    // due T0 + 1 h; the reply at T0 + 3 h is late; resolved at T0 + 4 h, so no aging-case effect
    const raws = [inbound(0), sla(0, { firstResponseMs: HOUR }), reply(3 * HOUR), resolved(4 * HOUR)];
    expect(healthAt(raws, T0 + HOUR).health.score).toBe(100); // due, not yet missed
    expect(healthAt(raws, T0 + 2 * HOUR).health.score).toBeCloseTo(100 * (1 - decay(HOUR, 14 * DAY)), 9);
    const { health: later, fold } = healthAt(raws, T0 + HOUR + 14 * DAY);
    expect(later.score).toBeCloseTo(50, 9);
    expect(later.contributions[0]).toMatchObject({ signal: 'aging_case', evidence: [fold.cases.cases.get('A')!.openedEventId] });
    expect(later.contributions[0]!.detail).toBe('case A missed its firstResponse SLA target 14 d ago (1 missed)');
    expect(healthAt(raws, T0 + HOUR + 28 * DAY).health.score).toBeCloseTo(75, 9);
  });

  it('a case that missed both its first and its next response no longer scores 100: the latest miss counts', () => {
    const raws = [
      inbound(0), sla(0, { firstResponseMs: HOUR, nextResponseMs: 2 * HOUR }),
      reply(3 * HOUR), // first response missed at T0 + 1 h (and the first waiting episode's next response at T0 + 2 h)
      inbound(4 * HOUR), reply(8 * HOUR), // next response due T0 + 6 h, missed
      resolved(9 * HOUR),
    ];
    const asOf = T0 + 6 * HOUR + 14 * DAY;
    const { health, fold } = healthAt(raws, asOf);
    expect(slaMissesOf(fold.cases, 'A', asOf)).toEqual([
      { target: 'firstResponse', dueAt: T0 + HOUR },
      { target: 'nextResponse', dueAt: T0 + 2 * HOUR },
      { target: 'nextResponse', dueAt: T0 + 6 * HOUR },
    ]);
    expect(health.score).toBeCloseTo(50, 9);
    expect(health.contributions[0]!.detail).toBe('case A missed its nextResponse SLA target 14 d ago (3 missed)');
  });

  it('a missed resolution target counts; targets met in time leave the signal at 100', () => {
    const late = [inbound(0), sla(0, { resolutionMs: HOUR }), reply(10 * MIN), resolved(2 * HOUR)];
    expect(healthAt(late, T0 + HOUR + 14 * DAY).health.score).toBeCloseTo(50, 9);
    const onTime = [inbound(0), sla(0, { firstResponseMs: HOUR, nextResponseMs: HOUR, resolutionMs: 2 * HOUR }), reply(10 * MIN), resolved(HOUR)];
    const h = healthAt(onTime, T0 + 5 * DAY).health;
    expect(h.score).toBe(100);
    expect(h.contributions[0]!.detail).toBe('no aging case or SLA miss');
  });

  it('judged as of asOf on a fold that holds later events: a target met after asOf was already missed, one due after asOf is not', () => {
    const raws = [inbound(0), sla(0, { firstResponseMs: HOUR }), reply(3 * HOUR)];
    const events = raws.map(ev);
    const fold = foldTenant('t1', events, T0 + DAY, onlyAging());
    expect(slaMissesOf(fold.cases, 'A', T0 + 2 * HOUR)).toEqual([{ target: 'firstResponse', dueAt: T0 + HOUR }]);
    expect(slaMissesOf(fold.cases, 'A', T0 + HOUR)).toEqual([]);
    expect(slaMissesOf(fold.cases, 'nope', T0 + DAY)).toEqual([]);
  });
});
