// A store as one consumer sees it, counting every event it hands over: how tests and benchmarks tell what an
// engine read (a worker that should read one tenant's events, not the log).
import type { AllSubscription, EventStore, RecordedEvent, SubscriptionItem } from '@omnitrail/eventstore';

/** What a consumer read through a {@link countingStore}: events by `readAll` (in all and by group), events its subscriptions delivered, stream-group listings. */
export interface StoreReads {
  readAll: number;
  /** `readAll` events by the group `groupOf` gives their stream (empty without `groupOf`). */
  readAllByGroup: Map<string, number>;
  subscription: number;
  listings: number;
}

/** Options of {@link countingStore}. */
export interface CountingStoreOptions {
  /** Hide the store's stream-group index, as a store without one (default false). */
  hideStreamGroups?: boolean;
  /** The group a stream's events are counted under in `readAllByGroup` (a tenant, say). */
  groupOf?: (streamName: string) => string;
}

/**
 * `inner` as one consumer sees it: the same store, counting each event `readAll` and `subscribeToAll` hand
 * over and each stream-group listing, its index hidden on request. The counts are live (read them any time).
 */
export function countingStore(inner: EventStore, options: CountingStoreOptions = {}): { store: EventStore; reads: StoreReads } {
  const reads: StoreReads = { readAll: 0, readAllByGroup: new Map(), subscription: 0, listings: 0 };
  const { groupOf } = options;
  const { streamGroups, ...rest } = inner;
  const store: EventStore = {
    ...rest,
    readAll<D, M>(readOptions?: Parameters<EventStore['readAll']>[0]): AsyncIterable<RecordedEvent<D, M>> {
      const source = inner.readAll<D, M>(readOptions);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const event of source) {
            reads.readAll++;
            if (groupOf !== undefined) {
              const group = groupOf(event.streamName);
              reads.readAllByGroup.set(group, (reads.readAllByGroup.get(group) ?? 0) + 1);
            }
            yield event;
          }
        },
      };
    },
    subscribeToAll<D, M>(subscribeOptions?: Parameters<EventStore['subscribeToAll']>[0]): AllSubscription<D, M> {
      const source = inner.subscribeToAll<D, M>(subscribeOptions);
      return {
        unsubscribe: () => source.unsubscribe(),
        asObservable: () => source.asObservable(),
        async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionItem<D, M>> {
          for await (const item of source) {
            if (item.kind === 'event') reads.subscription++;
            yield item;
          }
        },
      };
    },
    ...(options.hideStreamGroups !== true && streamGroups !== undefined
      ? {
          streamGroups: {
            list: (listOptions) => {
              reads.listings++;
              return streamGroups.list(listOptions);
            },
          },
        }
      : {}),
  };
  return { store, reads };
}
