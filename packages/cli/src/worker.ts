/**
 * The replay's worker thread, built as its own entry (dist/worker.js). As a parse worker it JSON-parses
 * and validates blocks of NDJSON lines off the main thread; as a shard worker (messages with a `type`) it
 * also keeps its events and folds its share of the customers (see replay/shard-worker.ts).
 */
import { parentPort } from 'node:worker_threads';
import { parseBlockAsJson } from './replay/parse.js';
import { createShardWorkerState, handleShardRequest, type ShardRequest } from './replay/shard-worker.js';

const shard = createShardWorkerState();

parentPort?.on('message', (message: ShardRequest | { type?: undefined; seq: number; bytes: Uint8Array; firstLine: number }) => {
  if (message.type === undefined) {
    const result = parseBlockAsJson(message.bytes, message.firstLine);
    parentPort!.postMessage({ seq: message.seq, result });
    return;
  }
  try {
    const { reply, transfer } = handleShardRequest(shard, message);
    parentPort!.postMessage({ reply }, transfer);
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
