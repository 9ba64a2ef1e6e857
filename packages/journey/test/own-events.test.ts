import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOwnEventQueue } from '../src/live/own-events.js';

describe('own event queue', () => {
  it('recognises ids handed back in append order, and nothing else', () => {
    const queue = createOwnEventQueue();
    queue.expect(['a', 'b', 'c']);
    expect(queue.take('a')).toBe(true);
    expect(queue.take('x')).toBe(false); // another writer's event
    expect(queue.take('b')).toBe(true);
    expect(queue.take('b')).toBe(false); // taken once only
    expect(queue.size).toBe(1);
    expect(queue.take('c')).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('forgets the ids of a failed append', () => {
    const queue = createOwnEventQueue();
    queue.expect(['a', 'b', 'c', 'd']);
    queue.take('a');
    queue.forget(new Set(['c']));
    expect(queue.take('c')).toBe(false);
    expect([queue.take('b'), queue.take('d')]).toEqual([true, true]);
    expect(queue.size).toBe(0);
  });

  it('takes exactly the expected ids whatever the order they come back in, across compactions (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3000 }),
        fc.uniqueArray(fc.string({ minLength: 5, maxLength: 6 }), { maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ids, foreign, disorder) => {
          const queue = createOwnEventQueue();
          queue.expect(ids);
          // Mostly in order, with a share of neighbours swapped (retried or interleaved appends).
          const arrival = [...ids];
          for (let i = 0; i + 1 < arrival.length; i += 2) if ((i * 7919) % 100 < disorder * 100) [arrival[i], arrival[i + 1]] = [arrival[i + 1]!, arrival[i]!];
          const mixed = arrival.flatMap((id, i) => (i < foreign.length ? [foreign[i]!, id] : [id]));
          const taken = mixed.filter((id) => queue.take(id));
          expect(taken.sort()).toEqual([...ids].sort());
          expect(queue.size).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
