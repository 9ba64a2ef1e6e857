import { describe, expect, it } from 'vitest';
import { createJourneyEngine, type JourneyEngine } from '../src/index.js';
import { applyCaseEvent, casesOfCustomer, casesSection, cloneCasesState, createCasesState, getCase, routeCase } from '../src/core/cases/index.js';
import { DAY, HOUR, MIN, T0, ev, foldCases, je, testConfig, type RawCaseEvent } from './helpers/cases-fixtures.js';

const opened = (caseId: string, t = 0, data: Record<string, unknown> = {}, channel = 'email'): RawCaseEvent => ({ type: 'CaseOpened', caseId, t, data, channel });
const inbound = (caseId: string, t: number, channel = 'email', id?: string): RawCaseEvent => ({ type: 'MessageReceived', caseId, t, channel, actor: { kind: 'customer' }, ...(id ? { id } : {}) });
const sent = (caseId: string, t: number, senderKind = 'agent', pub = true, channel = 'email'): RawCaseEvent => ({ type: 'MessageSent', caseId, t, channel, actor: { kind: 'agent' }, data: { senderKind, public: pub } });
const caseEv = (type: string, caseId: string, t: number, data: Record<string, unknown> = {}, id?: string): RawCaseEvent => ({ type, caseId, t, data, ...(id ? { id } : {}) });
const window = (asOf: number, from = T0 - DAY, to = asOf) => ({ asOf, from, to });

describe('cases: opening', () => {
  it('CaseOpened opens human cases as open and bot cases as bot', () => {
    const { state, effects } = foldCases([opened('A'), opened('B', 1, { handledBy: 'bot' })]);
    expect(getCase(state, 'A')?.status).toBe('open');
    expect(getCase(state, 'B')?.status).toBe('bot');
    expect(effects[0]!.opened).toEqual({ caseId: 'A', how: 'explicit', handledBy: 'human', channel: 'email' });
    expect(getCase(state, 'A')?.openedBy).toBe('explicit');
  });

  it('a duplicate CaseOpened is ignored as an anomaly and is not an opening', () => {
    const { state, effects } = foldCases([opened('A', 0), { ...opened('A', MIN, { handledBy: 'bot' }), id: 'dup' }]);
    expect(getCase(state, 'A')?.status).toBe('open');
    expect(effects[1]).toEqual({ anomaly: 'duplicate_case_opened' });
    expect(state.anomalies).toEqual([{ eventId: 'dup', reason: 'duplicate_case_opened' }]);
  });

  it('a customer message on an unknown case opens it implicitly, human-handled and waiting', () => {
    const { state, effects } = foldCases([inbound('A', 0, 'sms')]);
    const c = getCase(state, 'A')!;
    expect(c).toMatchObject({ status: 'open', handledBy: 'human', openedBy: 'implicit', waitingSince: T0 });
    expect([...c.channels]).toEqual(['sms']);
    expect(effects[0]!.opened?.how).toBe('implicit');
  });

  it('other events for an unknown case are anomalies', () => {
    const { state } = foldCases([
      caseEv('CaseResolved', 'X', 0, {}, 'u1'),
      { ...sent('X', 1), id: 'u2' },
      caseEv('CaseAssigned', 'X', 2, { assigneeKind: 'agent', assigneeId: 'a' }, 'u3'),
      caseEv('InternalNoteAdded', 'X', 3, { text: 'x' }, 'u4'),
    ]);
    expect(state.cases.size).toBe(0);
    expect(state.anomalies.map((a) => a.reason)).toEqual(['unknown_case', 'unknown_case', 'unknown_case', 'unknown_case']);
  });

  it('a case belongs to the customer of the opening event', () => {
    const { state } = foldCases([{ ...opened('A'), customerId: 'alice' }, { ...inbound('A', 1), customerId: 'bob' }]);
    expect(getCase(state, 'A')?.customerId).toBe('alice');
    expect(casesOfCustomer(state, 'alice').map((c) => c.caseId)).toEqual(['A']);
    expect(casesOfCustomer(state, 'bob')).toEqual([]);
  });

  it('non-case events return {} and survey answers naming a case are not case events', () => {
    const { effects, state } = foldCases([
      { type: 'PageViewed', data: { url: '/x' } },
      { type: 'SurveyAnswered', caseId: 'nope', data: { kind: 'csat', score: 5 } },
    ]);
    expect(effects).toEqual([{}, {}]);
    expect(state.anomalies).toEqual([]);
  });
});

