import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RawEvent } from '../journey/types.js';

/**
 * Serialises events as NDJSON, yielding chunks of about `chunkBytes` characters (one `JSON.stringify` per
 * line, newline-terminated), so a million events stream without building one big string.
 */
export function* toNdjson(events: Iterable<RawEvent>, chunkBytes = 1 << 16): Generator<string, void, undefined> {
  let chunk = '';
  for (const e of events) {
    chunk += JSON.stringify(e) + '\n';
    if (chunk.length >= chunkBytes) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Writes a workload (or any events) to an NDJSON file, honouring back-pressure. Resolves to the counts written. */
export async function writeNdjsonFile(path: string, events: Iterable<RawEvent>): Promise<{ events: number; bytes: number }> {
  const out = createWriteStream(path);
  let count = 0;
  let bytes = 0;
  const counted = (function* () {
    for (const e of events) {
      count++;
      yield e;
    }
  })();
  try {
    for (const chunk of toNdjson(counted)) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return { events: count, bytes };
}
