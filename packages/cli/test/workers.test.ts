import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWorkload } from '@omnitrail/testing';
import { buildReport, formatReport, readInputs } from '../src/index.js';
import { createBlockParser, fromJsonParsedBlock, parseBlock, parseBlockAsJson, workerEntry } from '../src/internal.js';
import { ev, ndjson, repoRoot, run, tempDir } from './helpers.js';


describe('parse workers', () => {
  it('finds a worker entry from the sources (through tsx) or the build', () => {
    expect(workerEntry()).toBeDefined();
  });

  it('give the same events, counts and rejections as parsing in-thread, across many blocks', async () => {
    const dir = tempDir();
    const lines = [...generateWorkload({ seed: 3, customers: 30, events: 4000 })].map((e) => JSON.stringify(e));
    lines.splice(10, 0, '', 'broken {');
    lines.splice(2000, 0, lines[5]!, JSON.stringify({ ...JSON.parse(lines[6]!), channel: 'sms' }));
    const path = join(dir, 'w.ndjson');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const inThread = await readInputs([{ kind: 'file', path }], { workers: 0 });
    const pooled = await readInputs([{ kind: 'file', path }], { workers: 2 });
    expect(pooled.input).toEqual(inThread.input);
    expect(pooled.events).toEqual(inThread.events);
    expect(formatReport(buildReport(pooled))).toBe(formatReport(buildReport(inThread)));
    expect(inThread.input.duplicates).toBe(1);
    expect(inThread.input.rejected.map((r) => r.line)).toEqual([12, 2002]);
  });

  it('send events back as JSON text that parses to exactly the validated events', () => {
    const lines = [...generateWorkload({ seed: 9, customers: 20, events: 2000 })].map((e) => JSON.stringify(e));
    lines.splice(3, 0, 'nope', JSON.stringify({ id: 'x', type: 'SurveyAnswered', tenantId: 't', occurredAt: '2024-03-01T10:00:00+02:00', customerId: 'c', actor: { kind: 'customer' }, schemaVersion: 1, data: { kind: 'csat', rating: 4 } }));
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const direct = parseBlock(bytes, 1);
    const sent = fromJsonParsedBlock(parseBlockAsJson(bytes, 1));
    // Strict: no key the validated events have as undefined may go missing on the way.
    expect(sent).toStrictEqual(direct);
    // A spilling replay takes each event's own text along; it parses to the same event.
    const texts = fromJsonParsedBlock(parseBlockAsJson(bytes, 1), true).texts!;
    expect(texts).toHaveLength(direct.events.length);
    expect(texts.map((t) => JSON.parse(t) as unknown)).toStrictEqual(direct.events);
    expect(direct.rejected.map((r) => r.line)).toEqual([4]);
  });

  it('parses in a worker thread, from the sources as from the build, without falling back', async () => {
    const parser = createBlockParser({ workers: 1 });
    expect(parser.threads).toBe(1);
    const result = await parser.parse({ bytes: Buffer.from(ndjson([ev({ id: 'in-worker' })])), firstLine: 1 });
    expect(result.events.map((e) => e.id)).toEqual(['in-worker']);
    // A worker that cannot start (it once could not load src/worker.ts) would be covered up by the fallback.
    expect(parser.failed).toBe(false);
    await parser.close();
  });

  it('falls back to in-thread parsing when asked for no workers', async () => {
    const parser = createBlockParser({ workers: 0 });
    expect(parser.threads).toBe(0);
    const result = await parser.parse({ bytes: Buffer.from(ndjson([ev({ id: 'w1' })])), firstLine: 1 });
    expect(result.events.map((e) => e.id)).toEqual(['w1']);
    await parser.close();
  });
});

describe('event store inputs', () => {
  it('imports into a file store and replays it with --store file:<dir>, like the NDJSON', async () => {
    const dir = tempDir();
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'ts,who\n2024-03-01T10:00:00Z,c1\n2024-03-01T11:00:00Z,c2\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'ts' }, customerId: { column: 'who' }, tenantId: 'shop' }));
    const toStore = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--store', `file:${join(dir, 'store')}`]);
    expect(toStore.code, toStore.stderr).toBe(0);
    const toFile = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--out', join(dir, 'e.ndjson')]);
    expect(toFile.code).toBe(0);
    const fromStore = await run(['replay', '--store', `file:${join(dir, 'store')}`]);
    const fromFile = await run(['replay', join(dir, 'e.ndjson')]);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromStore.stdout).toBe(fromFile.stdout);
    const empty = await run(['replay', '--store', 'memory:']);
    expect((JSON.parse(empty.stdout) as { input: { read: number } }).input.read).toBe(0);
  });
});

const builtBin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const builtJourney = existsSync(join(repoRoot, 'packages', 'journey', 'dist', 'index.js'));
// CI builds before testing; locally this runs only after `pnpm build`.
describe.runIf(existsSync(builtBin) && builtJourney)('the built omnitrail bin', () => {
  it('replays standard input with the dist worker and exits 0, and exits 2 on a bad flag', () => {
    const lines = [...generateWorkload({ seed: 9, customers: 20, events: 500 })].map((e) => JSON.stringify(e)).join('\n');
    const ok = spawnSync(process.execPath, [builtBin, 'replay', '-', '--workers', '1'], { input: lines, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { input: { accepted: number } }).input.accepted).toBe(500);
    const bad = spawnSync(process.execPath, [builtBin, 'replay', '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Usage: omnitrail replay');
  });
});
