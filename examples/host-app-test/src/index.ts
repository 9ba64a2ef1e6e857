import type { CatalogEvent } from '@omnitrail/events';
import type { ProjectionDefinitionLike } from '@omnitrail/testing';

/** A VIP customer has placed at least this many orders over `VIP_MIN_AMOUNT` EUR. */
export const VIP_MIN_ORDERS = 2;
export const VIP_MIN_AMOUNT = 100;

/** The state of one customer: the qualifying orders still standing, and whether that makes them VIP. */
export interface VipState {
  /** Order ids over the threshold, not cancelled or returned, sorted (so the state is order-independent). */
  bigOrders: string[];
  vip: boolean;
}

/**
 * The host app's projection: which customers are VIPs. Orders of other currencies do not count; a cancelled
 * or returned order stops counting. Keeping order ids (not a counter) makes redeliveries harmless.
 */
export const vipCustomers: ProjectionDefinitionLike<CatalogEvent, VipState> = {
  name: 'vip-customers',
  partitionBy: (e) =>
    e.customerId !== undefined && (e.type === 'OrderPlaced' || e.type === 'OrderCancelled' || e.type === 'OrderReturned') ? `${e.tenantId}/${e.customerId}` : undefined,
  initialState: () => ({ bigOrders: [], vip: false }),
  evolve(state, e) {
    let bigOrders = state.bigOrders;
    if (e.type === 'OrderPlaced' && e.data.currency === 'EUR' && e.data.amount > VIP_MIN_AMOUNT && !bigOrders.includes(e.data.orderId)) {
      bigOrders = [...bigOrders, e.data.orderId].sort();
    } else if ((e.type === 'OrderCancelled' || e.type === 'OrderReturned') && bigOrders.includes(e.data.orderId)) {
      bigOrders = bigOrders.filter((id) => id !== e.data.orderId);
    }
    return bigOrders === state.bigOrders ? state : { bigOrders, vip: bigOrders.length >= VIP_MIN_ORDERS };
  },
};
