import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, readCsvTable, twitterTimeToIso } from '../src/internal.js';
import { datasets, run, runDatasetTests, tempDir } from './helpers.js';

const bpic = join(datasets, 'bpic2013', 'VINST_incidents_ibm.csv');
const twcs = join(datasets, 'twcs', 'twcs_head5000_clean.csv');

describe('CSV parsing', () => {
  it('handles quotes, doubled quotes, embedded newlines, CRLF, a BOM and no final newline', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, y","say ""hi""\nthere"\r\n1,')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['1', ''],
    ]);
    expect(readCsvTable('h1,h2\n1,2\n\n3,4').rows.map((r) => r.values)).toEqual([{ h1: '1', h2: '2' }, { h1: '3', h2: '4' }]);
  });

  it('reads Twitter times with their offset', () => {
    expect(twitterTimeToIso('Tue Oct 31 22:10:47 +0000 2017')).toBe('2017-10-31T22:10:47+00:00');
  });
});

describe.runIf(runDatasetTests)('the real datasets are present', () => {
  it('finds ../shared/datasets beside the repository', () => {
    expect(existsSync(bpic), `missing ${bpic}`).toBe(true);
    expect(existsSync(twcs), `missing ${twcs}`).toBe(true);
  });
});

describe.runIf(runDatasetTests)('BPI Challenge 2013 (Volvo IT incidents)', () => {
  it('imports and replays to exactly 7,554 cases with 8 still open at the end of the log', async () => {
    const dir = tempDir();
    const out = join(dir, 'bpic.ndjson');
    const imported = await run(['import', 'bpic2013', bpic, '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    const r = await run(['replay', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.input.rejected).toEqual([]);
    const tenant = report.tenants.bpic2013;
    expect(tenant.cases.count).toBe(7554);
    expect(tenant.cases.open.length).toBe(8);
    // The mapping follows the cases state machine: no event is ignored as an anomaly.
    expect(tenant.cases.anomalies).toEqual([]);
    // The open ones are exactly the incidents whose last row is not Completed.
    const rows = readCsvTable(readFileSync(bpic, 'utf8')).rows;
    const last = new Map<string, string>();
    for (const row of rows) last.set(row.values['SR Number']!, row.values.Status!);
    const stillOpen = [...last].filter(([, status]) => status !== 'Completed').map(([sr]) => `sr-${sr}`).sort();
    expect(tenant.cases.open.map((c: { caseId: string }) => c.caseId)).toEqual(stillOpen);
    // asOf defaults to the log's latest instant + 1 ms (the log ends 2012-05-23 at +01:00).
    const latest = Math.max(...rows.map((row) => Date.parse(row.values['Change Date+Time']!)));
    expect(report.asOf).toBe(new Date(latest + 1).toISOString());
  });
});

interface Tweet {
  id: string;
  author: string;
  inbound: boolean;
  at: number;
  parent: string;
}

/** First-response figures computed straight from the CSV, without the engine. */
function firstResponsesFromCsv(text: string): { count: number; mean: number; median: number; p90: number } {
  const tweets = new Map<string, Tweet>();
  for (const { values: v } of readCsvTable(text).rows) {
    tweets.set(v.tweet_id!, { id: v.tweet_id!, author: v.author_id!, inbound: v.inbound === 'True', at: Date.parse(v.created_at!), parent: v.in_response_to_tweet_id! });
  }
  const rootOf = (t: Tweet): Tweet => {
    let r = t;
    while (r.parent !== '' && tweets.has(r.parent)) r = tweets.get(r.parent)!;
    return r;
  };
  const firstReply = new Map<string, number>();
  const roots = new Set<string>();
  for (const t of tweets.values()) {
    const root = rootOf(t);
    if (root.parent !== '' || !root.inbound) continue;
    roots.add(root.id);
    if (!t.inbound) firstReply.set(root.id, Math.min(firstReply.get(root.id) ?? Infinity, t.at));
  }
  const samples = [...firstReply].map(([root, at]) => at - tweets.get(root)!.at).sort((a, b) => a - b);
  const n = samples.length;
  const mid = n >> 1;
  return {
    count: n,
    mean: samples.reduce((s, x) => s + x, 0) / n,
    median: n % 2 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2,
    p90: samples[Math.ceil(0.9 * n) - 1]!,
  };
}

describe.runIf(runDatasetTests)('Customer Support on Twitter', () => {
  it('gives the first-response figures a direct computation over the CSV gives', async () => {
    const dir = tempDir();
    const out = join(dir, 'twcs.ndjson');
    const imported = await run(['import', 'twcs', twcs, '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    const r = await run(['replay', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.input.rejected).toEqual([]);
    const expected = firstResponsesFromCsv(readFileSync(twcs, 'utf8'));
    expect(expected.count).toBeGreaterThan(1000);
    const actual = report.tenants.twcs.metrics.firstResponseMs;
    expect(actual.count).toBe(expected.count);
    expect(actual.median).toBe(expected.median);
    expect(actual.p90).toBe(expected.p90);
    expect(actual.mean).toBeCloseTo(expected.mean, 6);
  });

  it('imports the Kaggle sample too', async () => {
    const dir = tempDir();
    const out = join(dir, 'sample.ndjson');
    expect((await run(['import', 'twcs', join(datasets, 'twcs', 'twcs_kaggle_sample.csv'), '--out', out])).code).toBe(0);
    const report = JSON.parse((await run(['replay', out])).stdout) as Record<string, any>;
    expect(report.input.rejected).toEqual([]);
    expect(report.tenants.twcs.metrics.firstResponseMs.count).toBe(firstResponsesFromCsv(readFileSync(join(datasets, 'twcs', 'twcs_kaggle_sample.csv'), 'utf8')).count);
  });
});

describe('csv with a column mapping', () => {
  it('maps columns to envelope and data fields, with the type from a column', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'orders.csv'),
      'when;who;kind;order;amount\n2024-03-01 10:00;c1;order;o-1;12.5\n2024-03-02 11:00;c1;survey;;\n2024-03-03 09:00;c2;order;o-2;abc\n',
    );
    writeFileSync(
      join(dir, 'mapping.json'),
      JSON.stringify({
        delimiter: ';',
        idPrefix: 'shop',
        tenantId: 'shop',
        type: { column: 'kind', map: { order: 'OrderPlaced', survey: 'SurveyAnswered' } },
        occurredAt: { column: 'when' },
        customerId: { column: 'who' },
        channel: 'web',
        actorKind: 'customer',
        dataByType: {
          OrderPlaced: { orderId: { column: 'order' }, amount: { column: 'amount' }, salesChannel: 'web', currency: 'EUR' },
          SurveyAnswered: { kind: 'csat', score: 5 },
        },
      }),
    );
    const imported = await run(['import', 'csv', 'orders.csv', '--mapping', 'mapping.json', '--out', 'orders.ndjson'], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    // amount is text without "as": "number", so both orders are bad rows, named by line and column; the
    // survey is written. An event replay would reject is never written.
    expect(imported.stderr).toContain('orders.csv: line 2 (row 1): column "amount" (data.amount): ');
    expect(imported.stderr).toContain('orders.csv: line 4 (row 3): column "amount" (data.amount): ');
    expect(imported.stderr).toContain('wrote 1 event to');
    const lines = readFileSync(join(dir, 'orders.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: 'shop-2', type: 'SurveyAnswered', tenantId: 'shop', occurredAt: '2024-03-02 11:00Z', customerId: 'c1', data: { kind: 'csat', score: 5 } });
    const r = await run(['replay', join(dir, 'orders.ndjson')]);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.input.rejected).toEqual([]);
    expect(report.input.accepted).toBe(1);
  });
});

describe.runIf(runDatasetTests)('csv audit-log mode on the BPI Challenge 2013 log', () => {
  it('reads the status changes as an audit log and gives the bpic2013 importer\'s case figures', async () => {
    const dir = tempDir();
    // Each row is an incident after one status change: the generic audit mode, five rules, no custom code.
    writeFileSync(
      join(dir, 'bpic-audit.json'),
      JSON.stringify({
        idPrefix: 'b',
        tenantId: 'bpic',
        occurredAt: { column: 'Change Date+Time' },
        customerId: { column: 'SR Number' },
        caseId: { column: 'SR Number' },
        audit: {
          ticket: 'SR Number',
          rules: [
            { column: 'Status', first: true, to: 'Completed', type: ['CaseOpened', 'CaseResolved'] },
            { column: 'Status', first: true, type: 'CaseOpened' },
            { column: 'Status', to: 'Completed', type: 'CaseResolved' },
            { column: 'Status', from: 'Completed', type: 'CaseReopened' },
            { column: 'Status', skip: true },
          ],
        },
      }),
    );
    const out = join(dir, 'bpic-audit.ndjson');
    const imported = await run(['import', 'csv', bpic, '--mapping', join(dir, 'bpic-audit.json'), '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).not.toContain('bad row');
    const report = JSON.parse((await run(['replay', out])).stdout) as Record<string, any>;
    expect(report.input.rejected).toEqual([]);
    const cases = report.tenants.bpic.cases;
    expect(cases.count).toBe(7554);
    expect(cases.anomalies).toEqual([]);
    // Open are exactly the incidents whose last row is not Completed, as with the bpic2013 importer.
    const last = new Map<string, string>();
    for (const row of readCsvTable(readFileSync(bpic, 'utf8')).rows) last.set(row.values['SR Number']!, row.values.Status!);
    const stillOpen = [...last].filter(([, status]) => status !== 'Completed').map(([sr]) => sr).sort();
    expect(stillOpen).toHaveLength(8);
    expect(cases.open.map((c: { caseId: string }) => c.caseId)).toEqual(stillOpen);
  });
});
