// Subscriptions to `$all`: catch-up by paged reads, then a live subscription from the last position seen
// (filtered on the server by stream name), retrying transient failures from that position and telling their
// health.
import { BehaviorSubject, type Observable } from 'rxjs';
import { streamNameFilter, type AllStreamResolvedEvent, type Filter } from '@eventstore/db-client';
import { StoreClosedError, type AllSubscription, type EventFilter, type RecordedEvent, type SubscribeToAllOptions, type SubscriptionItem } from '@omnitrail/eventstore';
import { compileFilter, subscriptionOf, type EventMatcher } from '@omnitrail/eventstore/adapter';
import { CHECKPOINT_STREAM_PREFIX, type StoreContext } from '../context/index.js';
import { DOCUMENT_STREAM_PREFIX } from '../documents/index.js';
import { EventStoreDbError, invalidPositionError, isInvalidPosition, isTransientEventStoreDbFailure } from '../errors/index.js';
import { fromEventStoreDbPosition, toEventStoreDbPosition } from '../positions.js';
import { positionOption, type Page, type RawReads } from '../reads/index.js';

/**
 * The health of an EventStoreDB subscription: `connecting` until the first answer, `catching-up` while it
 * reads history, `live` once caught up, `retrying` after a transient failure (attempt 1, 2... with the last
 * error, until an answer comes), `ended` when unsubscribed, closed, or failed (with the error).
 */
export type EventStoreDbSubscriptionHealth =
  | { state: 'connecting' }
  | { state: 'catching-up'; position: bigint | undefined }
  | { state: 'live'; position: bigint | undefined }
  | { state: 'retrying'; attempt: number; lastError: EventStoreDbError; position: bigint | undefined }
  | { state: 'ended'; error: unknown };

