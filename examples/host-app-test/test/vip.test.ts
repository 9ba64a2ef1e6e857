import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectIdempotent, fcParameters, journeyArbitrary, projectionSpec, replayEvents, shuffled } from '@omnitrail/testing';
import { vipCustomers } from '../src/index.js';

const order = (id: string, at: string, amount: number, currency = 'EUR') => ({
  id: `ev-${id}`,
  type: 'OrderPlaced',
  tenantId: 'shop',
  occurredAt: at,
  customerId: 'alice',
  channel: 'web',
  actor: { kind: 'customer' },
  data: { orderId: id, salesChannel: 'web', amount, currency },
});

describe('VIP customers', () => {
  it('a second order over 100 EUR makes a VIP', () => {
    projectionSpec(vipCustomers)
      .given(order('o1', '2024-05-01T10:00:00Z', 150))
      .when(order('o2', '2024-05-03T10:00:00Z', 120))
      .then({ bigOrders: ['o1', 'o2'], vip: true });
  });

  it('small orders and other currencies do not count', () => {
    projectionSpec(vipCustomers)
      .given(order('o1', '2024-05-01T10:00:00Z', 150), order('o2', '2024-05-02T10:00:00Z', 99.99))
      .when(order('o3', '2024-05-03T10:00:00Z', 500, 'USD'))
      .then({ bigOrders: ['o1'], vip: false });
  });

  it('a return takes the status away', () => {
    projectionSpec(vipCustomers)
      .given(order('o1', '2024-05-01T10:00:00Z', 150), order('o2', '2024-05-02T10:00:00Z', 150))
      .when({ id: 'ev-r2', type: 'OrderReturned', tenantId: 'shop', occurredAt: '2024-05-09T10:00:00Z', customerId: 'alice', actor: { kind: 'customer' }, data: { orderId: 'o2' } })
      .then({ bigOrders: ['o1'], vip: false });
  });

  it('is idempotent, even without the runtime de-duplication', () => {
    expectIdempotent(vipCustomers, [order('o1', '2024-05-01T10:00:00Z', 150), order('o2', '2024-05-02T10:00:00Z', 150)], { strict: true });
  });

  it('property: on any generated journey, VIP means two standing orders over 100 EUR, whatever the delivery order', () => {
    fc.assert(
      fc.property(journeyArbitrary({ customerId: 'alice', rates: { order: 1, orderIssue: 0.3 }, eventsPerCustomer: { min: 5, max: 60 } }), fc.nat(), (journey, seed) => {
        const { partitions } = replayEvents(vipCustomers, journey.events);
        const state = partitions.get('tenant-a/alice');
        const placed = journey.events.filter((e) => e.type === 'OrderPlaced' && (e.data.amount as number) > 100).map((e) => e.data.orderId as string);
        const undone = new Set(journey.events.filter((e) => e.type === 'OrderReturned' || e.type === 'OrderCancelled').map((e) => e.data.orderId as string));
        const standing = placed.filter((id) => !undone.has(id));
        expect(state?.vip ?? false).toBe(standing.length >= 2);
        // Redelivered in another order, the state is the same.
        const again = replayEvents(vipCustomers, shuffled([...journey.events, ...journey.events], seed));
        expect(again.partitions.get('tenant-a/alice')).toEqual(state);
      }),
      fcParameters({ numRuns: 50 }),
    );
  });
});
