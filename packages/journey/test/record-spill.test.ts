// The record spill (src/live/record-spill): settled records' bytes in a file of the engine's own, read back
// exactly, their segments compacted once the objects that referred to them are collected, the files removed
// while open, and a spill that cannot write saying why. The engine's side (reports equal with records
// spilled, snapshots written from them) is in engine-memory.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordSpill, type SpillEntry } from '../src/live/record-spill/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until the finalizers have run (they run in a task after a collection). */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
}

function bytesOf(seed: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spill-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('record spill', () => {
  it('reads back every entry exactly, from the unflushed tail and from the files, across segments', () => {
    const spill = createRecordSpill({ directory: dir }, { segmentBytes: 10_000, tailBytes: 1_000 });
    const holders: object[] = [];
    const entries: SpillEntry[] = [];
    for (let i = 0; i < 300; i++) {
      const holder = {};
      holders.push(holder);
      // Some larger than the tail, which then grows.
      entries.push(spill.write(bytesOf(i, i % 50 === 0 ? 2_500 : 10 + (i % 90)), holder)!);
      // Read back at once (from the tail) and an earlier one (from a file).
      expect(Buffer.from(spill.read(entries[i]!)).equals(bytesOf(i, entries[i]!.length))).toBe(true);
      const j = (i * 7) % (i + 1);
      expect(Buffer.from(spill.read(entries[j]!)).equals(bytesOf(j, entries[j]!.length))).toBe(true);
    }
    for (let i = 0; i < 300; i++) expect(Buffer.from(spill.read(entries[i]!)).equals(bytesOf(i, entries[i]!.length))).toBe(true);
    const stats = spill.stats();
    expect(stats.entries).toBe(300);
    expect(stats.liveBytes).toBe(entries.reduce((n, e) => n + e.length, 0));
    expect(stats.fileBytes).toBe(stats.liveBytes);
    expect(stats.reads).toBe(900);
    expect(stats.error).toBeNull();
    // The segments were unlinked as soon as they were opened: nothing in the directory.
    expect(readdirSync(dir)).toEqual([]);
    spill.close();
    expect(() => spill.read(entries[0]!)).toThrow(/engine is closed/);
    expect(holders.length).toBe(300);
  });

  it('compacts a segment once most of its entries are dead, and the live ones read the same', async () => {
    const spill = createRecordSpill({ directory: dir }, { segmentBytes: 4_000, tailBytes: 512 });
    let holders: (object | undefined)[] = [];
    const entries: SpillEntry[] = [];
    // In a function of its own, so that no stack slot keeps the last holder alive.
    (() => {
      for (let i = 0; i < 100; i++) {
        const holder = {};
        holders.push(holder);
        entries.push(spill.write(bytesOf(i, 100), holder)!);
      }
    })();
    const before = spill.stats();
    expect(before.fileBytes).toBe(10_000);
    // All but every tenth die.
    holders = holders.map((h, i) => (i % 10 === 0 ? h : undefined));
    await collect();
    const after = spill.stats();
    expect(after.entries).toBe(10);
    expect(after.liveBytes).toBe(1_000);
    // The next write compacts the closed segments mostly dead.
    const last = {};
    spill.write(bytesOf(999, 100), last);
    const compacted = spill.stats();
    expect(compacted.compactions).toBeGreaterThanOrEqual(2);
    expect(compacted.fileBytes).toBeLessThan(before.fileBytes / 2);
    for (let i = 0; i < 100; i += 10) expect(Buffer.from(spill.read(entries[i]!)).equals(bytesOf(i, 100))).toBe(true);
    expect(holders.filter(Boolean).length + (last ? 1 : 0)).toBe(11);
    spill.close();
  });

  it('says why it cannot write, and takes nothing more', () => {
    const spill = createRecordSpill({ directory: join(dir, 'missing') });
    expect(spill.write(bytesOf(1, 10), {})).toBeUndefined();
    const stats = spill.stats();
    expect(stats.error).toMatch(/could not write to the record spill in .*missing: ENOENT/);
    expect(stats.entries).toBe(0);
    expect(spill.write(bytesOf(1, 10), {})).toBeUndefined();
    spill.close();
  });
});
