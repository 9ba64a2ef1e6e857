// A store as one worker sees it, counting every event it hands the worker (tests of tenant discovery, issue 19).
import type { AllSubscription, EventStore, RecordedEvent, SubscriptionItem } from '@omnitrail/eventstore';

/** What a worker read from the store: events per tenant by `readAll`, events its subscription delivered, listings. */
export interface Reads {
  readAllByTenant: Map<string, number>;
  readAll: number;
  subscription: number;
  listings: number;
}

/** The tenant of a journey stream name (`journey-<escaped tenant>-<customer>`). */
export function tenantOfStream(name: string): string {
  return name.slice('journey-'.length, name.indexOf('-', 'journey-'.length)).replaceAll('%2D', '-').replaceAll('%25', '%');
}

/** The store as one worker sees it, counting every event it hands the worker; without the index when `indexed` is false. */
export function counted(inner: EventStore, indexed = true): { store: EventStore; reads: Reads } {
  const reads: Reads = { readAllByTenant: new Map(), readAll: 0, subscription: 0, listings: 0 };
  const { streamGroups, ...rest } = inner;
  const store: EventStore = {
    ...rest,
    readAll<D, M>(options?: Parameters<EventStore['readAll']>[0]): AsyncIterable<RecordedEvent<D, M>> {
      const source = inner.readAll<D, M>(options);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const event of source) {
            reads.readAll++;
            const tenant = tenantOfStream(event.streamName);
            reads.readAllByTenant.set(tenant, (reads.readAllByTenant.get(tenant) ?? 0) + 1);
            yield event;
          }
        },
      };
    },
    subscribeToAll<D, M>(options?: Parameters<EventStore['subscribeToAll']>[0]): AllSubscription<D, M> {
      const source = inner.subscribeToAll<D, M>(options);
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
    ...(indexed && streamGroups !== undefined
      ? {
          streamGroups: {
            list: (options) => {
              reads.listings++;
              return streamGroups.list(options);
            },
          },
        }
      : {}),
  };
  return { store, reads };
}

