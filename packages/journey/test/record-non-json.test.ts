// record() given a host's object that is not JSON (found by the fuzzing campaign, issue 22): a field the
// catalog does not know that refers to itself, or nests deeper than JSON content is hashed. The call is
// rejected with a ValidationError saying so, as any invalid event, and the store holds nothing of it; before,
// the content hash overflowed the stack and record() threw a RangeError.
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { ValidationError } from '@omnitrail/events';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine } from '../src/index.js';

const event = (id: string) => ({
  id,
  type: 'MessageReceived',
  tenantId: 'acme',
  occurredAt: '2024-03-01T10:00:00Z',
  customerId: 'c1',
  channel: 'email',
  actor: { kind: 'customer' },
  data: { text: 'hello' },
});

async function storedIds(store: EventStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.readAll()) ids.push(e.id);
  return ids;
}

describe('record() with input that is not JSON', () => {
  it('rejects an event whose unknown field refers to itself, naming it, and stores nothing of the batch', async () => {
    const store = createInMemoryEventStore();
    const engine = createJourneyEngine({ store });
    await engine.record(event('e-1') as never);
    const cyclic: Record<string, unknown> = event('e-3');
    cyclic.context = { back: cyclic };
    const error = await engine.recordUnknown([event('e-2'), cyclic]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: '[1]', message: 'the event is not JSON content: nested deeper than 256 levels, or refers to itself' }]);
    expect(await storedIds(store)).toEqual(['e-1']);
    // The engine goes on recording.
    expect((await engine.record(event('e-2') as never)).recorded).toBe(1);
    expect(await storedIds(store)).toEqual(['e-1', 'e-2']);
    await engine.close();
  });

  it('rejects an event with a field nested 300 levels deep', async () => {
    const engine = createJourneyEngine();
    let deep: unknown = 'x';
    for (let i = 0; i < 300; i++) deep = [deep];
    const error = await engine.recordUnknown({ ...event('e-1'), context: deep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]!.path).toBe('');
    expect(engine.fold('acme')).toBeUndefined();
    await engine.close();
  });
});