/** A subscription of the EventStoreDB adapter: the port's, with its health. */
export interface EventStoreDbSubscription<D = unknown, M = unknown> extends AllSubscription<D, M> {
  /** The current health first, then every change; completes when the subscription ends. */
  readonly health$: Observable<EventStoreDbSubscriptionHealth>;
  /** The current health. */
  health(): EventStoreDbSubscriptionHealth;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The server-side filter of a live subscription: streams of this store (its prefix) that are neither system
 * streams nor checkpoint streams, and, for a port filter by stream-name prefix, only those. Other port
 * filters (event types, regexes) are applied by the adapter on what the server sends.
 */
function serverStreamFilter(streamPrefix: string, filter: EventFilter | undefined): Filter {
  const own = `^${escapeRegex(streamPrefix)}(?!\\$|${escapeRegex(CHECKPOINT_STREAM_PREFIX)}|${escapeRegex(DOCUMENT_STREAM_PREFIX)})`;
  const prefixes = filter !== undefined && 'streamNamePrefix' in filter ? [filter.streamNamePrefix].flat() : undefined;
  const regex = prefixes === undefined ? own : `${own}(?:${prefixes.map(escapeRegex).join('|')})`;
  return streamNameFilter({ regex });
}

/** The port's `subscribeToAll` over the store of `ctx`, with each subscription's health. */
export function createSubscribeToAll(ctx: StoreContext, raw: RawReads): <D = unknown, M = unknown>(subscribeOptions?: SubscribeToAllOptions) => EventStoreDbSubscription<D, M> {
  const { client, prefix, pageSize, reconnectDelayMs, maxReconnectAttempts, maxReconnectDelayMs, stops, fail, toRecorded } = ctx;
  const { readAllPage, headPosition } = raw;

  function subscribeToAll<D, M>(subscribeOptions: SubscribeToAllOptions = {}): EventStoreDbSubscription<D, M> {
    let initError: unknown;
    let match: EventMatcher | undefined;
    let from: bigint | 'start' | 'end' = 'start';
    try {
      if (ctx.isClosed()) throw new StoreClosedError();
      match = compileFilter(subscribeOptions.filter);
      from = positionOption('from', subscribeOptions.from, 'start');
    } catch (error) {
      initError = error;
    }
    const serverFilter = serverStreamFilter(prefix, initError === undefined ? subscribeOptions.filter : undefined);
    const health = new BehaviorSubject<EventStoreDbSubscriptionHealth>({ state: 'connecting' });
    const setHealth = (next: EventStoreDbSubscriptionHealth) => {
      const current = health.value;
      if (current.state === 'ended') return;
      // A change of state, or another retry; not every position (health is not a progress feed).
      if (current.state === next.state && next.state !== 'retrying') return;
      health.next(next);
    };

    let stopped = false;
    let signalStop: () => void = () => undefined;
    const stopSignal = new Promise<'stop'>((resolve) => {
      signalStop = () => resolve('stop');
    });
    const stop = () => {
      stopped = true;
      signalStop();
    };
    stops.add(stop);

    // A transient failure: wait (capped backoff, cut short by a stop) and let the caller retry from its
    // cursor; anything else, or one failure too many, ends the subscription.
    let failures = 0;
    const retryAfter = async (error: unknown, cursor: bigint | undefined): Promise<void> => {
      if (ctx.isClosed()) throw new StoreClosedError();
      if (!isTransientEventStoreDbFailure(error) || failures + 1 > maxReconnectAttempts) fail('subscribeToAll', error);
      failures++;
      setHealth({ state: 'retrying', attempt: failures, lastError: error instanceof EventStoreDbError ? error : new EventStoreDbError('subscribeToAll', error), position: cursor });
      await Promise.race([delay(Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** (failures - 1))), stopSignal]);
    };

    async function* run(): AsyncGenerator<SubscriptionItem<D, M>, void, undefined> {
      if (initError !== undefined) throw initError;
      let cursor: bigint | undefined;
      // 'end' means "the head when subscribeToAll was called" (resolved eagerly below), retried like the rest.
      for (;;) {
        if (stopped) return;
        try {
          cursor = from === 'end' ? await endPosition! : from === 'start' ? undefined : from;
          break;
        } catch (error) {
          await retryAfter(error, undefined);
          endPosition = headPosition();
          endPosition.catch(() => undefined);
        }
      }
      // Catch-up: pages of $all after the cursor, until a page comes back short.
      for (;;) {
        if (stopped) return;
        let page: Page;
        try {
          page = await readAllPage(cursor, 'forwards', match);
          failures = 0;
          setHealth({ state: 'catching-up', position: cursor });
        } catch (error) {
          if (stopped) return;
          if (isInvalidPosition(error)) throw invalidPositionError('from', from);
          await retryAfter(error, cursor);
          continue;
        }
        for (const event of page.events) {
          if (stopped) return;
          yield { kind: 'event', event: event as RecordedEvent<D, M> };
        }
        if (page.last !== undefined) cursor = page.last;
        if (page.raw < pageSize) break;
      }
      if (stopped) return;
      setHealth({ state: 'live', position: cursor });
      yield { kind: 'caught-up', position: cursor };
      // Live: a subscription from the cursor (exclusive). Its own catch-up covers what was appended since
      // the last page, so nothing is lost at the boundary; positions at or before the cursor are skipped,
      // so nothing is repeated. After a transient failure it resubscribes from the cursor, for as long as
      // the store is open (unless maxReconnectAttempts says otherwise).
      for (;;) {
        if (stopped) return;
        // Filtered on the server: other prefixes, system and checkpoint streams never cross the network.
        const subscription = client.subscribeToAll({ fromPosition: cursor === undefined ? 'start' : toEventStoreDbPosition(cursor), filter: serverFilter });
        subscription.on('confirmation', () => {
          // Answered again after a failure: connected, catching up until the server says caughtUp.
          if (health.value.state === 'retrying') setHealth({ state: 'catching-up', position: cursor });
          failures = 0;
        });
        subscription.on('caughtUp', () => setHealth({ state: 'live', position: cursor }));
        subscription.on('fellBehind', () => setHealth({ state: 'catching-up', position: cursor }));
        const iterator = subscription[Symbol.asyncIterator]() as AsyncIterator<AllStreamResolvedEvent>;
        try {
          for (;;) {
            const next = await Promise.race([iterator.next(), stopSignal]);
            if (next === 'stop' || stopped) return;
            if (next.done) throw Object.assign(new Error('The subscription ended'), { type: 'cancelled' });
            failures = 0;
            const resolved = next.value;
            const p = resolved.event?.position === undefined ? undefined : fromEventStoreDbPosition(resolved.event.position);
            if (p === undefined || (cursor !== undefined && p <= cursor)) continue;
            cursor = p;
            const event = toRecorded(resolved);
            if (event !== undefined && (match === undefined || match(event.streamName, event.type))) {
              yield { kind: 'event', event: event as RecordedEvent<D, M> };
            }
          }
        } catch (error) {
          if (stopped) return;
          await retryAfter(error, cursor);
        } finally {
          void subscription.unsubscribe().catch(() => undefined);
          subscription.destroy();
        }
      }
    }

    // 'end' means "after this call": resolve it now, not when iteration starts.
    let endPosition = initError === undefined && from === 'end' ? headPosition() : undefined;
    endPosition?.catch(() => undefined);
    const end = (error: unknown) => {
      if (health.value.state !== 'ended') health.next({ state: 'ended', error });
      health.complete();
    };
    async function* tracked(): AsyncGenerator<SubscriptionItem<D, M>, void, undefined> {
      try {
        yield* run();
      } catch (error) {
        end(error);
        throw error;
      } finally {
        stops.delete(stop);
        end(undefined);
      }
    }
    const generator = tracked();
    const unsubscribe = async (): Promise<void> => {
      if (stopped) return;
      stop();
      await generator.return(undefined);
      stops.delete(stop);
      end(undefined); // also when iteration never started, so the generator's finally never ran
    };
    const subscription = subscriptionOf<D, M>(() => generator.next(), unsubscribe);
    return Object.assign(subscription, { health$: health.asObservable(), health: () => health.value });
  }

  return subscribeToAll;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