describe('cases: customer messages and reopening', () => {
  it('pending_customer and snoozed become open; bot, open and on_hold stay', () => {
    const { state } = foldCases([
      opened('P'), caseEv('CaseStatusChanged', 'P', 1, { to: 'pending_customer' }), inbound('P', 2),
      opened('S'), caseEv('CaseStatusChanged', 'S', 1, { to: 'snoozed', snoozedUntil: new Date(T0 + DAY).toISOString() }), inbound('S', 2),
      opened('H'), caseEv('CaseStatusChanged', 'H', 1, { to: 'on_hold' }), inbound('H', 2),
      opened('B', 0, { handledBy: 'bot' }), inbound('B', 2),
    ]);
    expect(getCase(state, 'P')?.status).toBe('open');
    expect(getCase(state, 'S')?.status).toBe('open');
    expect(getCase(state, 'S')?.snoozedUntil).toBeNull();
    expect(getCase(state, 'H')?.status).toBe('on_hold');
    expect(getCase(state, 'B')?.status).toBe('bot');
    expect(getCase(state, 'B')?.waitingSince).toBeNull(); // the bot handles messages in bot status
    expect(getCase(state, 'H')?.waitingSince).toBe(T0 + 2);
  });

  it('reopens exactly at the window boundary (inclusive) and follows up 1 ms later', () => {
    const base = [opened('A'), caseEv('CaseResolved', 'A', HOUR)];
    const at = foldCases([...base, inbound('A', HOUR + 7 * DAY, 'email', 'm1')]);
    expect(getCase(at.state, 'A')).toMatchObject({ status: 'open', reopenCount: 1, cycleStart: T0 + HOUR + 7 * DAY } as object);
    expect(at.effects[2]).toEqual({ caseId: 'A', reopened: true });
    const after = foldCases([...base, inbound('A', HOUR + 7 * DAY + 1, 'sms', 'm2')]);
    expect(getCase(after.state, 'A')?.status).toBe('resolved');
    expect(getCase(after.state, 'A')?.hasFollowUp).toBe(true);
    const f = getCase(after.state, 'm2')!;
    expect(f).toMatchObject({ status: 'open', handledBy: 'human', openedBy: 'follow_up', followUpOf: 'A', waitingSince: T0 + HOUR + 7 * DAY + 1 });
    expect([...f.channels]).toEqual(['sms']);
    expect(after.effects[2]!.opened).toMatchObject({ how: 'follow_up', followUpReason: 'window_passed', followUpOf: 'A' });
  });

  it('reopen window always / never / days', () => {
    const base = [opened('A'), caseEv('CaseResolved', 'A', HOUR), inbound('A', 400 * DAY, 'email', 'm')];
    expect(getCase(foldCases(base, testConfig({ reopenWindow: 'always' })).state, 'A')?.status).toBe('open');
    const never = [opened('A'), caseEv('CaseResolved', 'A', HOUR), inbound('A', HOUR + 1, 'email', 'm')];
    expect(getCase(foldCases(never, testConfig({ reopenWindow: 'never' })).state, 'm')?.followUpOf).toBe('A');
    const two = [opened('A'), caseEv('CaseResolved', 'A', 0), inbound('A', 3 * DAY, 'email', 'm')];
    expect(getCase(foldCases(two, testConfig({ reopenWindow: { days: 2 } })).state, 'A')?.status).toBe('resolved');
  });

  it('a bot-resolved case reopened days later starts a new cycle and keeps its first response', () => {
    const { state } = foldCases([
      opened('A', 0, { handledBy: 'bot' }),
      caseEv('CaseResolved', 'A', 10 * MIN),
      inbound('A', 3 * DAY),
      sent('A', 3 * DAY + 5 * MIN),
    ]);
    const c = getCase(state, 'A')!;
    expect(c).toMatchObject({ status: 'open', reopenCount: 1, firstResponseAt: T0 + 3 * DAY + 5 * MIN, waitingSince: null });
    expect(state.resolution.ms).toEqual([10 * MIN]);
    expect(state.reply.ms).toEqual([5 * MIN]);
    // no escalation: the clock started at the opening
    expect(state.firstResponse.ms).toEqual([3 * DAY + 5 * MIN]);
  });

  it('a customer message on a closed case opens a follow-up; a second follow-up with an existing id is an anomaly', () => {
    const { state, effects } = foldCases([opened('A'), caseEv('CaseClosed', 'A', 1), inbound('A', 2, 'web_chat', 'F'), { ...inbound('A', 3), id: 'A' }]);
    expect(getCase(state, 'A')?.status).toBe('closed');
    expect(getCase(state, 'F')).toMatchObject({ followUpOf: 'A', status: 'open' });
    expect(effects[2]!.opened?.followUpReason).toBe('closed');
    expect(effects[3]).toEqual({ anomaly: 'follow_up_exists' });
  });

  it('CaseOpened with followUpOf marks the old case', () => {
    const { state, effects } = foldCases([opened('A'), opened('B', 1, { followUpOf: 'A' })]);
    expect(getCase(state, 'A')?.hasFollowUp).toBe(true);
    expect(getCase(state, 'B')?.followUpOf).toBe('A');
    expect(effects[1]!.opened?.followUpOf).toBe('A');
  });

  it('a message while snoozed wakes the case up and starts the waiting clock', () => {
    const { state } = foldCases([
      opened('A'), caseEv('CaseStatusChanged', 'A', 1, { to: 'snoozed', snoozedUntil: new Date(T0 + DAY).toISOString() }), inbound('A', HOUR),
    ]);
    expect(getCase(state, 'A')).toMatchObject({ status: 'open', waitingSince: T0 + HOUR, snoozedUntil: null });
  });

  it('inbound messages on two channels at the same millisecond both count', () => {
    const { state } = foldCases([inbound('A', 0, 'email', 'x1'), inbound('A', 0, 'sms', 'x2')]);
    const c = getCase(state, 'A')!;
    expect([...c.channels].sort()).toEqual(['email', 'sms']);
    expect(c.openedEventId).toBe('x1');
    expect(c.waitingSince).toBe(T0);
  });
});

