/**
 * The fake EventStoreDB server of `pnpm bench -- esdb`, run as a child process (so its log's memory and CPU
 * are not the measured adapter's): fills the log with `OMNITRAIL_BENCH_ESDB_EVENTS` journey-like events of
 * the storage workload (written into the log directly, not over the network), listens, and prints
 * `listening <port>` on stdout. It runs until killed.
 */
import { randomUUID } from 'node:crypto';
import { createFakeLog, startFakeEventStoreDb } from '@omnitrail/eventstore-esdb';
import { generateLines, parseOps } from '../store-workload/index.js';

const events = Number(process.env.OMNITRAIL_BENCH_ESDB_EVENTS ?? 0);
const log = createFakeLog();
const chunk = 10_000;
for (let done = 0; done < events; done += chunk) {
  const ops = parseOps(generateLines(Math.min(chunk, events - done), done + 1, `esdb-${done}-`));
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    // The bytes the adapter would send: JSON data, the port id in metadata (workload ids are not UUIDs).
    log.append(op.stream, { kind: 'any' }, [
      {
        id: randomUUID(),
        type: op.event.type,
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(op.event.data)),
        metadata: Buffer.from(JSON.stringify({ $omnitrail: { id: op.event.id } })),
      },
    ]);
  }
}
const server = await startFakeEventStoreDb({ log });
process.stdout.write(`listening ${server.port}\n`);
