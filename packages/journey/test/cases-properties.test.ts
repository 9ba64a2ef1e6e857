import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCaseEvent, caseMetrics, casesSection, cloneCasesState, createCasesState, listCases, shareCasesState, workingCasesState } from '../src/core/cases/index.js';
import { isOpenCaseStatus as isOpenStatus } from '../src/core/model/index.js';
import { MIN, T0, ev, je, sortEvents, testConfig, type RawCaseEvent } from './helpers/cases-fixtures.js';

const caseIds = ['A', 'B', 'C'];
const channels = ['email', 'sms', 'voice', 'web_chat'];

/** A small arbitrary of case-related events over three case ids. */
const rawArb: fc.Arbitrary<RawCaseEvent> = fc
  .record({
    kind: fc.integer({ min: 0, max: 12 }),
    caseId: fc.constantFrom(...caseIds),
    other: fc.constantFrom(...caseIds),
    t: fc.integer({ min: 0, max: 60 }),
    channel: fc.constantFrom(...channels),
    flag: fc.boolean(),
  })
  .map(({ kind, caseId, other, t, channel, flag }): RawCaseEvent => {
    const at = t * MIN;
    switch (kind) {
      case 0: return { type: 'CaseOpened', caseId, t: at, channel, data: { handledBy: flag ? 'bot' : 'human' } };
      case 1: case 2: return { type: 'MessageReceived', caseId, t: at, channel, actor: { kind: 'customer' } };
      case 3: return { type: 'MessageSent', caseId, t: at, channel, data: { senderKind: flag ? 'agent' : 'bot', public: true } };
      case 4: return { type: 'CaseEscalated', caseId, t: at, data: { from: 'bot', to: flag ? 'human' : 'tier2' } };
      case 5: return { type: 'CaseStatusChanged', caseId, t: at, data: flag ? { to: 'pending_customer' } : { to: 'snoozed', snoozedUntil: new Date(T0 + at + 30 * MIN).toISOString() } };
      case 6: return { type: 'CaseResolved', caseId, t: at, data: {} };
      case 7: return { type: 'CaseReopened', caseId, t: at, data: {} };
      case 8: return { type: 'CaseClosed', caseId, t: at, data: {} };
      case 9: return { type: 'CasesMerged', caseId, t: at, data: { sourceCaseId: caseId, targetCaseId: other } };
      case 10: return { type: 'SlaApplied', caseId, t: at, data: { policyId: 'p', firstResponseMs: 10 * MIN, nextResponseMs: 5 * MIN, resolutionMs: 30 * MIN } };
      case 11: return { type: 'CaseThreadLinked', caseId, t: at, data: { threadRef: 'x', channel } };
      default: return { type: 'InternalNoteAdded', caseId, t: at, data: { text: 'n' } };
    }
  });

function build(raws: RawCaseEvent[]) {
  return sortEvents(raws.map((r, i) => je(ev({ ...r, id: `ev${String(i).padStart(3, '0')}` }))));
}

/** Everything observable, as plain JSON. */
function observe(state: ReturnType<typeof createCasesState>) {
  const w = { asOf: T0 + 120 * MIN, from: T0, to: T0 + 120 * MIN };
  return { section: casesSection(state, w, (c) => c), metrics: caseMetrics(state, w), raw: JSON.parse(JSON.stringify([...state.cases.values()].map((c) => ({ ...c, channels: [...c.channels] })))) };
}

describe('cases properties', () => {
  it('restarting from a cloned snapshot equals folding on', () => {
    fc.assert(
      fc.property(fc.array(rawArb, { maxLength: 40 }), fc.nat(), (raws, cut) => {
        const events = build(raws);
        const k = events.length === 0 ? 0 : cut % (events.length + 1);
        const config = testConfig();
        const whole = createCasesState();
        const e1 = events.map((e) => applyCaseEvent(whole, e, config));
        const head = createCasesState();
        const e2 = events.slice(0, k).map((e) => applyCaseEvent(head, e, config));
        const snapshot = cloneCasesState(head);
        for (const e of events.slice(k)) e2.push(applyCaseEvent(snapshot, e, config));
        // the original keeps folding too, unaffected by the clone
        for (const e of events.slice(k)) applyCaseEvent(head, e, config);
        expect(e2).toEqual(e1);
        expect(observe(snapshot)).toEqual(observe(whole));
        expect(observe(head)).toEqual(observe(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('snapshots that share records (copy on write) stay as they were while the state and working copies fold on', () => {
    fc.assert(
      fc.property(fc.array(rawArb, { maxLength: 40 }), fc.nat(), fc.nat(), (raws, cut1, cut2) => {
        const events = build(raws);
        const n = events.length;
        const [k1, k2] = [cut1 % (n + 1), cut2 % (n + 1)].sort((a, b) => a - b) as [number, number];
        const config = testConfig();
        const whole = createCasesState();
        for (const e of events) applyCaseEvent(whole, e, config);
        const prefix = (k: number) => {
          const s = createCasesState();
          for (const e of events.slice(0, k)) applyCaseEvent(s, e, config);
          return observe(s);
        };
        // Two snapshots of one state along the way, as the live fold takes them.
        const head = createCasesState();
        for (const e of events.slice(0, k1)) applyCaseEvent(head, e, config);
        const first = shareCasesState(head);
        for (const e of events.slice(k1, k2)) applyCaseEvent(head, e, config);
        const second = shareCasesState(head);
        for (const e of events.slice(k2)) applyCaseEvent(head, e, config);
        // A working copy of the first snapshot folds the rest (a re-fold), then one of the second.
        const refold = workingCasesState(first);
        for (const e of events.slice(k1)) applyCaseEvent(refold, e, config);
        const again = workingCasesState(second);
        for (const e of events.slice(k2)) applyCaseEvent(again, e, config);
        expect(observe(first)).toEqual(prefix(k1));
        expect(observe(second)).toEqual(prefix(k2));
        for (const s of [head, refold, again]) expect(observe(s)).toEqual(observe(whole));
        // Each customer's list holds the state's own records, not the snapshots' originals.
        for (const s of [head, refold, again]) for (const list of s.byCustomer.values()) for (const c of list) expect(s.cases.get(c.caseId)).toBe(c);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws and keeps its invariants', () => {
    fc.assert(
      fc.property(fc.array(rawArb, { maxLength: 60 }), (raws) => {
        const state = createCasesState();
        for (const e of build(raws)) applyCaseEvent(state, e, testConfig());
        for (const c of listCases(state)) {
          if (c.status === 'merged') expect(state.cases.get(c.mergedInto!)).toBeDefined();
          if (!isOpenStatus(c.status) && c.status !== 'resolved') expect(c.waitingSince).toBeNull();
          if (c.status === 'bot') expect(c.waitingSince).toBeNull();
          expect(c.firstResponseAt === null || c.firstResponseAt >= c.openedAt).toBe(true);
        }
        for (const ms of [...state.firstResponse.ms, ...state.reply.ms, ...state.resolution.ms]) expect(ms).toBeGreaterThanOrEqual(0);
        const s = casesSection(state, { asOf: T0 + 120 * MIN, from: T0, to: T0 + 120 * MIN }, (c) => c);
        expect(Object.values(s.byStatus).reduce((a, b) => a + b, 0)).toBe(s.count);
      }),
      { numRuns: 300 },
    );
  });
});