describe('cases: agent messages, waiting clock and first response', () => {
  it('a public agent reply clears waiting with a reply sample and is the first response', () => {
    const { state, effects } = foldCases([inbound('A', 0), sent('A', 10 * MIN)]);
    expect(getCase(state, 'A')).toMatchObject({ waitingSince: null, firstResponseAt: T0 + 10 * MIN });
    expect(state.reply.ms).toEqual([10 * MIN]);
    expect(state.firstResponse.ms).toEqual([10 * MIN]);
    expect(effects[1]).toEqual({ caseId: 'A', agentReply: true });
  });

  it('bot, automation and campaign messages, private agent messages and notes never reply', () => {
    const { state } = foldCases([
      inbound('A', 0), sent('A', 1, 'bot'), sent('A', 2, 'automation'), sent('A', 3, 'campaign'), sent('A', 4, 'agent', false),
      caseEv('InternalNoteAdded', 'A', 5, { text: 'n' }),
    ]);
    expect(getCase(state, 'A')).toMatchObject({ waitingSince: T0, firstResponseAt: null });
    expect(state.reply.ms).toEqual([]);
  });

  it('a public agent reply moves bot to open; a private one does not', () => {
    const priv = foldCases([opened('A', 0, { handledBy: 'bot' }), sent('A', 1, 'agent', false)]);
    expect(getCase(priv.state, 'A')?.status).toBe('bot');
    const pub = foldCases([opened('A', 0, { handledBy: 'bot' }), sent('A', 1)]);
    expect(getCase(pub.state, 'A')?.status).toBe('open');
  });

  it('bot case: the first-response clock starts at the first bot-to-human escalation', () => {
    const { state, effects } = foldCases([
      opened('A', 0, { handledBy: 'bot' }), inbound('A', MIN),
      caseEv('CaseEscalated', 'A', 5 * MIN, { from: 'bot', to: 'human' }),
      caseEv('CaseEscalated', 'A', 6 * MIN, { from: 'bot', to: 'human' }),
      sent('A', 20 * MIN),
    ]);
    expect(effects[2]).toEqual({ caseId: 'A', escalatedToHuman: true });
    expect(state.firstResponse.ms).toEqual([15 * MIN]);
    expect(state.reply.ms).toEqual([15 * MIN]);
  });

  it('other escalations change no status and start no clock', () => {
    const { state } = foldCases([opened('A', 0, { handledBy: 'bot' }), caseEv('CaseEscalated', 'A', 1, { from: 'tier1', to: 'tier2' })]);
    expect(getCase(state, 'A')).toMatchObject({ status: 'bot', waitingSince: null, firstResponseClockStart: null } as object);
  });

  it('one first-response sample per case, reopening does not reset it', () => {
    const { state } = foldCases([
      inbound('A', 0), sent('A', MIN), caseEv('CaseResolved', 'A', 2 * MIN), caseEv('CaseReopened', 'A', 3 * MIN), inbound('A', 4 * MIN), sent('A', 6 * MIN),
    ]);
    expect(state.firstResponse.ms).toEqual([MIN]);
    expect(state.reply.ms).toEqual([MIN, 2 * MIN]);
  });

  it('resolving and closing clear the waiting clock', () => {
    const { state } = foldCases([inbound('A', 0), caseEv('CaseResolved', 'A', 1), inbound('B', 0), caseEv('CaseClosed', 'B', 1)]);
    expect(getCase(state, 'A')?.waitingSince).toBeNull();
    expect(getCase(state, 'B')?.waitingSince).toBeNull();
  });

  it('CaseAssigned never changes status', () => {
    const { state } = foldCases([opened('A', 0, { handledBy: 'bot' }), caseEv('CaseAssigned', 'A', 1, { assigneeKind: 'agent', assigneeId: 'x' })]);
    expect(getCase(state, 'A')?.status).toBe('bot');
  });
});

