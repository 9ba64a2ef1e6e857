/** Checks of a log written by test/fixtures/writer.ts after crashes: what was acknowledged is there, whole, in order. */
import { expect } from 'vitest';
import type { RecordedEvent } from '@omnitrail/eventstore';

/** One acknowledged batch, as the writer fixture prints it. */
export interface AckedBatch {
  stream: string;
  batch: string;
  size: number;
  position: string;
  revision: string;
}

interface BatchData {
  batch: string;
  size: number;
  i: number;
}

/**
 * Every acknowledged batch is stored whole, with the acknowledged revision and position; every stored batch
 * is whole (nothing of an unacknowledged batch is half there); each stream's revisions are 0..n-1 with
 * positions increasing along them; `$all` is in strictly increasing position order. Returns the number of
 * stored batches that were never acknowledged (their commit raced the kill).
 */
export function checkCrashLog(all: readonly RecordedEvent[], acked: readonly AckedBatch[]): { unacknowledgedButStored: number } {
  for (let i = 1; i < all.length; i++) expect(all[i]!.position > all[i - 1]!.position, `position order at ${i}`).toBe(true);
  const byStream = new Map<string, RecordedEvent[]>();
  for (const e of all) {
    const list = byStream.get(e.streamName) ?? [];
    list.push(e);
    byStream.set(e.streamName, list);
  }
  for (const [stream, events] of byStream) {
    events.forEach((e, r) => {
      expect(e.revision, `${stream} revision ${r}`).toBe(BigInt(r));
      if (r > 0) expect(e.position > events[r - 1]!.position, `${stream} positions follow revisions`).toBe(true);
    });
  }
  const batches = new Map<string, RecordedEvent[]>();
  for (const e of all) {
    const { batch } = e.data as BatchData;
    const list = batches.get(batch) ?? [];
    list.push(e);
    batches.set(batch, list);
  }
  for (const [batch, events] of batches) {
    const { size } = events[0]!.data as BatchData;
    expect(events.length, `batch ${batch} is whole`).toBe(size);
    events.forEach((e, i) => {
      expect((e.data as BatchData).i, `batch ${batch} in order`).toBe(i);
      expect(e.streamName).toBe(events[0]!.streamName);
      expect(e.revision).toBe(events[0]!.revision + BigInt(i));
    });
  }
  const ackedBatches = new Set<string>();
  for (const a of acked) {
    ackedBatches.add(a.batch);
    const events = batches.get(a.batch);
    expect(events, `acknowledged batch ${a.batch} is stored`).toBeDefined();
    expect(events!.length).toBe(a.size);
    const last = events![events!.length - 1]!;
    expect(last.streamName).toBe(a.stream);
    expect(last.position.toString()).toBe(a.position);
    expect(last.revision.toString()).toBe(a.revision);
  }
  return { unacknowledgedButStored: [...batches.keys()].filter((b) => !ackedBatches.has(b)).length };
}
