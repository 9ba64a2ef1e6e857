// The NDJSON reader whatever the sizes of the chunks its input arrives in (found by the fuzzing campaign,
// issue 22): a byte-order mark split over the first chunks used to stay in the first line, which was then
// rejected as invalid JSON.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseBlock, readLineBlocks } from '../src/internal.js';

const line = (id: string) => JSON.stringify({ id, type: 'CaseClosed', tenantId: 't', occurredAt: '2024-03-01T10:00:00Z', customerId: 'c', caseId: 'k', actor: { kind: 'agent' }, data: {} });

async function idsRead(bytes: Buffer, chunkSize: number): Promise<{ ids: string[]; rejected: number }> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  const ids: string[] = [];
  let rejected = 0;
  for await (const block of readLineBlocks({ stream: Readable.from(chunks) }, { blockBytes: 64 })) {
    const parsed = parseBlock(block.bytes, block.firstLine);
    ids.push(...parsed.events.map((e) => e.id));
    rejected += parsed.rejected.length;
  }
  return { ids, rejected };
}

describe('NDJSON reader: chunks of any size', () => {
  it.each([1, 2, 3, 5, 64, 4096])('drops a byte-order mark and reads every line with chunks of %i bytes', async (chunkSize) => {
    const bytes = Buffer.from(`\ufeff${line('a')}\r\n${line('b')}\n\n${line('c')}`, 'utf8');
    expect(await idsRead(bytes, chunkSize)).toEqual({ ids: ['a', 'b', 'c'], rejected: 0 });
  });

  it('reads a document shorter than a byte-order mark', async () => {
    expect(await idsRead(Buffer.from('{}'), 1)).toEqual({ ids: [], rejected: 1 });
  });
});