describe('cases: status changes, resolution, closing', () => {
  it('CaseStatusChanged moves between working statuses, from bot too; same status does nothing; re-snooze replaces snoozedUntil', () => {
    const u1 = new Date(T0 + DAY).toISOString();
    const u2 = new Date(T0 + 2 * DAY).toISOString();
    const { state } = foldCases([
      opened('A', 0, { handledBy: 'bot' }),
      caseEv('CaseStatusChanged', 'A', 1, { to: 'on_hold' }),
      caseEv('CaseStatusChanged', 'A', 2, { to: 'snoozed', snoozedUntil: u1 }),
      caseEv('CaseStatusChanged', 'A', 3, { to: 'snoozed', snoozedUntil: u2 }),
    ]);
    expect(getCase(state, 'A')).toMatchObject({ status: 'snoozed', snoozedUntil: T0 + 2 * DAY });
  });

  it('CaseStatusChanged on resolved or closed cases is an anomaly', () => {
    const { state } = foldCases([
      opened('A'), caseEv('CaseResolved', 'A', 1), caseEv('CaseStatusChanged', 'A', 2, { to: 'open' }, 's1'),
      opened('B'), caseEv('CaseClosed', 'B', 1), caseEv('CaseStatusChanged', 'B', 2, { to: 'open' }, 's2'),
    ]);
    expect(getCase(state, 'A')?.status).toBe('resolved');
    expect(state.anomalies).toEqual([
      { eventId: 's1', reason: 'status_change_on_resolved' },
      { eventId: 's2', reason: 'case_closed' },
    ]);
  });

  it('CaseResolved gives a calendar-time sample per cycle; resolving twice is an anomaly without sample', () => {
    const { state, effects } = foldCases([
      opened('A'), caseEv('CaseStatusChanged', 'A', HOUR, { to: 'pending_customer' }), caseEv('CaseResolved', 'A', 2 * HOUR),
      caseEv('CaseResolved', 'A', 3 * HOUR, {}, 'r2'), caseEv('CaseReopened', 'A', 4 * HOUR), caseEv('CaseResolved', 'A', 5 * HOUR),
    ]);
    expect(state.resolution.ms).toEqual([2 * HOUR, HOUR]);
    expect(effects[3]).toEqual({ anomaly: 'already_resolved' });
    expect(getCase(state, 'A')?.reopenCount).toBe(1);
  });

  it('CaseReopened only on resolved cases', () => {
    const { state } = foldCases([opened('A'), caseEv('CaseReopened', 'A', 1, {}, 'ro')]);
    expect(state.anomalies).toEqual([{ eventId: 'ro', reason: 'reopen_not_resolved' }]);
    expect(getCase(state, 'A')?.reopenCount).toBe(0);
  });

  it('CaseClosed is final; later case events are anomalies and change nothing', () => {
    const { state } = foldCases([
      opened('A'), caseEv('CaseClosed', 'A', 1), caseEv('CaseResolved', 'A', 2, {}, 'z1'), caseEv('CaseClosed', 'A', 3, {}, 'z2'),
      { ...sent('A', 4), id: 'z3' }, caseEv('CaseReopened', 'A', 5, {}, 'z4'),
    ]);
    expect(getCase(state, 'A')).toMatchObject({ status: 'closed', closedAt: T0 + 1 });
    expect(state.resolution.ms).toEqual([]);
    expect(state.anomalies.map((a) => a.reason)).toEqual(['case_closed', 'case_closed', 'case_closed', 'case_closed']);
  });

  it('snoozed counts as open in byStatus and the open list once snoozedUntil < asOf', () => {
    const until = T0 + DAY;
    const { state } = foldCases([opened('A'), caseEv('CaseStatusChanged', 'A', 1, { to: 'snoozed', snoozedUntil: new Date(until).toISOString() })]);
    const at = casesSection(state, window(until), (c) => c);
    expect(at.byStatus.snoozed).toBe(1);
    expect(at.open[0]!.status).toBe('snoozed');
    const after = casesSection(state, window(until + 1), (c) => c);
    expect(after.byStatus.open).toBe(1);
    expect(after.open[0]!.status).toBe('open');
  });
});

