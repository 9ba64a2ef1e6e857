import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { StoreClosedError, type RecordedEvent } from '@omnitrail/eventstore';
import type { LogSource } from '../src/reading/index.js';
import { createAllSubscription } from '../src/subscription/index.js';

const event = (position: number): RecordedEvent => ({
  id: `e${position}`,
  type: 'T',
  data: null,
  metadata: undefined,
  streamName: 's',
  revision: BigInt(position - 1),
  position: BigInt(position),
  recordedAt: new Date(0).toISOString(),
});

/** A log of `head` events whose reads fail from position `failAfter` on, with the given error. */
function failingSource(head: number, failAfter: number, error: Error): LogSource {
  return {
    head: () => head,
    state: () => 'open',
    scanAll(cursor, _direction, limit) {
      if (cursor >= failAfter) return Promise.reject(error);
      const events: RecordedEvent[] = [];
      for (let p = cursor + 1; p <= Math.min(head, failAfter, cursor + limit); p++) events.push(event(p));
      return { events, last: events.length > 0 ? Number(events.at(-1)!.position) : cursor };
    },
    streamLength: () => 0,
    readStreamPage: () => [],
    onChange: () => () => {},
  };
}

describe('subscriptions end with the store error', () => {
  it('as an async iterable: the delivered events, then the rejection', async () => {
    const failure = new StoreClosedError(new Error('EIO: disk on fire'));
    const sub = createAllSubscription(failingSource(10, 3, failure));
    const seen: bigint[] = [];
    const error = await (async () => {
      for await (const item of sub) if (item.kind === 'event') seen.push(item.event.position);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1n, 2n, 3n]);
    expect(error).toBe(failure);
    expect((error as StoreClosedError).code).toBe('STORE_CLOSED');
  });

  it('as an Observable: error notification with the same error', async () => {
    const failure = new Error('read failed');
    const sub = createAllSubscription(failingSource(5, 0, failure));
    await expect(firstValueFrom(sub.asObservable().pipe(toArray()))).rejects.toBe(failure);
  });

  it('invalid options reject the first next()', async () => {
    const sub = createAllSubscription(failingSource(0, 0, new Error('unused')), { from: -1n });
    await expect(sub[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
