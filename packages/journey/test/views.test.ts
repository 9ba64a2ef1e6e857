// What a host gets back from the engine is frozen plain data, in the form of the report's rows, and case$
// emits every change of a case (and only changes).
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, replayReport } from '../src/index.js';

const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString();
const asOf = Date.UTC(2024, 2, 2);
const message = (id: string, minute: number, channel: string) => ({
  id,
  type: 'MessageReceived',
  tenantId: 'acme',
  occurredAt: at(minute),
  customerId: 'ann',
  channel,
  caseId: 'k1',
  actor: { kind: 'customer' },
  data: { text: 'hello' },
});

describe('case views', () => {
  it('are frozen snapshots: writing one fails and never changes the engine', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.recordUnknown(message('m1', 1, 'email'));
    const view = engine.getCase('acme', 'k1')!;
    expect(Object.isFrozen(view)).toBe(true);
    expect(Object.isFrozen(view.channels)).toBe(true);
    expect(() => {
      (view as { status: string }).status = 'closed';
    }).toThrow(TypeError);
    expect(() => (view.channels as string[]).push('sms')).toThrow(TypeError);
    expect(engine.getCase('acme', 'k1')).toMatchObject({ status: 'open', channels: ['email'] });
    await engine.close();
  });

  it('have the form of the report open-case rows (arrays, ISO instants), the same fields with the same values', async () => {
    const events = [message('m1', 1, 'email'), message('m2', 2, 'whatsapp')];
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.recordUnknown(events);
    const [row] = replayReport({ events: engine.fold('acme')!.events.map((e) => e.event), asOf }).tenants.acme!.cases.open;
    const view = engine.getCase('acme', 'k1')!;
    for (const [key, value] of Object.entries(row!)) expect(view[key as keyof typeof view], key).toEqual(value);
    expect(view).toMatchObject({ openedAt: at(1), channels: ['email', 'whatsapp'], lastActivityAt: at(2), handledBy: 'human', tenantId: 'acme' });
    expect(engine.openCases('acme')).toEqual([view]);
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    await engine.close();
  });

  it('case$ emits a message on a new channel at the same instant, and nothing when the case did not change', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.recordUnknown(message('m1', 1, 'email'));
    const emitted = firstValueFrom(engine.case$('acme', 'k1').pipe(take(3), toArray()));
    // Same instant, another channel: only the channel list changes.
    await engine.recordUnknown({ ...message('m2', 1, 'whatsapp') });
    // A page view of the customer, not of the case: no emission for the case.
    await engine.record({ id: 'p1', type: 'PageViewed', tenantId: 'acme', occurredAt: at(3), customerId: 'ann', channel: 'web', actor: { kind: 'customer' }, data: { url: '/' } });
    await engine.recordUnknown(message('m3', 4, 'sms'));
    const views = await emitted;
    expect(views.map((v) => v?.channels)).toEqual([['email'], ['email', 'whatsapp'], ['email', 'sms', 'whatsapp']]);
    await engine.close();
  });
});

describe('host projection streams', () => {
  it('keep a subject per watched partition only while someone subscribes, and a new subscriber gets the current state', async () => {
    const { defineJourneyProjection } = await import('../src/index.js');
    const count = defineJourneyProjection({ name: 'count', partitionBy: 'customer', initialState: () => 0, evolve: (n: number) => n + 1 });
    const engine = createJourneyEngine({ clock: () => asOf, projections: [count] });
    const handle = engine.projection(count);
    await engine.recordUnknown(message('m1', 1, 'email'));
    const seen: (number | undefined)[] = [];
    const a = handle.state$('acme', 'ann').subscribe((n) => seen.push(n));
    const b = handle.state$('acme', 'ann').subscribe();
    const other = handle.state$('acme', 'bob').subscribe();
    expect(handle.watchedPartitions()).toBe(2);
    await engine.recordUnknown(message('m2', 2, 'email'));
    expect(seen).toEqual([1, 2]);
    a.unsubscribe();
    expect(handle.watchedPartitions()).toBe(2);
    b.unsubscribe();
    other.unsubscribe();
    expect(handle.watchedPartitions()).toBe(0);
    expect(await firstValueFrom(handle.state$('acme', 'ann'))).toBe(2);
    expect(handle.watchedPartitions()).toBe(0);
    await engine.close();
  });
});
