import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore, type EventToAppend } from '@omnitrail/eventstore';
import { generateLines } from './store-workload/index.js';
const M = Number(process.argv[2] ?? 1_000_000);
const root = mkdtempSync(join(tmpdir(), 'omnitrail-fastopen-'));
const directory = join(root, 'million');
try {
  let t = performance.now();
  const build = await openFileEventStore({ directory, fsync: 'none' });
  const chunk = 100_000;
  for (let c = 0; c < M; c += chunk) {
    const w = generateLines(chunk, 1000 + c, `M${c}-`);
    for (let i = 0; i < chunk; i += 10) {
      const events = [];
      for (let k = i; k < i + 10; k++) events.push(JSON.parse(w.lines[k]!) as EventToAppend);
      await build.appendToStream(w.streams[i]!, events);
    }
  }
  const tc = performance.now();
  await build.close();
  console.log('build', ((performance.now() - t) / 1000).toFixed(1), 's; close', ((performance.now() - tc) / 1000).toFixed(3), 's; index', statSync(join(directory, 'index.bin')).size);
  for (let r = 0; r < 4; r++) {
    for (const ignoreIndex of [false, true]) {
      t = performance.now();
      const s = await openFileEventStore({ directory, ignoreIndex });
      const sec = (performance.now() - t) / 1000;
      console.log(ignoreIndex ? 'scan ' : 'index', sec.toFixed(3), s.recovery.index, s.recovery.scannedRecords, s.recovery.events);
      await s.close();
    }
  }
  const s = await openFileEventStore({ directory });
  t = performance.now();
  let n = 0;
  for await (const e of s.readAll()) n++;
  console.log('readAll after index open', n, ((performance.now() - t) / 1000).toFixed(2));
  t = performance.now();
  n = 0;
  for await (const e of s.readAll()) n++;
  console.log('readAll again (verified)', n, ((performance.now() - t) / 1000).toFixed(2));
  await s.close();
  const s2 = await openFileEventStore({ directory, ignoreIndex: true });
  t = performance.now();
  n = 0;
  for await (const e of s2.readAll()) n++;
  console.log('readAll after scan open', n, ((performance.now() - t) / 1000).toFixed(2));
  await s2.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
