// Scratch: the longest event-loop stall while the file store writes (twice) and reads a 108 MB document.
import { openFileEventStore } from '@omnitrail/eventstore';
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const big = new Uint8Array(108 << 20);
for (let i = 0; i < big.length; i += 997) big[i] = i % 251;
async function stall(fn: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const t = performance.now();
  await fn();
  clearInterval(timer);
  return Math.round(Math.max(worst, 0)) + 0 * (performance.now() - t);
}
const v = await store.documents.read('stall-test');
console.log('write (new or over)', await stall(() => store.documents.write('stall-test', big, { expectedVersion: v?.version ?? 'absent' })), 'ms');
const w = await store.documents.read('stall-test');
console.log('write over', await stall(() => store.documents.write('stall-test', big, { expectedVersion: w!.version })), 'ms');
console.log('read', await stall(() => store.documents.read('stall-test')), 'ms');
await store.close();
