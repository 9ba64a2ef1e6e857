import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openFileEventStore, type EventToAppend } from '@omnitrail/eventstore';
import { createIdIndex } from '@omnitrail/eventstore/adapter';
import { decodeIndex } from '../../eventstore/src/file/index-file.js';
import { crc32 } from '../../eventstore/src/file/format.js';
import { generateLines } from './store-workload/index.js';
const root = mkdtempSync(join(tmpdir(), 'omnitrail-fastopen-'));
const directory = join(root, 'm');
const M = 1_000_000;
const build = await openFileEventStore({ directory, fsync: 'none' });
for (let c = 0; c < M; c += 100_000) {
  const w = generateLines(100_000, 1000 + c, `M${c}-`);
  for (let i = 0; i < 100_000; i += 10) {
    const events = [];
    for (let k = i; k < i + 10; k++) events.push(JSON.parse(w.lines[k]!) as EventToAppend);
    await build.appendToStream(w.streams[i]!, events);
  }
}
await build.close();
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  const lap = (what: string) => { const n = performance.now(); console.log(what, (n - t).toFixed(1)); t = n; };
  const buf = readFileSync(join(directory, 'index.bin')); lap('read');
  crc32(buf.subarray(12)); lap('crc');
  const d = decodeIndex(buf); if (typeof d === 'string') throw new Error(d); lap('decode (crc again)');
  const a = new Uint32Array(1 << 21); a.set(d.segmentOf, 1); const b = new Uint32Array(1 << 21); b.set(d.offsetOf, 1); lap('2 columns');
  const lists: number[][] = Array.from({ length: d.streams.length }, () => []);
  for (let p = 1; p <= d.events; p++) lists[d.streamOf[p - 1]!]!.push(p); lap('positions');
  const idx = createIdIndex(2 * d.events + 2);
  for (let p = 1; p <= d.events; p++) idx.add(d.idHashOf[p - 1]!, p); lap('id index');
  const names = d.streams.map((s) => Buffer.from(s)); lap(`stream names ${d.streams.length}`);
  t = performance.now();
  const s = await openFileEventStore({ directory, readOnly: true }); lap('whole open');
  await s.close();
}
rmSync(root, { recursive: true, force: true });