describe('cases: channels and merges', () => {
  it('channels: every event of the case whatever the actor, thread links, and merged cases', () => {
    const { state } = foldCases([
      opened('A', 0, {}, 'email'), sent('A', 1, 'bot', true, 'web_chat'),
      { type: 'CaseThreadLinked', caseId: 'A', t: 2, data: { threadRef: 'th', channel: 'whatsapp' } },
      inbound('B', 3, 'voice'),
      { type: 'CasesMerged', caseId: 'B', t: 4, data: { sourceCaseId: 'B', targetCaseId: 'A' } },
    ]);
    expect([...getCase(state, 'A')!.channels].sort()).toEqual(['email', 'voice', 'web_chat', 'whatsapp']);
  });

  it('a survey naming a case belongs to it: its channel counts; on a closed case it is ignored, not an anomaly', () => {
    const survey = (type: string, caseId: string, t: number, channel: string): RawCaseEvent => ({ type, caseId, t, channel, data: { surveyId: 's', kind: 'csat', ...(type === 'SurveyAnswered' ? { score: 5 } : {}) } });
    const { state } = foldCases([
      opened('A', 0, {}, 'email'), survey('SurveySent', 'A', 1, 'sms'), survey('SurveyAnswered', 'A', 2, 'whatsapp'),
      opened('B', 3, {}, 'email'), caseEv('CaseClosed', 'B', 4), survey('SurveyAnswered', 'B', 5, 'sms'),
    ]);
    expect([...getCase(state, 'A')!.channels].sort()).toEqual(['email', 'sms', 'whatsapp']);
    expect([...getCase(state, 'B')!.channels]).toEqual(['email']);
    expect(state.anomalies).toEqual([]);
  });

  it('a merged case routes later events to its target, following chains', () => {
    const { state, effects } = foldCases([
      opened('A'), opened('B'), opened('C'),
      { type: 'CasesMerged', caseId: 'C', t: 1, data: { sourceCaseId: 'C', targetCaseId: 'B' } },
      { type: 'CasesMerged', caseId: 'B', t: 2, data: { sourceCaseId: 'B', targetCaseId: 'A' } },
      inbound('C', 3, 'sms'), caseEv('CaseResolved', 'C', 4),
    ]);
    expect(getCase(state, 'C')).toMatchObject({ status: 'merged', mergedInto: 'B' });
    expect(routeCase(state, 'C')?.caseId).toBe('A');
    expect(getCase(state, 'A')?.status).toBe('resolved');
    expect(effects[6]).toEqual({ caseId: 'A', resolved: true });
  });

  it('merge cycles: A→B then B→A, the second is ignored', () => {
    const { state } = foldCases([
      opened('A'), opened('B'),
      { type: 'CasesMerged', caseId: 'A', t: 1, data: { sourceCaseId: 'A', targetCaseId: 'B' } },
      { type: 'CasesMerged', caseId: 'B', t: 2, id: 'cyc', data: { sourceCaseId: 'B', targetCaseId: 'A' } },
    ]);
    expect(getCase(state, 'B')?.status).toBe('open');
    expect(state.anomalies).toEqual([{ eventId: 'cyc', reason: 'merge_target_merged' }]);
  });

  it('merge anomalies: unknown, closed or merged source, unknown or merged target, same case', () => {
    const { state } = foldCases([
      opened('A'), opened('B'), opened('C'), caseEv('CaseClosed', 'C', 1),
      { type: 'CasesMerged', caseId: 'A', t: 2, id: 'm1', data: { sourceCaseId: 'X', targetCaseId: 'A' } },
      { type: 'CasesMerged', caseId: 'A', t: 2, id: 'm2', data: { sourceCaseId: 'C', targetCaseId: 'A' } },
      { type: 'CasesMerged', caseId: 'A', t: 2, id: 'm3', data: { sourceCaseId: 'A', targetCaseId: 'X' } },
      { type: 'CasesMerged', caseId: 'A', t: 2, id: 'm4', data: { sourceCaseId: 'A', targetCaseId: 'A' } },
      { type: 'CasesMerged', caseId: 'A', t: 3, id: 'm5', data: { sourceCaseId: 'A', targetCaseId: 'B' } },
      { type: 'CasesMerged', caseId: 'A', t: 4, id: 'm6', data: { sourceCaseId: 'A', targetCaseId: 'B' } },
      { type: 'CasesMerged', caseId: 'A', t: 5, id: 'm7', data: { sourceCaseId: 'B', targetCaseId: 'A' } },
    ]);
    expect(state.anomalies).toEqual([
      { eventId: 'm1', reason: 'merge_source_unknown' },
      { eventId: 'm2', reason: 'merge_source_closed' },
      { eventId: 'm3', reason: 'merge_target_unknown' },
      { eventId: 'm4', reason: 'merge_same_case' },
      { eventId: 'm6', reason: 'merge_source_merged' },
      { eventId: 'm7', reason: 'merge_target_merged' },
    ]);
  });

  it('the target waits since the earlier of the two; source samples stay', () => {
    const { state } = foldCases([
      inbound('A', 10 * MIN), inbound('B', 0), sent('B', MIN), inbound('B', 2 * MIN),
      { type: 'CasesMerged', caseId: 'B', t: 20 * MIN, data: { sourceCaseId: 'B', targetCaseId: 'A' } },
      sent('A', 30 * MIN),
    ]);
    expect(state.reply.ms).toEqual([MIN, 28 * MIN]);
    expect(state.firstResponse.ms).toEqual([MIN, 20 * MIN]);
  });

  it('casesSection: count includes merged, open rows sorted with canonical customers and sorted channels', () => {
    const { state } = foldCases([
      { ...inbound('Z', 0, 'sms'), customerId: 'c9' }, { ...inbound('Z', 1, 'email') },
      opened('A', 2), opened('M', 3),
      { type: 'CasesMerged', caseId: 'M', t: 4, data: { sourceCaseId: 'M', targetCaseId: 'A' } },
      caseEv('CaseAssigned', 'nope', 5, { assigneeKind: 'agent', assigneeId: 'x' }, 'b-anom'),
      caseEv('CaseAssigned', 'nope', 5, { assigneeKind: 'agent', assigneeId: 'x' }, 'a-anom'),
    ]);
    const s = casesSection(state, window(T0 + HOUR), (c) => (c === 'c9' ? 'canon' : c));
    expect(s.count).toBe(3);
    expect(s.byStatus).toEqual({ bot: 0, open: 2, pending_customer: 0, on_hold: 0, snoozed: 0, resolved: 0, closed: 0, merged: 1 });
    expect(s.open).toEqual([
      { caseId: 'A', customerId: 'c1', status: 'open', openedAt: '2024-03-01T10:00:00.002Z', channels: ['email'], reopenCount: 0, waitingSince: null, firstResponseAt: null },
      { caseId: 'Z', customerId: 'canon', status: 'open', openedAt: '2024-03-01T10:00:00.000Z', channels: ['email', 'sms'], reopenCount: 0, waitingSince: '2024-03-01T10:00:00.000Z', firstResponseAt: null },
    ]);
    expect(s.anomalies.map((a) => a.eventId)).toEqual(['a-anom', 'b-anom']);
  });
});

