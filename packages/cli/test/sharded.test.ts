import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateWorkload } from '@omnitrail/testing';
import { buildReport, formatReport, readInputs, replayFiles, StrictInputError, type IngestOptions, type ReplayInput, type ReportInstants } from '../src/index.js';
import { replaySharded } from '../src/internal.js';
import { routeLines } from '../src/replay/sharded.js';
import { ev, ndjson, run, tempDir } from './helpers.js';

/** A workload file with every kind of line a replay counts: blank, broken, invalid, duplicate, conflicting. */
function workloadFile(dir: string, name: string, seed: number, events = 3000): string {
  const lines = [...generateWorkload({ seed, customers: 40, events })].map((e) => JSON.stringify(e));
  lines.splice(7, 0, '', 'not json {');
  lines.splice(500, 0, JSON.stringify({ id: 'bad-1', type: 'SurveyAnswered', tenantId: 'tenant-1', occurredAt: '2024-03-01T10:00:00Z', customerId: 'c', data: { kind: 'csat', score: 9 } }));
  // A duplicate of an earlier line, and a line reusing an id with other content.
  lines.splice(1200, 0, lines[20]!, JSON.stringify({ ...JSON.parse(lines[30]!), channel: 'sms' }));
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The single-threaded report of the same inputs. */
async function classic(inputs: ReplayInput[], options: IngestOptions & ReportInstants = {}): Promise<string> {
  const ingest = await readInputs(inputs, { ...options, workers: 0 });
  try {
    return formatReport(buildReport(ingest, options));
  } finally {
    ingest.close();
  }
}

describe('routing lines to shards', () => {
  it('sends every line of a customer to one shard, keeps line numbers and order, and loses no line', () => {
    const lines = [
      JSON.stringify(ev({ id: 'a1', customerId: 'alice' })),
      '',
      JSON.stringify(ev({ id: 'b1', customerId: 'bob' })),
      JSON.stringify(ev({ id: 'a2', customerId: 'alice' })),
      'not json',
      JSON.stringify(ev({ id: 'v1', customerId: undefined, identities: [{ type: 'email', value: 'v@x.io' }] })),
      JSON.stringify(ev({ id: 'a3', customerId: 'alice' })),
    ];
    // No final newline: the input's last line may lack one.
    const parts = routeLines(Buffer.from(lines.join('\n')), 10, 3);
    const seen = parts.flatMap((p) => [...p.lineNumbers]).sort((a, b) => a - b);
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16]);
    for (const part of parts) {
      const texts = Buffer.from(part.bytes).toString('utf8').split('\n').slice(0, -1);
      expect(texts).toEqual([...part.lineNumbers].map((n) => lines[n - 10]));
    }
    const shardOfLine = (n: number) => parts.find((p) => p.lineNumbers.includes(n))!.shard;
    expect(new Set([10, 13, 16].map(shardOfLine)).size).toBe(1);
  });
});

