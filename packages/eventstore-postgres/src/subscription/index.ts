/**
 * `subscribeToAll` over PostgreSQL: one pull loop. The subscription keeps a cursor (the position of the last
 * event it examined) and reads the next page of settled events after it, so catch-up and live delivery are
 * the same query, and a slow consumer holds one page. When nothing is left it signals "caught up" once, then
 * waits for a notification or the poll interval. Errors that mean the server went away (restart, dropped
 * connection) are retried from the cursor, so nothing is lost or delivered twice.
 */
import { StoreClosedError, type AllSubscription, type RecordedEvent, type SubscribeToAllOptions, type SubscriptionItem } from '@omnitrail/eventstore';
import { compileFilter, subscriptionOf, type EventMatcher } from '@omnitrail/eventstore/adapter';
import { isTransient } from '../errors/index.js';
import type { Wakeups } from '../notifications/index.js';
import { positionArgument } from '../positions/index.js';

/** What a subscription needs from its store. */
export interface SubscriptionSource {
  /** Up to `limit` settled events strictly after `cursor`, in position order. */
  readPage(cursor: bigint, limit: number): Promise<RecordedEvent[]>;
  /** Position of the last settled event, `undefined` for an empty store. */
  settledHead(): Promise<bigint | undefined>;
  wakeups: Wakeups;
  isClosed(): boolean;
  /** Registers a stop hook run when the store closes; returns its remover. */
  onClose(stop: () => void): () => void;
  pageSize: number;
  pollIntervalMs: number;
  reconnectDelayMs: number;
  maxReconnectAttempts: number;
}

/** Creates a single-use subscription to `$all`; `'end'` is resolved now (events appended after this call). */
export function createSubscription<D, M>(source: SubscriptionSource, options: SubscribeToAllOptions = {}): AllSubscription<D, M> {
  let initError: unknown;
  let match: EventMatcher | undefined;
  let from: bigint | 'start' | 'end' = 'start';
  try {
    if (source.isClosed()) throw new StoreClosedError();
    match = compileFilter(options.filter);
    from = positionArgument('from', options.from, 'start');
  } catch (error) {
    initError = error;
  }
  const endPosition = initError === undefined && from === 'end' ? source.settledHead() : undefined;
  endPosition?.catch(() => undefined);

  let stopped = false;
  const stopListeners = new Set<() => void>();
  const stop = () => {
    stopped = true;
    for (const listener of [...stopListeners]) listener();
  };
  const signal = {
    onStop(listener: () => void) {
      if (stopped) {
        listener();
        return () => undefined;
      }
      stopListeners.add(listener);
      return () => stopListeners.delete(listener);
    },
  };
  const removeCloseHook = source.onClose(stop);
  // Wait only for the timer or a stop, not for notifications (used while the server is away).
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const remove = signal.onStop(done);
      function done() {
        clearTimeout(timer);
        remove();
        resolve();
      }
    });

  async function* run(): AsyncGenerator<SubscriptionItem<D, M>, void, undefined> {
    try {
      if (initError !== undefined) throw initError;
      let cursor = 0n;
      let reported: bigint | undefined;
      if (from === 'end') {
        reported = await endPosition;
        cursor = reported ?? 0n;
      } else if (typeof from === 'bigint') {
        cursor = from;
        reported = from === 0n ? undefined : from;
      }
      let caughtUp = false;
      let failures = 0;
      // After a notification that brought nothing readable (an older transaction is still open), poll
      // quickly, backing off to the normal interval.
      let quickDelay = 0;
      let notified = false;
      for (;;) {
        if (stopped) return;
        let page: RecordedEvent[];
        try {
          page = await source.readPage(cursor, source.pageSize);
          failures = 0;
        } catch (error) {
          if (stopped || source.isClosed()) return;
          if (!isTransient(error) || ++failures > source.maxReconnectAttempts) throw error;
          await sleep(Math.min(5000, source.reconnectDelayMs * 2 ** (failures - 1)));
          continue;
        }
        for (const event of page) {
          if (stopped) return;
          cursor = event.position;
          reported = cursor;
          if (match === undefined || match(event.streamName, event.type)) yield { kind: 'event', event: event as RecordedEvent<D, M> };
        }
        if (page.length === source.pageSize) continue;
        if (page.length > 0) quickDelay = 0;
        else if (notified || quickDelay > 0) quickDelay = quickDelay === 0 ? 2 : Math.min(quickDelay * 2, source.pollIntervalMs);
        if (!caughtUp) {
          caughtUp = true;
          if (stopped) return;
          yield { kind: 'caught-up', position: reported };
        }
        if (stopped) return;
        const why = await source.wakeups.wait(quickDelay > 0 ? quickDelay : source.pollIntervalMs, signal);
        if (why === 'stopped') return;
        notified = why === 'notified';
      }
    } finally {
      removeCloseHook();
    }
  }

  const generator = run();
  const unsubscribe = async (): Promise<void> => {
    if (stopped) return;
    stop();
    await generator.return(undefined);
  };
  return subscriptionOf<D, M>(() => generator.next(), unsubscribe);
}