describe('cases: snapshots', () => {
  it('cloneCasesState is independent of the original', () => {
    const { state } = foldCases([inbound('A', 0)]);
    const copy = cloneCasesState(state);
    applyCaseEvent(copy, je(ev({ ...sent('A', 1) } as never)), testConfig());
    expect(getCase(state, 'A')?.waitingSince).toBe(T0);
    expect(getCase(copy, 'A')?.waitingSince).toBeNull();
    expect(state.reply.ms).toEqual([]);
    expect(createCasesState().cases.size).toBe(0);
  });
});

// A webhook often delivers a customer's message and the CaseOpened a bot made for it with the same
// occurredAt. The rule is the specification's: events apply in (occurredAt, id) order and the first opening
// wins, so at the same instant the ids decide. docs/cases.md says how a host makes its explicit opening win.
describe('cases: a message and a CaseOpened at the same instant (through the engine)', () => {
  const at = '2024-03-01T10:00:00.000Z';
  const before = '2024-03-01T09:59:59.999Z';
  const message = (id: string, occurredAt = at) => ({ id, type: 'MessageReceived' as const, tenantId: 't', occurredAt, customerId: 'ann', channel: 'whatsapp' as const, caseId: 'k1', actor: { kind: 'customer' as const }, data: { text: 'hi' } });
  const botOpening = (id: string, occurredAt = at) => ({ id, type: 'CaseOpened' as const, tenantId: 't', occurredAt, customerId: 'ann', channel: 'whatsapp' as const, caseId: 'k1', actor: { kind: 'bot' as const }, data: { handledBy: 'bot' as const } });

  async function caseAfter(events: Parameters<JourneyEngine['record']>[0]) {
    const engine = createJourneyEngine({ clock: () => Date.parse('2024-03-02T00:00:00Z') });
    await engine.record(events);
    const result = { handledBy: engine.getCase('t', 'k1')?.handledBy, openedBy: engine.getCase('t', 'k1')?.openedBy, anomalies: engine.report('t').cases.anomalies };
    await engine.close();
    return result;
  }

  it('the message first by id opens the case implicitly (human) and the CaseOpened is an anomaly, whatever order they arrive in', async () => {
    const expected = { handledBy: 'human', openedBy: 'implicit', anomalies: [{ eventId: 'evt-2', reason: 'duplicate_case_opened' }] };
    expect(await caseAfter([message('evt-1'), botOpening('evt-2')])).toEqual(expected);
    expect(await caseAfter([botOpening('evt-2'), message('evt-1')])).toEqual(expected);
  });

  it('the CaseOpened wins when its id sorts first, or when it is given an instant before the message', async () => {
    expect(await caseAfter([message('evt-2'), botOpening('evt-1')])).toEqual({ handledBy: 'bot', openedBy: 'explicit', anomalies: [] });
    // The way that does not depend on ids: the opening 1 ms before the message.
    expect(await caseAfter([message('evt-1'), botOpening('evt-2', before)])).toEqual({ handledBy: 'bot', openedBy: 'explicit', anomalies: [] });
  });
});
