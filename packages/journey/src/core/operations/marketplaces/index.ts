import type { EventOf } from '@omnitrail/events';
import type { TenantProjection } from '../../model/index.js';
import { compareText, concatKeyed, define, exactOrderSum, inPeriod, sortedRecord } from '../period.js';

/** The marketplace of marketplace orders placed without a name. */
export const UNNAMED_MARKETPLACE = '(unnamed)';

/** Marketplace orders by order id (the first `OrderPlaced` of an id wins), and every return and cancellation. */
export interface MarketplacesState {
  orders: Map<string, { marketplace: string; at: number; amount: number; currency: string }>;
  /** Returns and cancellations by the order they name; paired with the orders at tally time (a late order still pairs). */
  returns: { orderId: string; at: number }[];
  cancellations: { orderId: string; at: number }[];
}

/** One marketplace before sums. */
export interface MarketplaceTally {
  orders: number;
  /** The amounts of the period's orders per currency, summed in the section in a fixed order. */
  amounts: Record<string, number[]>;
  returned: number;
  cancelled: number;
}

/** The `marketplaces` view before sums, per marketplace (keys sorted). */
export type MarketplacesTally = Record<string, MarketplaceTally>;

/** One marketplace's row (operations.md, marketplaces). */
export interface MarketplaceFigures {
  orders: number;
  /** Per currency, keys sorted. */
  amount: Record<string, number>;
  returned: number;
  cancelled: number;
}

/** The `operations.marketplaces` section, keys sorted. */
export type MarketplacesSection = Record<string, MarketplaceFigures>;

function rowOf(t: MarketplacesTally, marketplace: string): MarketplaceTally {
  if (!Object.prototype.hasOwnProperty.call(t, marketplace)) define(t, marketplace, { orders: 0, amounts: {}, returned: 0, cancelled: 0 });
  return t[marketplace]!;
}

/**
 * Sales through marketplaces (operations.md, marketplaces): orders with `salesChannel: marketplace` by the
 * marketplace named on them, their amounts per currency, and the returns and cancellations of those orders,
 * each in the period by its own instant.
 */
export const marketplacesProjection: TenantProjection<MarketplacesState, MarketplacesTally, MarketplacesSection> = {
  name: 'marketplaces',
  create: () => ({ orders: new Map(), returns: [], cancellations: [] }),
  clone: (s) => ({ orders: new Map(s.orders), returns: s.returns.slice(), cancellations: s.cancellations.slice() }),
  apply(state, je) {
    const e = je.event;
    if (e.type === 'OrderPlaced') {
      const d = (e as EventOf<'OrderPlaced'>).data;
      if (d.salesChannel !== 'marketplace' || state.orders.has(d.orderId)) return;
      state.orders.set(d.orderId, { marketplace: d.marketplace ?? UNNAMED_MARKETPLACE, at: je.at, amount: d.amount, currency: d.currency });
    } else if (e.type === 'OrderReturned') state.returns.push({ orderId: (e as EventOf<'OrderReturned'>).data.orderId, at: je.at });
    else if (e.type === 'OrderCancelled') state.cancellations.push({ orderId: (e as EventOf<'OrderCancelled'>).data.orderId, at: je.at });
  },
  tally(state, window) {
    const t: MarketplacesTally = {};
    for (const o of state.orders.values()) {
      if (!inPeriod(o.at, window)) continue;
      const row = rowOf(t, o.marketplace);
      row.orders++;
      if (Object.prototype.hasOwnProperty.call(row.amounts, o.currency)) row.amounts[o.currency]!.push(o.amount);
      else define(row.amounts, o.currency, [o.amount]);
    }
    for (const r of state.returns) {
      const o = state.orders.get(r.orderId);
      if (o !== undefined && inPeriod(r.at, window)) rowOf(t, o.marketplace).returned++;
    }
    for (const c of state.cancellations) {
      const o = state.orders.get(c.orderId);
      if (o !== undefined && inPeriod(c.at, window)) rowOf(t, o.marketplace).cancelled++;
    }
    return sortedRecord(t);
  },
  mergeTallies(a, b) {
    const out: MarketplacesTally = {};
    for (const part of [a, b]) {
      for (const [name, r] of Object.entries(part)) {
        const row = rowOf(out, name);
        row.orders += r.orders;
        row.amounts = concatKeyed(row.amounts, r.amounts);
        row.returned += r.returned;
        row.cancelled += r.cancelled;
      }
    }
    return sortedRecord(out);
  },
  section(t) {
    const out: MarketplacesSection = {};
    for (const name of Object.keys(t).sort(compareText)) {
      const r = t[name]!;
      const amount: Record<string, number> = {};
      for (const currency of Object.keys(r.amounts).sort(compareText)) define(amount, currency, exactOrderSum(r.amounts[currency]!));
      define(out, name, { orders: r.orders, amount, returned: r.returned, cancelled: r.cancelled });
    }
    return out;
  },
};
