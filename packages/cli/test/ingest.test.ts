import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonContentHash as canonicalHash, sameJsonContent as jsonDeepEqual } from '@omnitrail/events';
import { readInputs, StrictInputError, type ReplayInput } from '../src/index.js';
import { readLineBlocks } from '../src/internal.js';
import { ev, ndjson, run, tempDir } from './helpers.js';

function file(dir: string, name: string, content: string | Buffer): ReplayInput {
  const path = join(dir, name);
  writeFileSync(path, content);
  return { kind: 'file', path, name };
}

describe('reading NDJSON inputs', () => {
  it('lists invalid lines with 1-based physical line numbers, ids and field paths, and keeps the rest', async () => {
    const dir = tempDir();
    const text = ndjson([
      ev({ id: 'ok-1' }),
      '',
      'not json at all',
      ev({ id: 'bad-score', type: 'SurveyAnswered', data: { kind: 'csat', score: 9 } }),
      '   ',
      ev({ id: 'ok-2' }),
      '[1,2]',
      ev({ id: 'no-instant', occurredAt: '2024-03-01T10:00:00' }),
      { id: 42, type: 'Nope' },
    ]);
    const { input, events } = await readInputs([file(dir, 'a.ndjson', text)]);
    expect(events.map((e) => e.id)).toEqual(['ok-1', 'ok-2']);
    expect(input.read).toBe(7);
    expect(input.accepted).toBe(2);
    expect(input.duplicates).toBe(0);
    expect(input.read).toBe(input.accepted + input.duplicates + input.rejected.length);
    expect(input.rejected.map((r) => [r.line, r.id])).toEqual([
      [3, null],
      [4, 'bad-score'],
      [7, null],
      [8, 'no-instant'],
      [9, null],
    ]);
    expect(input.rejected[0]!.errors[0]!.path).toBe('');
    expect(input.rejected[0]!.errors[0]!.message).toMatch(/not valid JSON/);
    expect(input.rejected[1]!.errors.map((e) => e.path)).toContain('data.score');
    expect(input.rejected[3]!.errors.map((e) => e.path)).toContain('occurredAt');
    expect(input.rejected.every((r) => r.file === undefined)).toBe(true);
  });

  it('ignores a UTF-8 byte-order mark, CRLF line ends and a missing final newline', async () => {
    const dir = tempDir();
    const text = `\ufeff${JSON.stringify(ev({ id: 'bom-1' }))}\r\n${JSON.stringify(ev({ id: 'bom-2' }))}`;
    const { input, events } = await readInputs([file(dir, 'bom.ndjson', text)]);
    expect(events.map((e) => e.id)).toEqual(['bom-1', 'bom-2']);
    expect(input.rejected).toEqual([]);
  });

  it('reads gzipped input, recognised by its magic bytes whatever the name', async () => {
    const dir = tempDir();
    const text = ndjson([ev({ id: 'gz-1' }), ev({ id: 'gz-2' }), 'oops']);
    const a = await readInputs([file(dir, 'a.ndjson.gz', gzipSync(text))]);
    const b = await readInputs([file(dir, 'b.ndjson', gzipSync(text))]);
    for (const r of [a, b]) {
      expect(r.events.map((e) => e.id)).toEqual(['gz-1', 'gz-2']);
      expect(r.input.rejected.map((x) => x.line)).toEqual([3]);
    }
  });

  it('reads standard input, plain or gzipped', async () => {
    const text = ndjson([ev({ id: 'in-1' }), ev({ id: 'in-2' })]);
    for (const bytes of [Buffer.from(text), gzipSync(text)]) {
      const { events } = await readInputs([{ kind: 'stdin', stream: Readable.from([bytes.subarray(0, 1), bytes.subarray(1)]) }]);
      expect(events.map((e) => e.id)).toEqual(['in-1', 'in-2']);
    }
  });

  it('counts the same id with deeply equal content (any key order) as a duplicate, and rejects a conflict on id', async () => {
    const dir = tempDir();
    const a = ev({ id: 'dup' });
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    const text = ndjson([a, reordered, ev({ id: 'dup', data: { text: 'changed' } }), a]);
    const { input, events } = await readInputs([file(dir, 'd.ndjson', text)]);
    expect(events).toHaveLength(1);
    expect(input.duplicates).toBe(2);
    expect(input.rejected).toEqual([{ line: 3, id: 'dup', errors: [{ path: 'id', message: expect.any(String) as string }] }]);
  });

  it('keeps the first valid event of an id when an invalid line with that id comes first', async () => {
    const dir = tempDir();
    const text = ndjson([ev({ id: 'x', occurredAt: 'bad' }), ev({ id: 'x' })]);
    const { input, events } = await readInputs([file(dir, 'x.ndjson', text)]);
    expect(events).toHaveLength(1);
    expect(input.rejected.map((r) => r.line)).toEqual([1]);
  });

  it('names the file of each rejected line when there are several inputs, sorted by line then file', async () => {
    const dir = tempDir();
    const one = file(dir, 'one.ndjson', ndjson([ev(), '{', ev()]));
    const two = file(dir, 'two.ndjson', ndjson(['{', ev(), ev({ occurredAt: 'x' })]));
    const { input } = await readInputs([two, one]);
    expect(input.rejected.map((r) => [r.file, r.line])).toEqual([
      ['two.ndjson', 1],
      ['one.ndjson', 2],
      ['two.ndjson', 3],
    ]);
  });

  it('under --strict stops at the first invalid line and names file, line and field', async () => {
    const dir = tempDir();
    const input = file(dir, 's.ndjson', ndjson([ev(), ev({ type: 'SurveyAnswered', data: { kind: 'nps', score: 11 } }), '{']));
    await expect(readInputs([input], { strict: true })).rejects.toThrow(StrictInputError);
    const r = await run(['replay', '--strict', input.kind === 'file' ? input.path : '']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/s\.ndjson:2: .*data\.score/);
    expect(r.stdout).toBe('');
  });

  it('splits large inputs into blocks without losing or renumbering lines', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 7 === 3 ? '' : JSON.stringify(ev({ id: `big-${i}` }))));
    const input = file(dir, 'big.ndjson', lines.join('\n'));
    let count = 0;
    let lastLine = 0;
    for await (const block of readLineBlocks({ path: (input as { path: string }).path }, { blockBytes: 1000 })) {
      expect(block.firstLine).toBeGreaterThan(lastLine);
      lastLine = block.firstLine;
      count++;
    }
    expect(count).toBeGreaterThan(100);
    const { events, input: counts } = await readInputs([input]);
    expect(events).toHaveLength(lines.filter((l) => l !== '').length);
    expect(counts.read).toBe(events.length);
  });

  it('hashes deeply equal JSON values alike whatever the key order, and tells different ones apart', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const shuffled = JSON.parse(JSON.stringify(a, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))) as unknown;
        expect(canonicalHash(shuffled)).toBe(canonicalHash(a));
        expect(jsonDeepEqual(shuffled, a)).toBe(true);
        if (!jsonDeepEqual(a, b)) expect(canonicalHash(a)).not.toBe(canonicalHash(b));
      }),
      { numRuns: 500 },
    );
    expect(canonicalHash({ a: 1, b: 2 })).not.toBe(canonicalHash({ a: 2, b: 1 }));
    expect(canonicalHash([1, 2])).not.toBe(canonicalHash([2, 1]));
    expect(canonicalHash({ a: '1' })).not.toBe(canonicalHash({ a: 1 }));
  });
});

describe('canonicalHash edge cases', () => {
  it('hashes -0 like 0, as deep equality treats them', () => {
    expect(canonicalHash({ a: [-0] })).toBe(canonicalHash({ a: [0] }));
    expect(jsonDeepEqual({ a: [-0] }, { a: [0] })).toBe(true);
  });
});
