import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWorkload } from '@omnitrail/testing';
import { ev, ndjson, run, tempDir } from './helpers.js';


function sampleLines(count: number, seed = 7): string[] {
  return [...generateWorkload({ seed, customers: 40, events: count })].map((e) => JSON.stringify(e));
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  // A small linear congruential generator: a reproducible shuffle without a dependency.
  let state = seed >>> 0;
  const rnd = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('the replay report', () => {
  it('has report.md key order, 2-space indentation and a final newline', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.ndjson');
    writeFileSync(path, ndjson([ev({ id: 'k1' }), ev({ id: 'k2', type: 'MessageSent', actor: { kind: 'agent', id: 'a1' }, data: { senderKind: 'agent' }, occurredAt: '2024-03-01T10:05:00Z' }), 'nope']));
    const r = await run(['replay', path]);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('}\n')).toBe(true);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(r.stdout).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(Object.keys(report)).toEqual(['omnitrailReport', 'asOf', 'from', 'to', 'input', 'tenants']);
    expect(report.omnitrailReport).toBe(1);
    expect(Object.keys(report.input)).toEqual(['read', 'accepted', 'duplicates', 'rejected']);
    expect(report.asOf).toBe('2024-03-01T10:05:00.001Z');
    expect(report.from).toBe('2024-03-01T10:00:00.000Z');
    expect(report.to).toBe(report.asOf);
    expect(report.input).toMatchObject({ read: 3, accepted: 2, duplicates: 0 });
    expect(Object.keys(report.tenants)).toEqual(['t1']);
    expect(Object.keys(report.tenants.t1)).toEqual(['customers', 'cases', 'metrics', 'journeys', 'health', 'operations']);
    expect(report.tenants.t1.metrics.firstResponseMs).toEqual({ count: 1, mean: 300000, median: 300000, p90: 300000 });
  });

  it('writes null instants and no tenants for an input without accepted events', async () => {
    const r = await run(['replay', '-'], { stdin: 'garbage\n\n' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect([report.asOf, report.from, report.to]).toEqual([null, null, null]);
    expect(report.input.read).toBe(1);
    expect(report.tenants).toEqual({});
  });

  it('is byte-identical across runs and across shuffled input order, split over several files', async () => {
    const dir = tempDir();
    const lines = sampleLines(3000);
    writeFileSync(join(dir, 'ordered.ndjson'), `${lines.join('\n')}\n`);
    const mixed = shuffled(lines, 3);
    writeFileSync(join(dir, 'part1.ndjson'), `${mixed.slice(0, 1000).join('\n')}\n`);
    writeFileSync(join(dir, 'part2.ndjson'), `${mixed.slice(1000).join('\n')}\n`);
    const a = await run(['replay', join(dir, 'ordered.ndjson')]);
    const b = await run(['replay', join(dir, 'ordered.ndjson')]);
    const c = await run(['replay', join(dir, 'part2.ndjson'), join(dir, 'part1.ndjson')]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
    expect((JSON.parse(a.stdout) as { input: { accepted: number } }).input.accepted).toBe(3000);
  });

  it('honours --tenant, --as-of, --json and --html', async () => {
    const dir = tempDir();
    const path = join(dir, 'two.ndjson');
    writeFileSync(path, ndjson([ev({ id: 'a1', tenantId: 'acme' }), ev({ id: 'b1', tenantId: 'beta', occurredAt: '2024-03-02T00:00:00Z' })]));
    const r = await run(['replay', path, '--tenant', 'acme', '--as-of', '2024-03-05', '--json', join(dir, 'out.json'), '--html', join(dir, 'out.html')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Record<string, any>;
    expect(Object.keys(report.tenants)).toEqual(['acme']);
    expect(report.asOf).toBe('2024-03-05T00:00:00.000Z');
    expect(report.input.accepted).toBe(2);
    const html = readFileSync(join(dir, 'out.html'), 'utf8');
    expect(html).toContain('<svg class="chart"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/);
  });

  it('counts duplicates and conflicts in the report', async () => {
    const a = ev({ id: 'same' });
    const r = await run(['replay', '-'], { stdin: ndjson([a, a, ev({ id: 'same', channel: 'sms' })]) });
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.input).toEqual({ read: 3, accepted: 1, duplicates: 1, rejected: [{ line: 3, id: 'same', errors: [{ path: 'id', message: expect.any(String) }] }] });
  });
});

describe('omnitrail journey', () => {
  it('prints one customer timeline as aligned plain text', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.ndjson');
    writeFileSync(
      path,
      ndjson([
        ev({ id: 'j1', customerId: 'cust-9', caseId: undefined, type: 'PageViewed', channel: 'web', data: { url: '/p/1', pageKind: 'product' } }),
        ev({ id: 'j2', customerId: 'cust-9', caseId: 'k-1', occurredAt: '2024-03-01T11:00:00Z' }),
        ev({ id: 'j3', customerId: 'other' }),
      ]),
    );
    const r = await run(['journey', 'cust-9', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cust-9');
    expect(r.stdout).toContain('PageViewed');
    expect(r.stdout).toContain('MessageReceived');
    expect(r.stdout).not.toContain('j3');
    // Aligned columns: the type column starts at the same offset on every timeline row.
    const rows = r.stdout.split('\n').filter((l) => /^2024-/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const col = rows.map((l) => l.search(/PageViewed|MessageReceived/));
    expect(new Set(col).size).toBe(1);
    // Stages and the implicit case opening by the message.
    expect(r.stdout).toMatch(/stage consideration/);
    expect(r.stdout).toContain('Stages');
    expect(r.stdout).toContain('Context lost');
    // An unknown customer is an error now (issue 16): said on standard error, exit 1.
    const unknown = await run(['journey', 'nobody', path]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no customer "nobody" in the input');
  });
});

describe('omnitrail demo', () => {
  it('writes events, report.json and report.html and prints a summary', async () => {
    const dir = tempDir();
    const r = await run(['demo', '--out', dir, '--events', '2000', '--customers', '50', '--seed', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Generated 2000 events/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, any>;
    expect(report.input.accepted).toBe(2000);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<!doctype html>');
    // Seeded: the same options give the same bytes.
    const dir2 = tempDir();
    await run(['demo', '--out', dir2, '--events', '2000', '--customers', '50', '--seed', '5']);
    expect(readFileSync(join(dir2, 'events.ndjson'), 'utf8')).toBe(readFileSync(join(dir, 'events.ndjson'), 'utf8'));
  });
});