describe('sharded replay', () => {
  it('gives the byte-identical report of a single-threaded replay, with rejections, duplicates and conflicts', async () => {
    const dir = tempDir();
    const path = workloadFile(dir, 'w.ndjson', 5);
    const inputs: ReplayInput[] = [{ kind: 'file', path }];
    const expected = await classic(inputs);
    for (const shards of [2, 3]) {
      const report = await replaySharded(inputs, { shards, blockBytes: 16 * 1024 });
      expect(report).toBeDefined();
      expect(formatReport(report!)).toBe(expected);
    }
    const parsed = JSON.parse(expected) as { input: { duplicates: number; rejected: { line: number }[] } };
    expect(parsed.input.duplicates).toBe(1);
    expect(parsed.input.rejected.map((r) => r.line)).toEqual([9, 501, 1202]);
  });

  it('holds with several files, an as-of instant, a metrics period and one tenant', async () => {
    const dir = tempDir();
    const inputs: ReplayInput[] = [
      { kind: 'file', path: workloadFile(dir, 'a.ndjson', 11, 2000) },
      { kind: 'file', path: workloadFile(dir, 'b.ndjson', 12, 2000) },
    ];
    const asOf = Date.parse('2024-03-15T00:00:00Z');
    for (const instants of [{}, { asOf }, { asOf, from: Date.parse('2024-02-01T00:00:00Z'), to: asOf }, { tenant: 'tenant-1' }]) {
      const report = await replaySharded(inputs, { shards: 2, blockBytes: 16 * 1024, ...instants });
      expect(formatReport(report!)).toBe(await classic(inputs, instants));
    }
  });

  it('stops at the first invalid line under --strict, as a single-threaded replay does', async () => {
    const dir = tempDir();
    const path = workloadFile(dir, 's.ndjson', 7);
    const error = await replaySharded([{ kind: 'file', path }], { shards: 2, strict: true, blockBytes: 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrictInputError);
    const single = await readInputs([{ kind: 'file', path }], { strict: true, workers: 0 }).catch((e: unknown) => e);
    expect((error as StrictInputError).message).toBe((single as StrictInputError).message);
    expect((error as StrictInputError).line).toBe(9);
  });

  it('declines (undefined) past the in-memory limit, for one shard, or for standard input; replayFiles then replays on one thread', async () => {
    const dir = tempDir();
    const path = workloadFile(dir, 'm.ndjson', 8, 500);
    const inputs: ReplayInput[] = [{ kind: 'file', path }];
    const reasons: string[] = [];
    expect(await replaySharded(inputs, { shards: 2, maxEventsInMemory: 100, onFallback: (r) => reasons.push(r) })).toBeUndefined();
    expect(reasons).toEqual(['more than 100 accepted events (--max-events-in-memory)']);
    expect(await replaySharded(inputs, { shards: 1 })).toBeUndefined();
    expect(await replaySharded(inputs, { shards: 2, maxEventsInMemory: 0, onFallback: (r) => reasons.push(r) })).toBeUndefined();
    expect(await replaySharded([...inputs, { kind: 'stdin', stream: Readable.from([]) }], { shards: 2, onFallback: (r) => reasons.push(r) })).toBeUndefined();
    expect(reasons.slice(1)).toEqual(['every event is spilled (--max-events-in-memory 0)', 'standard input can be read only once']);
    // Past the limit: the same report as the single-threaded, spilling replay.
    const spilled = await classic(inputs, { maxEventsInMemory: 100 });
    expect(formatReport(await replayFiles(inputs, { shards: 2, maxEventsInMemory: 100 }))).toBe(spilled);
  });

  it('keeps an identity-only visitor, the customer it becomes and a follow-up case on one shard', async () => {
    const dir = tempDir();
    const at = (h: number) => new Date(Date.UTC(2024, 2, 1, h)).toISOString();
    // Many unrelated customers around them, so the linked events start on different shards.
    const filler = Array.from({ length: 400 }, (_, i) => ev({ id: `f-${i}`, customerId: `filler-${i % 50}`, caseId: `fc-${i % 50}`, occurredAt: at(i % 20) }));
    const linked = [
      ev({ id: 'a1', customerId: 'a', caseId: 'k1', occurredAt: at(1) }),
      ev({ id: 'a2', type: 'CaseClosed', customerId: 'a', caseId: 'k1', occurredAt: at(2), actor: { kind: 'agent', id: 'x' }, data: {} }),
      ev({ id: 'a3', customerId: 'a', caseId: 'k1', occurredAt: at(3) }),
      ev({ id: 'b1', customerId: 'b', caseId: 'a3', occurredAt: at(4) }),
      ev({ id: 'v1', type: 'PageViewed', customerId: undefined, caseId: undefined, channel: undefined, identities: [{ type: 'email', value: 'V@Example.com' }], occurredAt: at(5), data: { url: '/p' } }),
      ev({ id: 'v2', customerId: 'id:email:v@example.com', caseId: undefined, occurredAt: at(6) }),
    ];
    const lines = [...filler.slice(0, 200), linked[0]!, linked[1]!, linked[4]!, ...filler.slice(200), linked[2]!, linked[3]!, linked[5]!];
    const path = join(dir, 'l.ndjson');
    writeFileSync(path, ndjson(lines));
    const inputs: ReplayInput[] = [{ kind: 'file', path }];
    // Blocks of ~2 KB: the linked events are parsed on different shards and must meet on one.
    for (const shards of [2, 3]) expect(formatReport((await replaySharded(inputs, { shards, blockBytes: 2048 }))!)).toBe(await classic(inputs));
  });

  it('is what omnitrail replay --shards runs, with a usage error for a bad count', async () => {
    const dir = tempDir();
    const path = workloadFile(dir, 'c.ndjson', 9, 1500);
    const sharded = await run(['replay', path, '--shards', '2']);
    const single = await run(['replay', path, '--workers', '0']);
    expect(sharded.code).toBe(0);
    expect(sharded.stdout).toBe(single.stdout);
    const bad = await run(['replay', path, '--shards', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shards/);
  });
});
