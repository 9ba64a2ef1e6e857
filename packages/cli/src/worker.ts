/**
 * The parse worker: JSON-parses and validates blocks of NDJSON lines off the main thread, which keeps
 * the main thread free for de-duplication and the fold. Built as its own entry (dist/worker.js).
 */
import { parentPort } from 'node:worker_threads';
import { parseBlockAsJson } from './replay/parse.js';

parentPort?.on('message', (message: { seq: number; bytes: Uint8Array; firstLine: number }) => {
  const result = parseBlockAsJson(message.bytes, message.firstLine);
  parentPort!.postMessage({ seq: message.seq, result });
});
