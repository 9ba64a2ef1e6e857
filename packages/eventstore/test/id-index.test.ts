import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore, openFileEventStore, type EventStore } from '@omnitrail/eventstore';
import { createIdIndex, hashBytes, hashString } from '../src/id-index/index.js';

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
