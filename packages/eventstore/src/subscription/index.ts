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
import { PAGE_SIZE, type LogSource } from '../reading/index.js';
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

  async function* run(): AsyncGenerator<SubscriptionItem<D, M>, void, undefined> {
    if (initError !== undefined) throw initError;
    let caughtUp = false;
    while (!stopped) {
      const state = source.state();
      if (state === 'closed') return;
      if (state instanceof Error) throw state;
      const head = source.head();
      if (cursor < head) {
        const page = await source.scanAll(cursor, 'forwards', PAGE_SIZE, match, head);
        for (const event of page.events) {
          if (stopped) return;
          yield { kind: 'event', event: event as RecordedEvent<D, M> };
        }
        cursor = page.last;
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught-up', position: cursor === 0 ? undefined : BigInt(cursor) };
        continue;
      }
      await waitForMore();
    }
  }

  const generator = run();
  const unsubscribe = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    wake?.();
    await generator.return(undefined);
  };
  const iterator: AsyncIterator<SubscriptionItem<D, M>> & AsyncIterable<SubscriptionItem<D, M>> = {
    next: () => generator.next(),
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
              const result = await generator.next();
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
