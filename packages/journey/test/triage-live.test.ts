// The live engine's triage queue and at-risk segment equal the replay report's sections for the same events,
// whatever the arrival order and batching (late events re-fold), at the clock and at an earlier asOf; the
// streams emit the re-ranked queue as frozen data when it changes.
import { parseEventOrThrow } from '@omnitrail/events';
import { assertProperty, fcParameters, shuffled, sortRawEvents, tenantJourneysArbitrary } from '@omnitrail/testing';
import fc from 'fast-check';
import { firstValueFrom, Subject, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, replayReport, TRIAGE_REASONS } from '../src/index.js';

// Wider red band than the default, so that generated customers are often at risk (the lists compared are
// not empty); the engine and the replay get the same configuration.
const config = { healthBands: { redMax: 75, yellowMax: 85 } };
const journeys = tenantJourneysArbitrary({ customers: { min: 1, max: 5 }, eventsPerCustomer: { min: 1, max: 30 }, tenants: 1, sharedDeviceRate: 0.3, lateMergeRate: 0.3 });

describe('engine.triage and engine.atRisk', () => {
  it('equal the replay report at the clock and at an earlier asOf, for any arrival order (property)', async () => {
    // How many runs had something to compare: the property must not pass on empty lists only.
    const seen = { queued: 0, atRisk: 0, reasons: new Set<string>() };
    await assertProperty(
      fc.asyncProperty(journeys, fc.nat(), fc.integer({ min: 1, max: 15 }), fc.double({ min: 0, max: 1, noNaN: true }), async (j, seed, batch, cut) => {
        const raws = sortRawEvents([...j.events]);
        if (raws.length === 0) return;
        const events = raws.map((e) => parseEventOrThrow(e, { uniformShape: true }));
        const tenantId = events[0]!.tenantId;
        const ats = events.map((e) => Date.parse(e.occurredAt));
        const now = Math.max(...ats) + 3_600_000;
        const earlier = ats[Math.floor(cut * (ats.length - 1))]!;
        const engine = createJourneyEngine({ clock: () => now, config });
        const order = shuffled(raws, seed);
        for (let i = 0; i < order.length; i += batch) await engine.recordUnknown(order.slice(i, i + batch));
        for (const asOf of [now, earlier]) {
          const ops = replayReport({ events, asOf, config }).tenants[tenantId]!.operations!;
          const at = asOf === now ? undefined : { asOf };
          expect(engine.triage(tenantId, at)).toEqual(ops.triage);
          expect(engine.atRisk(tenantId, at)).toEqual((ops.segments as { atRisk: unknown }).atRisk);
          const queue = engine.triage(tenantId, at);
          if (queue.length > 0) seen.queued++;
          // The queue's own rules: a score is the sum of its reasons, priority first and the rest in the
          // specified order, scores never increase down the queue, and each case appears once.
          for (const entry of queue) {
            expect(entry.score).toBeCloseTo(entry.reasons.reduce((n, r) => n + r.points, 0), 9);
            const positions = entry.reasons.map((r) => TRIAGE_REASONS.indexOf(r.reason));
            expect(positions[0]).toBe(0);
            expect(positions).toEqual([...new Set(positions)].sort((x, y) => x - y));
          }
          for (let i = 1; i < queue.length; i++) expect(queue[i]!.score).toBeLessThanOrEqual(queue[i - 1]!.score);
          expect(new Set(queue.map((e) => e.caseId)).size).toBe(queue.length);
          for (const e of queue) for (const r of e.reasons) seen.reasons.add(r.reason);
          if (engine.atRisk(tenantId, at).length > 0) seen.atRisk++;
        }
        expect(engine.report(tenantId, { asOf: now }).operations).toEqual(replayReport({ events, asOf: now, config }).tenants[tenantId]!.operations);
        await engine.close();
      }),
      fcParameters({ numRuns: 30 }),
    );
    expect(seen.queued).toBeGreaterThan(5);
    expect(seen.atRisk).toBeGreaterThan(0);
    expect([...seen.reasons].sort()).toEqual(expect.arrayContaining(['health', 'priority', 'sla', 'waiting']));
  });

  it('triage$ emits the queue re-ranked as frozen data when a change of the tenant changes it, not when it does not', async () => {
    const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString();
    const engine = createJourneyEngine({ clock: () => Date.UTC(2024, 2, 1, 12) });
    const message = (id: string, caseId: string, minute: number) => ({ id, type: 'MessageReceived', tenantId: 'acme', occurredAt: at(minute), customerId: 'ann', channel: 'email', caseId, actor: { kind: 'customer' }, data: { text: 'hi' } }) as const;
    await engine.record(message('m1', 'k1', 0));
    const emitted = firstValueFrom(engine.triage$('acme').pipe(take(3), toArray()));
    // urgent k2 goes first; a page view changes the tenant but not the queue (no emission); resolving k1 does
    await engine.record({ id: 'o2', type: 'CaseOpened', tenantId: 'acme', occurredAt: at(10), customerId: 'ann', caseId: 'k2', actor: { kind: 'agent' }, data: { priority: 'urgent' } });
    await engine.record({ id: 'p1', type: 'PageViewed', tenantId: 'acme', occurredAt: at(11), customerId: 'bob', channel: 'web', actor: { kind: 'customer' }, data: { url: '/' } });
    await engine.record({ id: 'r1', type: 'CaseResolved', tenantId: 'acme', occurredAt: at(20), customerId: 'ann', caseId: 'k1', actor: { kind: 'agent' }, data: {} });
    const [first, second, third] = await emitted;
    expect(first!.map((e) => e.caseId)).toEqual(['k1']);
    expect(first![0]!.reasons).toEqual([{ reason: 'priority', points: 10 }, { reason: 'waiting', points: 3 }]);
    expect(second!.map((e) => [e.caseId, e.score])).toEqual([['k2', 40], ['k1', 13]]);
    expect(third!.map((e) => e.caseId)).toEqual(['k2']);
    expect(Object.isFrozen(second)).toBe(true);
    expect(Object.isFrozen(second![0]!.reasons[0])).toBe(true);
    expect(engine.triage('nobody')).toEqual([]);
    await engine.close();
  });

  it('triage$ with refresh$ re-ranks at each tick as the clock moves (waiting points grow with no event), only when the queue changed', async () => {
    const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString();
    let now = Date.UTC(2024, 2, 1, 10);
    const engine = createJourneyEngine({ clock: () => now });
    // k1 (normal) has waited since 9:00; k2 (low priority) since 9:30: k1 leads by 10 points plus its wait.
    await engine.record([
      { id: 'm1', type: 'MessageReceived', tenantId: 'acme', occurredAt: at(0), customerId: 'ann', channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hi' } },
      { id: 'o2', type: 'CaseOpened', tenantId: 'acme', occurredAt: at(29), customerId: 'bob', caseId: 'k2', actor: { kind: 'agent' }, data: { priority: 'low' } },
      { id: 'm2', type: 'MessageReceived', tenantId: 'acme', occurredAt: at(30), customerId: 'bob', channel: 'email', caseId: 'k2', actor: { kind: 'customer' }, data: { text: 'hi' } },
    ]);
    const ticks = new Subject<void>();
    const queues: (readonly { caseId: string; score: number }[])[] = [];
    const withRefresh = engine.triage$('acme', { refresh$: ticks }).subscribe((q) => queues.push(q));
    const withoutRefresh: unknown[] = [];
    const plain = engine.triage$('acme').subscribe((q) => withoutRefresh.push(q));
    const scores = (q: readonly { caseId: string; score: number }[]) => q.map((e) => [e.caseId, e.score]);
    expect(queues.map(scores)).toEqual([[['k1', 11], ['k2', 0.5]]]);
    // Two hours later, no event: the tick re-ranks with the grown waiting points.
    now = Date.UTC(2024, 2, 1, 12);
    ticks.next();
    expect(queues.map(scores).at(-1)).toEqual([['k1', 13], ['k2', 2.5]]);
    // A tick at the same instant changes nothing: nothing is emitted.
    ticks.next();
    expect(queues).toHaveLength(2);
    // Each tick's queue is the query's answer at that instant, frozen.
    expect(queues.at(-1)).toEqual(engine.triage('acme'));
    expect(Object.isFrozen(queues.at(-1))).toBe(true);
    // Without refresh$ the stream stays at the ranking of the last change.
    expect(withoutRefresh).toHaveLength(1);
    // Changes of the tenant still re-rank between ticks.
    await engine.record({ id: 'r1', type: 'CaseResolved', tenantId: 'acme', occurredAt: at(40), customerId: 'ann', caseId: 'k1', actor: { kind: 'agent' }, data: {} });
    expect(queues.map(scores).at(-1)).toEqual([['k2', 2.5]]);
    withRefresh.unsubscribe();
    plain.unsubscribe();
    await engine.close();
  });

  it('atRisk$ with refresh$ re-evaluates at each tick: a customer who goes quiet turns red with no event', async () => {
    // A month after her last contact Ann is yellow (51): the poor answers have faded a little, the inactivity
    // has only begun to count.
    let now = Date.UTC(2024, 3, 1);
    const engine = createJourneyEngine({ clock: () => now });
    const survey = (id: string, minute: number, kind: 'csat' | 'nps', score: number) =>
      ({ id, type: 'SurveyAnswered', tenantId: 'acme', occurredAt: new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString(), customerId: 'ann', channel: 'email', actor: { kind: 'customer' }, data: { kind, score } }) as const;
    await engine.record([
      { id: 'o1', type: 'OrderPlaced', tenantId: 'acme', occurredAt: '2024-02-01T09:00:00Z', customerId: 'ann', channel: 'web', actor: { kind: 'customer' }, data: { orderId: 'o1', amount: 10, currency: 'EUR', salesChannel: 'web' } },
      survey('a1', 0, 'csat', 2),
      survey('a2', 1, 'nps', 3),
    ]);
    const ticks = new Subject<number>();
    const lists: (readonly { customerId: string }[])[] = [];
    const sub = engine.atRisk$('acme', { refresh$: ticks }).subscribe((l) => lists.push(l));
    const plain: unknown[] = [];
    const withoutRefresh = engine.atRisk$('acme').subscribe((l) => plain.push(l));
    expect(lists).toEqual([[]]);
    // Two more months of silence: inactivity pulls health into the red band, with no event.
    now = Date.UTC(2024, 5, 1);
    ticks.next(1);
    expect(engine.atRisk('acme').map((c) => c.customerId)).toEqual(['ann']);
    expect(lists.map((l) => l.map((c) => c.customerId))).toEqual([[], ['ann']]);
    expect(plain).toEqual([[]]);
    sub.unsubscribe();
    withoutRefresh.unsubscribe();
    await engine.close();
  });

  it('atRisk$ emits the at-risk customers at the clock when they change, as frozen data', async () => {
    const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString();
    const engine = createJourneyEngine({ clock: () => Date.UTC(2024, 2, 1, 10) });
    const answer = (id: string, customerId: string, minute: number, kind: 'csat' | 'nps', score: number) =>
      ({ id, type: 'SurveyAnswered', tenantId: 'acme', occurredAt: at(minute), customerId, channel: 'email', actor: { kind: 'customer' }, data: { kind, score } }) as const;
    await engine.record(answer('a1', 'ann', 0, 'nps', 10));
    const emitted = firstValueFrom(engine.atRisk$('acme').pipe(take(2), toArray()));
    await engine.record(answer('a2', 'ann', 1, 'csat', 5)); // still green: no emission
    await engine.record([answer('b1', 'bob', 2, 'csat', 1), answer('b2', 'bob', 3, 'nps', 0)]); // bob red
    const [before, after] = await emitted;
    expect(before).toEqual([]);
    expect(after!.map((c) => [c.customerId, c.stage, c.signals])).toEqual([['bob', 'awareness', ['nps_detractor', 'low_csat']]]);
    expect(after).toEqual(engine.atRisk('acme'));
    expect(Object.isFrozen(after![0]!.signals)).toBe(true);
    await engine.close();
  });
});
