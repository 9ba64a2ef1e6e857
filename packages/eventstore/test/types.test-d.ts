import { describe, expectTypeOf, it } from 'vitest';
import { createInMemoryEventStore, type AppendResult, type EventStore, type EventToAppend, type ExpectedRevision, type InMemoryEventStoreOptions, type RecordedEvent, type StreamAppend } from '../src/index.js';
import { appendEachStream } from '../src/adapter.js';

describe('public types of @omnitrail/eventstore', () => {
  it('appendToStream and appendToStreams', () => {
    const store: EventStore = createInMemoryEventStore();
    expectTypeOf(store.appendToStream('s', [{ id: 'a', type: 'T', data: { n: 1 } }])).toEqualTypeOf<Promise<AppendResult>>();
    expectTypeOf(store.appendToStreams([{ streamName: 's', events: [{ id: 'a', type: 'T', data: 1 }] }])).toEqualTypeOf<Promise<PromiseSettledResult<AppendResult>[]>>();
    expectTypeOf<StreamAppend<{ n: number }>['events']>().toEqualTypeOf<readonly EventToAppend<{ n: number }, unknown>[]>();
    expectTypeOf<StreamAppend['expectedRevision']>().toEqualTypeOf<ExpectedRevision | undefined>();
    expectTypeOf<AppendResult>().toEqualTypeOf<{ nextExpectedRevision: bigint; position: bigint }>();
    // An adapter without a multi-stream append builds it from its own appendToStream.
    expectTypeOf(appendEachStream(store.appendToStream, [])).toEqualTypeOf<Promise<PromiseSettledResult<AppendResult>[]>>();
  });

  it('recorded events and in-memory options', () => {
    expectTypeOf<RecordedEvent['position']>().toEqualTypeOf<bigint>();
    expectTypeOf<RecordedEvent['revision']>().toEqualTypeOf<bigint>();
    expectTypeOf<InMemoryEventStoreOptions['indexIds']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<InMemoryEventStoreOptions['validateData']>().toEqualTypeOf<boolean | undefined>();
  });
});
