import { describe, expect, it } from 'vitest';
import type { CatalogEvent } from '@omnitrail/events';
import { expectIdempotent, projectionSpec, replayEvents, type ProjectionDefinitionLike } from '../src/specs/index.js';

const ev = (id: string, at: string, type: string, data: Record<string, unknown>, customerId = 'c1') => ({
  id,
  type,
  tenantId: 't1',
  occurredAt: at,
  customerId,
  actor: { kind: 'customer' },
  data,
});

/** Counts orders per customer, remembering order ids (so folding an event twice is harmless). */
const orders: ProjectionDefinitionLike<CatalogEvent, { orderIds: string[] }> = {
  name: 'orders',
  partitionBy: (e) => (e.type === 'OrderPlaced' ? `${e.tenantId}/${e.customerId}` : undefined),
  initialState: () => ({ orderIds: [] }),
  evolve: (s, e) => (e.type === 'OrderPlaced' && !s.orderIds.includes(e.data.orderId) ? { orderIds: [...s.orderIds, e.data.orderId] } : s),
};
const counter: ProjectionDefinitionLike<CatalogEvent, { n: number }> = {
  name: 'counter',
  partitionBy: (e) => e.tenantId,
  initialState: () => ({ n: 0 }),
  evolve: (s, _e) => ({ n: s.n + 1 }),
};

const o1 = ev('e1', '2024-03-01T10:00:00Z', 'OrderPlaced', { orderId: 'o1', salesChannel: 'web', amount: 10, currency: 'EUR' });
const o2 = ev('e2', '2024-03-01T11:00:00+02:00', 'OrderPlaced', { orderId: 'o2', salesChannel: 'web', amount: 10, currency: 'EUR' });
const view = ev('e3', '2024-03-01T12:00:00Z', 'PageViewed', { url: '/' });

describe('replayEvents', () => {
  it('sorts by (occurredAt, id), dedupes by id and folds per partition', () => {
    const r = replayEvents(orders, [o1, view, o2, o1]);
    expect(r.duplicates).toBe(1);
    // o2 happened at 09:00Z, before o1.
    expect(r.events.map((e) => e.id)).toEqual(['e2', 'e1', 'e3']);
    expect(r.partitions.get('t1/c1')).toEqual({ orderIds: ['o2', 'o1'] });
  });

  it('throws the validation error of an invalid input', () => {
    expect(() => replayEvents(orders, [{ ...o1, data: {} }])).toThrow(/data.orderId/);
  });
});

describe('projectionSpec', () => {
  it('given/when/then on the partition of the event under test', () => {
    projectionSpec(orders).given(o1).when(o2).then({ orderIds: ['o2', 'o1'] });
    projectionSpec(orders).given([o1, view]).when(o1).then((s) => expect(s?.orderIds).toEqual(['o1']));
    projectionSpec(orders).given(o1, o2).thenPartitions({ 't1/c1': { orderIds: ['o2', 'o1'] } });
  });

  it('fails with a diff when the state differs', () => {
    expect(() => projectionSpec(orders).given(o1).when(o2).then({ orderIds: ['o1'] })).toThrow(/unexpected state/);
  });

  it('a given can be shared by several whens', () => {
    const base = projectionSpec(counter).given(o1);
    base.when(view).then({ n: 2 });
    base.when(o2, view).then({ n: 3 });
  });
});

describe('expectIdempotent', () => {
  it('passes for a projection folded through de-duplication', () => {
    expectIdempotent(counter, [o1, o2, view]);
    expectIdempotent(orders, [o1, o2, view], { strict: true });
  });

  it('strict mode catches an evolve that is not idempotent', () => {
    expect(() => expectIdempotent(counter, [o1], { strict: true })).toThrow(/twice/);
  });

  it('catches a shared mutable initial state', () => {
    const shared = { n: 0 };
    const leaky: ProjectionDefinitionLike<CatalogEvent, { n: number }> = { name: 'leaky', partitionBy: (e) => e.tenantId, initialState: () => shared, evolve: (s) => { s.n++; return s; } };
    expect(() => expectIdempotent(leaky, [o1, o2])).toThrow(/second replay/);
  });
});
