/**
 * `subscribeToAll` for local adapters. Catch-up and live delivery are one pull loop over the log: the
 * subscription keeps a cursor (the last position it delivered or skipped) and reads the next page after
 * it; when no page is left it signals "caught up" once and waits for the next append. Because live events
 * are read from the log after the cursor, not pushed into a buffer, there is no gap and no duplicate at the
 * boundary, and a slow consumer only ever holds one page.
 */
import { Observable } from 'rxjs';
import { compileFilter, type EventMatcher } from '../filters/index.js';
import type { AllSubscription, RecordedEvent, SubscribeToAllOptions, SubscriptionItem } from '../port/index.js';
import { PAGE_SIZE, type LogSource, type ScanPage } from '../reading/index.js';
import { positionOption } from '../validation/index.js';

/**
 * Creates a single-use subscription to `$all` over a log source. `from` (exclusive, default `'start'`) is
 * resolved now, so `'end'` means "events appended after this call". Invalid options reject the first
 * `next()` (and error the Observable).
 */
export function createAllSubscription<D, M>(source: LogSource, options: SubscribeToAllOptions = {}): AllSubscription<D, M> {
  let initError: unknown;
  let cursor = 0;
  let match: EventMatcher | undefined;
  try {
    match = compileFilter(options.filter);
    cursor = positionOption('from', options.from, 'start', source.head());
  } catch (error) {
    initError = error;
  }
  let stopped = false;
  let wake: (() => void) | undefined;

  // Resolves when an append makes the log longer than the cursor, the store closes, or we unsubscribe.
  const waitForMore = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let remove: (() => void) | undefined;
      const done = () => {
        remove?.();
        wake = undefined;
        resolve();
      };
      wake = done;
      remove = source.onChange(() => {
        if (source.head() > cursor || source.state() !== 'open') done();
      });
      if (source.head() > cursor || source.state() !== 'open') done();
    });

  // A hand-written iterator rather than an async generator: an event already read into the current page is
  // handed over as a resolved promise, without the generator's per-yield machinery (several times cheaper
  // per event). Calls are served one after another, like a generator's.
  let page: readonly RecordedEvent[] = [];
  let pageIndex = 0;
  let caughtUp = false;
  let finished = false;
  let busy: Promise<unknown> | undefined;
  // The page after the current one, read ahead during a catch-up: from which cursor, and the read.
  let prefetched: { from: number; page: Promise<ScanPage> } | undefined;
  let readsFromDisk = false;
  const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

  const finish = (): IteratorReturnResult<undefined> => {
    finished = true;
    page = [];
    return DONE;
  };

  // Reads until there is something to hand over: an event, the caught-up signal, or the end.
  async function fill(): Promise<IteratorResult<SubscriptionItem<D, M>, undefined>> {
    if (initError !== undefined) {
      finished = true;
      throw initError;
    }
    while (!stopped) {
      if (pageIndex < page.length) return { done: false, value: { kind: 'event', event: page[pageIndex++] as RecordedEvent<D, M> } };
      const state = source.state();
      if (state === 'closed') return finish();
      if (state instanceof Error) {
        finish();
        throw state;
      }
      const head = source.head();
      if (cursor < head) {
        const ahead = prefetched;
        prefetched = undefined;
        let scan: ScanPage | Promise<ScanPage>;
        if (ahead !== undefined && ahead.from === cursor) scan = ahead.page;
        else {
          scan = source.scanAll(cursor, 'forwards', PAGE_SIZE, match, head);
          readsFromDisk = scan instanceof Promise;
        }
        const next = await scan;
        page = next.events;
        pageIndex = 0;
        cursor = next.last;
        // While the consumer works through this page, the next one is read from disk (a catch-up would
        // otherwise wait for the disk between pages). A source that answers at once is not read ahead.
        if (readsFromDisk && cursor < head && !stopped) {
          const read = Promise.resolve(source.scanAll(cursor, 'forwards', PAGE_SIZE, match, head));
          read.catch(() => undefined); // awaited (and its error thrown) when used; never unhandled
          prefetched = { from: cursor, page: read };
        }
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        return { done: false, value: { kind: 'caught-up', position: cursor === 0 ? undefined : BigInt(cursor) } };
      }
      await waitForMore();
    }
    return finish();
  }

  const next = (): Promise<IteratorResult<SubscriptionItem<D, M>, undefined>> => {
    if (busy !== undefined) return busy.then(next, next);
    if (finished || stopped) return Promise.resolve(finish());
    if (pageIndex < page.length) {
      return Promise.resolve({ done: false, value: { kind: 'event', event: page[pageIndex++] as RecordedEvent<D, M> } });
    }
    const result = fill();
    busy = result;
    const clear = () => {
      if (busy === result) busy = undefined;
    };
    result.then(clear, clear);
    return result;
  };

  const unsubscribe = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    wake?.();
    await busy?.catch(() => undefined);
    await prefetched?.page.catch(() => undefined);
    prefetched = undefined;
    finish();
  };
  return subscriptionOf<D, M>(next, unsubscribe);
}

/**
 * An `AllSubscription` over a pull function: the async iterable (whose `return` unsubscribes) and the
 * Observable view share the same `next`, so an adapter only writes how to get the next item and how to stop.
 */
export function subscriptionOf<D, M>(
  next: () => Promise<IteratorResult<SubscriptionItem<D, M>, void | undefined>>,
  unsubscribe: () => Promise<void>,
): AllSubscription<D, M> {
  const iterator: AsyncIterator<SubscriptionItem<D, M>> & AsyncIterable<SubscriptionItem<D, M>> = {
    next,
    return: async () => {
      await unsubscribe();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    [Symbol.asyncIterator]: () => iterator,
    unsubscribe,
    asObservable: () =>
      new Observable<SubscriptionItem<D, M>>((subscriber) => {
        void (async () => {
          try {
            for (;;) {
              const result = await next();
              if (result.done || subscriber.closed) break;
              subscriber.next(result.value);
            }
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        })();
        return () => {
          void unsubscribe();
        };
      }),
  };
}
