// Scratch: the memory bench's store of argv[3] events in argv[2].
import { fillFileStore } from '../src/harness/index.js';
const events = Number(process.argv[3]);
const customers = Math.round(events / 50);
const r = await fillFileStore(process.argv[2]!, { seed: 7, events, customers, tenants: 1, startSpreadMs: customers * 3_600_000 });
console.log(JSON.stringify(r));
