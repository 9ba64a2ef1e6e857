import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore, openFileEventStore, type EventStore } from '@omnitrail/eventstore';
import { createIdIndex, hashBytes, hashString, restoreIdIndex, type IdIndex } from '../src/id-index/index.js';

// Two ids whose 32-bit FNV-1a hashes collide: the stores must still tell them apart.
const A = 'id-149599';
const B = 'id-312382';

describe('id index', () => {
  it('hashes a string like its UTF-8 bytes, ASCII or not', () => {
    for (const s of ['plain-id', 'café-✓-𝄞', '']) {
      const bytes = Buffer.from(s, 'utf8');
      expect(hashString(s)).toBe(hashBytes(bytes, 0, bytes.length));
    }
    expect(hashString(A)).toBe(hashString(B));
  });

  it('finds every position through growth and confirms hash hits', () => {
    const index = createIdIndex(4);
    const ids = Array.from({ length: 5000 }, (_, i) => `e-${i}`);
    ids.forEach((id, i) => index.add(hashString(id), i + 1));
    expect(index.size).toBe(5000);
    ids.forEach((id, i) => expect(index.find(hashString(id), (p) => ids[p - 1] === id)).toBe(i + 1));
    expect(index.find(hashString('missing'), (p) => ids[p - 1] === 'missing')).toBeUndefined();
  });

  it('property: a snapshot as of a position, restored, finds exactly the positions up to it (colliding hashes included)', () => {
    // Few distinct hashes, so probe runs are long and the deletions of positions above `last` shift entries.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 300 }), fc.nat(300), (hashes, lastRaw) => {
        const index = createIdIndex(16);
        hashes.forEach((h, i) => index.add(h, i + 1));
        const last = lastRaw % (hashes.length + 1);
        const snapshot = index.snapshot(last);
        expect(snapshot.size).toBe(last);
        const restored = restoreIdIndex(snapshot) as IdIndex;
        expect(typeof restored).toBe('object');
        hashes.forEach((h, i) => {
          const p = i + 1;
          expect(restored.find(h, (q) => q === p)).toBe(p <= last ? p : undefined);
          // The live index is untouched by the snapshot.
          expect(index.find(h, (q) => q === p)).toBe(p);
        });
        // It keeps working as an index: adds after the restore are found too.
        restored.add(7, 10_000);
        expect(restored.find(7, (q) => q === 10_000)).toBe(10_000);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to restore a table of the wrong shape or count', () => {
    expect(restoreIdIndex({ table: new Int32Array(30), size: 0 })).toMatch(/not 2 × a power of two/);
    expect(restoreIdIndex({ table: new Int32Array(32), size: 9 })).toMatch(/holds 9 ids in 16 slots/);
  });

  const stores: [string, () => Promise<{ store: EventStore; reopen?: () => Promise<EventStore>; done: () => void }>][] = [
    ['in-memory', async () => ({ store: createInMemoryEventStore(), done: () => {} })],
    [
      'file',
      async () => {
        const directory = mkdtempSync(join(tmpdir(), 'omnitrail-ids-'));
        return {
          store: await openFileEventStore({ directory }),
          reopen: () => openFileEventStore({ directory }),
          done: () => rmSync(directory, { recursive: true, force: true }),
        };
      },
    ],
  ];
  for (const [name, make] of stores) {
    it(`${name}: colliding ids are distinct events, and retries and duplicates are still recognised`, async () => {
      const { store, reopen, done } = await make();
      let s = store;
      try {
        await s.appendToStream('s', [{ id: A, type: 'T', data: 1 }]);
        await s.appendToStream('s', [{ id: B, type: 'T', data: 2 }]);
        if (reopen) {
          await s.close();
          s = await reopen();
        }
        expect(await s.appendToStream('s', [{ id: B, type: 'T', data: 2 }])).toEqual({ nextExpectedRevision: 1n, position: 2n });
        await expect(s.appendToStream('t', [{ id: A, type: 'T', data: 1 }])).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID', ids: [A] });
        const ids: string[] = [];
        for await (const e of s.readAll()) ids.push(e.id);
        expect(ids).toEqual([A, B]);
      } finally {
        await s.close();
        done();
      }
    });
  }
});
