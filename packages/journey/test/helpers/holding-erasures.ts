// A store whose subscriptions hold back CustomerErased events until a gate opens: the moment between another
// engine's erasure and a follower seeing it, made as long as a test needs.
import type { AllSubscription, EventStore } from '@omnitrail/eventstore';

/** A subscription that holds back each `CustomerErased` until `gate` resolves (everything after it waits too). */
export function holdingErasures(subscription: AllSubscription, gate: Promise<void>): AllSubscription {
  return {
    ...subscription,
    unsubscribe: () => subscription.unsubscribe(),
    async *[Symbol.asyncIterator]() {
      for await (const item of subscription) {
        if (item.kind === 'event' && item.event.type === 'CustomerErased') await gate;
        yield item;
      }
    },
  };
}

/** `store` with every subscription holding back erasures until `gate` resolves. */
export function storeHoldingErasures(store: EventStore, gate: Promise<void>): EventStore {
  return { ...store, subscribeToAll: ((options) => holdingErasures(store.subscribeToAll(options), gate)) as EventStore['subscribeToAll'] };
}
