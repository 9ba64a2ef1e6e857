// Two copies of @omnitrail/eventstore in one process (an ESM engine given a CJS-loaded store, or a bundle
// that duplicates the package): the engine must recognise the store's errors by their stable code, since
// `instanceof` fails across copies. The store here is the built CommonJS package, loaded with require; the
// engine is the ESM source with its own copy of the store package.
import { createRequire } from 'node:module';
import { WrongExpectedRevisionError } from '@omnitrail/eventstore';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine } from '../src/index.js';

const require = createRequire(import.meta.url);

describe('an engine given a store from another copy of @omnitrail/eventstore', () => {
  it('retries after a moved stream and reports duplicate ids, matching errors by code (require store, import engine)', async () => {
    const cjs = require('@omnitrail/eventstore') as typeof import('@omnitrail/eventstore');
    const store = cjs.createInMemoryEventStore();
    // Two copies indeed: the CommonJS class is not the one the engine's own import sees.
    const probe = await store.appendToStream('probe', [{ id: 'p1', type: 'T', data: {} }], { expectedRevision: 5n }).catch((e: unknown) => e);
    expect(probe).toBeInstanceOf(cjs.WrongExpectedRevisionError);
    expect(probe).not.toBeInstanceOf(WrongExpectedRevisionError);

    const event = (id: string, minute: number) => ({
      id,
      type: 'MessageReceived',
      tenantId: 'acme',
      occurredAt: new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString(),
      customerId: 'ann',
      channel: 'email',
      caseId: 'k1',
      actor: { kind: 'customer' },
      data: { text: 'hello' },
    });
    const first = createJourneyEngine({ store, clock: () => Date.UTC(2024, 2, 2) });
    await first.recordUnknown(event('e1', 1));
    await first.close();
    // A restarted engine does not know the stream's revision: its first append to ann's stream expects
    // nothing. Then another writer moves the stream: the engine's next append is stated against the revision
    // it saw, the store answers with its own WrongExpectedRevisionError, and the engine retries.
    const second = createJourneyEngine({ store, clock: () => Date.UTC(2024, 2, 2) });
    await second.ready();
    expect((await second.recordUnknown(event('e2', 2))).recorded).toBe(1);
    const streams = new Set<string>();
    for await (const stored of store.readAll()) streams.add(stored.streamName);
    const annStream = [...streams].find((name) => name.includes('ann'))!;
    await store.appendToStream(annStream, [{ id: 'other-writer', type: 'Note', data: {} }]);
    const result = await second.recordUnknown(event('e4', 4));
    expect(result.recorded).toBe(1);
    const ids: string[] = [];
    for await (const stored of store.readStream(annStream)) ids.push(stored.id);
    expect(ids).toEqual(['e1', 'e2', 'other-writer', 'e4']);
    expect(second.report('acme', { asOf: Date.UTC(2024, 2, 2) }).customers.count).toBe(1);
    // An id already stored in another stream: the store's DuplicateEventIdError becomes the engine's
    // validation error naming the id, whichever copy threw it.
    await store.appendToStream('elsewhere', [{ id: 'e3', type: 'Other', data: {} }]);
    await expect(second.recordUnknown(event('e3', 3))).rejects.toThrow(/"e3" is already recorded in another stream/);
    await second.close();
  });
});
