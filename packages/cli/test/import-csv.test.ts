import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CsvMappingError, importCsv, readCsvMapping, type CsvMapping } from '../src/index.js';
import { readCsvTable } from '../src/internal.js';
import { run, tempDir } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'import');
const fixture = (name: string) => join(fixtures, name);
const mappingOf = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8')) as CsvMapping;
const ndjsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

async function replayReport(path: string): Promise<Record<string, any>> {
  const r = await run(['replay', path]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, any>;
}

describe('csv: dates, time zones, decimal commas, missing markers', () => {
  const csv = readFileSync(fixture('orders-eu.csv'), 'utf8');
  const { events, badRows } = importCsv(csv, mappingOf('orders-eu.mapping.json'));

  it('reads day-first local times in the declared zone, across both DST changes', () => {
    expect(events.map((e) => [e.id, e.occurredAt])).toEqual([
      ['shop-1', '2016-02-29T01:16:00+01:00'],
      // 02:30 on 2024-03-31 does not exist in Amsterdam: moved forward by the hour the clocks jumped.
      ['shop-2', '2024-03-31T03:30:00+02:00'],
      // 02:30 on 2024-10-27 happens twice: the earlier, still summer time.
      ['shop-3', '2024-10-27T02:30:00+02:00'],
    ]);
  });

  it('reads decimal commas and leaves missing markers out', () => {
    expect(events[0]!.data).toEqual({ orderId: 'o-1', amount: 12.5, salesChannel: 'web', currency: 'EUR' });
    expect(events[1]!.data.amount).toBe(1234.5);
    // "?" in bedrag and a survey score read as an integer.
    expect(events[2]).toMatchObject({ type: 'SurveyAnswered', customerId: 'c2', data: { kind: 'csat', score: 4 } });
  });

  it('makes each bad row a report with line, column and reason, never an event', () => {
    expect(badRows).toEqual([
      { row: 4, line: 5, problems: [{ field: 'type', column: 'soort', reason: '"terugbetaling" is not in the map ("bestelling", "enquete")' }] },
      { row: 5, line: 6, problems: [{ field: 'dataByType.OrderPlaced.amount', column: 'bedrag', reason: '"abc" is not a number' }] },
      { row: 6, line: 7, problems: [{ field: 'occurredAt', column: 'wanneer', reason: '"03-11-2024 25:00" has an impossible hour 25' }] },
      { row: 7, line: 8, problems: [{ field: 'customerId', column: 'klant', reason: expect.stringContaining('is required') }] },
    ]);
  });

  it('says how to read a decimal comma when none is declared', () => {
    const result = importCsv('at,who,amount\n2024-03-01T10:00:00Z,c1,"12,5"\n', {
      type: 'OrderPlaced',
      occurredAt: { column: 'at' },
      customerId: { column: 'who' },
      data: { orderId: 'o-1', salesChannel: 'web', currency: 'EUR', amount: { column: 'amount', as: 'number' } },
    });
    expect(result.events).toEqual([]);
    expect(result.badRows[0]!.problems).toEqual([{ field: 'data.amount', column: 'amount', reason: '"12,5" is not a number (declare "decimal": "," for decimal commas)' }]);
  });

  it('treats a declared marker as missing in any column, and uses a default for it', () => {
    const result = importCsv('at,who,why\n2024-03-01T10:00:00Z,c1,N/A\n2024-03-02T10:00:00Z,c2,?\n2024-03-03T10:00:00Z,c3,moved\n', {
      missing: ['?', 'N/A'],
      type: 'CustomerChurned',
      occurredAt: { column: 'at' },
      customerId: { column: 'who' },
      data: { reason: { column: 'why', default: 'unknown' } },
    });
    expect(result.events.map((e) => e.data.reason)).toEqual(['unknown', 'unknown', 'moved']);
  });

  it('makes a row without a type or a time a bad row', () => {
    const result = importCsv('at,who,kind\n,c1,x\n2024-01-01T00:00:00Z,c1,N/A\n', {
      missing: ['N/A'],
      type: { column: 'kind', map: { x: 'CustomerChurned' } },
      occurredAt: { column: 'at' },
      customerId: { column: 'who' },
    });
    expect(result.events).toEqual([]);
    expect(result.badRows).toEqual([
      { row: 1, line: 2, problems: [{ field: 'occurredAt', column: 'at', reason: 'is missing' }] },
      { row: 2, line: 3, problems: [{ field: 'type', column: 'kind', reason: 'is missing' }] },
    ]);
  });

  it('reads RFC 3339 times without an offset in an IANA zone, and keeps the older timeZoneOffset', () => {
    const csv = 'at,who\n2024-07-01 10:00,c1\n2024-01-01,c1\n';
    const base = { type: 'CustomerChurned', occurredAt: { column: 'at' }, customerId: { column: 'who' } };
    expect(importCsv(csv, { ...base, timeZone: 'Europe/Amsterdam' }).events.map((e) => e.occurredAt)).toEqual(['2024-07-01T10:00:00+02:00', '2024-01-01T00:00:00+01:00']);
    expect(importCsv(csv, { ...base, timeZoneOffset: '+01:00' }).events.map((e) => e.occurredAt)).toEqual(['2024-07-01 10:00+01:00', '2024-01-01T00:00:00+01:00']);
  });

  it('reads a declared format in the older timeZoneOffset as a fixed zone', () => {
    const base = { type: 'CustomerChurned', customerId: { column: 'who' }, occurredAt: { column: 'at', format: 'DD/MM/YYYY HH:mm' } };
    expect(importCsv('at,who\n01/07/2024 10:00,c1\n', { ...base, timeZoneOffset: 'z' }).events[0]!.occurredAt).toBe('2024-07-01T10:00:00Z');
    expect(importCsv('at,who\n01/07/2024 10:00,c1\n', { ...base, timeZoneOffset: '+01:00' }).events[0]!.occurredAt).toBe('2024-07-01T10:00:00+01:00');
  });

  it('reads booleans strictly, and keeps unmapped values only when asked', () => {
    const csv = 'at,who,helpful,query\n2024-03-01T10:00:00Z,c1,Yes,ship\n2024-03-01T11:00:00Z,c1,maybe,return\n';
    const result = importCsv(csv, {
      type: 'KnowledgeArticleViewed',
      occurredAt: { column: 'at' },
      customerId: { column: 'who' },
      data: { articleId: 'kb-1', helpful: { column: 'helpful', as: 'boolean' }, query: { column: 'query', map: { ship: 'shipping' }, unmapped: 'keep' } },
    });
    expect(result.events.map((e) => e.data)).toEqual([{ articleId: 'kb-1', helpful: true, query: 'shipping' }]);
    expect(result.badRows[0]!.problems).toEqual([{ field: 'data.helpful', column: 'helpful', reason: '"maybe" is not a boolean (true/false, yes/no, y/n, 1/0; or give a "map")' }]);
  });
});

describe('csv: where a row is', () => {
  it('gives each row the file line it starts on, past quoted line breaks, CRLF and blank lines', () => {
    const table = readCsvTable('a,b\r\n"two\r\nlines",1\r\n\r\n2,"x"\n3,"p\nq\nr"\n4,y');
    expect(table.rows.map((r) => [r.record, r.line])).toEqual([
      [1, 2],
      [3, 5],
      [4, 6],
      [5, 9],
    ]);
  });
});

describe('csv: mapping mistakes', () => {
  it('names every field at fault with the reason', () => {
    let message = '';
    try {
      readCsvMapping({
        type: 'OrderPlacd',
        occurredAt: { colum: 'at' },
        timeZone: 'Europe/Amsterdan',
        customerId: { column: 'who', as: 'numbr' },
        data: { amount: { column: 'amount', format: 'yyyy-MM-dd' } },
        audit: { ticket: 'n', rules: [{ column: 'state', to: 'Resolved', type: 'CaseResolve' }, { column: 'state' }] },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(CsvMappingError);
      message = (error as Error).message;
    }
    expect(message).toContain('the mapping has 7 mistakes:');
    expect(message).toContain('occurredAt.column: is required');
    expect(message).toContain('occurredAt: unknown field "colum"');
    expect(message).toContain('timeZone: "Europe/Amsterdan" is neither an IANA time zone');
    expect(message).toContain('customerId.as: Invalid option');
    expect(message).toContain('data.amount.format: format "yyyy-MM-dd": "yyyy" is not a date token');
    expect(message).toContain('audit.rules[0].type: "CaseResolve" is not an event type of the catalog');
    expect(message).toContain('audit.rules[1]: needs either "type" (the event the change gives) or "skip": true');
  });

  it('says when a field does not fit the mode, once the fields themselves are right', () => {
    const audit = { ticket: 'n', rules: [{ column: 'state', first: true, type: 'CaseOpened' }] };
    expect(() => readCsvMapping({ type: 'CaseOpened', occurredAt: { column: 'at' }, audit })).toThrow('type: is not used in audit mode: the audit rules give the types');
    expect(() => readCsvMapping({ occurredAt: { column: 'at' } })).toThrow('type: is required (or "audit", whose rules give the types)');
  });

  it('names unknown event types in a type map, and columns missing from the header', () => {
    expect(() => readCsvMapping({ type: { column: 'kind', map: { r: 'Refund' } }, occurredAt: { column: 'at' } })).toThrow('type.map: "Refund" is not an event type');
    expect(() => readCsvMapping({ type: 'OrderPlaced', occurredAt: { column: 'at' }, dataByType: { OrderPlacd: {} } })).toThrow('dataByType.OrderPlacd: "OrderPlacd" is not an event type');
    expect(() => importCsv('at,who\n', { type: 'CustomerChurned', occurredAt: { column: 'at' }, customerId: { column: 'customer' } })).toThrow(
      'customerId: no column "customer" in the CSV header (the header has "at", "who")',
    );
  });

  it('exits 1 from the command line with the mapping file named, writing nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.csv'), 'at,who\n2024-03-01T10:00:00Z,c1\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'at', format: 'DD-MM' } }));
    writeFileSync(join(dir, 'broken.json'), '{"type": ');
    const r = await run(['import', 'csv', 'a.csv', '--mapping', 'm.json', '--out', 'out.ndjson'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('m.json: the mapping has a mistake:\n  occurredAt.format: format "DD-MM": needs a year');
    expect(existsSync(join(dir, 'out.ndjson'))).toBe(false);
    const broken = await run(['import', 'csv', 'a.csv', '--mapping', 'broken.json'], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.json is not valid JSON');
  });
});

describe('csv: bad rows from the command line', () => {
  const args = ['import', 'csv', fixture('orders-eu.csv'), '--mapping', fixture('orders-eu.mapping.json')];

  it('reports every bad row, imports the rest and exits 0', async () => {
    const dir = tempDir();
    const out = join(dir, 'orders.ndjson');
    const r = await run([...args, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('orders-eu.csv: line 5 (row 4): column "soort" (type): "terugbetaling" is not in the map');
    expect(r.stderr).toContain('orders-eu.csv: line 6 (row 5): column "bedrag" (dataByType.OrderPlaced.amount): "abc" is not a number');
    expect(r.stderr).toContain('orders-eu.csv: line 7 (row 6): column "wanneer" (occurredAt)');
    expect(r.stderr).toContain('orders-eu.csv: line 8 (row 7): column "klant" (customerId)');
    expect(r.stderr).toContain('4 bad rows skipped');
    expect(r.stderr).toContain('wrote 3 events');
    // Nothing invalid was written: replay accepts every line.
    const report = await replayReport(out);
    expect(report.input).toMatchObject({ read: 3, accepted: 3, rejected: [] });
  });

  it('under --strict writes nothing and exits 1', async () => {
    const dir = tempDir();
    const out = join(dir, 'orders.ndjson');
    const r = await run([...args, '--out', out, '--strict']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 5 (row 4): column "soort" (type)');
    expect(r.stderr).toContain('--strict: 4 bad rows, nothing written');
    expect(existsSync(out)).toBe(false);
  });

  it('under --strict with no bad row imports as usual', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.csv'), 'at,who\n2024-03-01T10:00:00Z,c1\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'at' }, customerId: { column: 'who' } }));
    const r = await run(['import', 'csv', 'a.csv', '--mapping', 'm.json', '--strict', '--out', 'out.ndjson'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjsonLines(readFileSync(join(dir, 'out.ndjson'), 'utf8'))).toHaveLength(1);
  });
});

describe('csv: --dry-run', () => {
  it('prints the first events and a summary of bad rows, and writes nothing', async () => {
    const dir = tempDir();
    const out = join(dir, 'orders.ndjson');
    const r = await run(['import', 'csv', fixture('orders-eu.csv'), '--mapping', fixture('orders-eu.mapping.json'), '--out', out, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(out)).toBe(false);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('dry run: 3 events would be written, 4 bad rows skipped; nothing written');
    const shown = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { id: string });
    expect(shown.map((e) => e.id)).toEqual(['shop-1', 'shop-2', 'shop-3']);
    expect(r.stdout).toContain('4 bad rows skipped:\n');
    expect(r.stdout).toContain('  1 × column "soort" (type): … is not in the map ("bestelling", "enquete") (first at line 5)');
    expect(r.stdout).toContain('  line 6 (row 5): column "bedrag" (dataByType.OrderPlaced.amount): "abc" is not a number');
  });

  it('shows only the first ten events and groups the same mistake of many rows', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 30 }, (_, k) => `2024-03-01T10:${String(k).padStart(2, '0')}:00Z,c${k},${k % 2 === 0 ? '1' : 'x'}`);
    writeFileSync(join(dir, 'a.csv'), `at,who,score\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'SurveyAnswered', occurredAt: { column: 'at' }, customerId: { column: 'who' }, data: { kind: 'csat', score: { column: 'score', as: 'integer' } } }));
    const r = await run(['import', 'csv', 'a.csv', '--mapping', 'm.json', '--dry-run'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run: 15 events would be written, 15 bad rows skipped');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('{'))).toHaveLength(10);
    expect(r.stdout).toContain('  15 × column "score" (data.score): … is not a number (first at line 3)');
    expect(r.stdout).toContain('  … and 5 more');
  });

  it('exits 1 under --strict when there are bad rows', async () => {
    const r = await run(['import', 'csv', fixture('orders-eu.csv'), '--mapping', fixture('orders-eu.mapping.json'), '--dry-run', '--strict']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('dry run: 3 events would be written, 4 bad rows skipped');
  });
});

describe('csv: audit logs', () => {
  const auditCsv = readFileSync(fixture('helpdesk-audit.csv'), 'utf8');
  const auditMapping = mappingOf('helpdesk-audit.mapping.json');

  it('gives an event per change of a watched column, in ticket order, with ties broken by the sequence column', () => {
    const { events, badRows } = importCsv(auditCsv, auditMapping);
    expect(badRows).toEqual([]);
    const summary = events.map((e) => [e.id, e.caseId, e.type, e.occurredAt.slice(0, 16), e.data]);
    expect(summary).toEqual([
      ['hd-01', 'INC0001', 'CaseOpened', '2016-02-29T01:16', { priority: 'high' }],
      ['hd-02', 'INC0002', 'CaseOpened', '2016-02-29T01:16', { priority: 'normal' }],
      // Same minute, sys_mod_count 1 (carol) comes after 2 (dave) in the file but before it in the ticket.
      ['hd-03', 'INC0001', 'CaseAssigned', '2016-02-29T01:20', { assigneeKind: 'agent', assigneeId: 'carol' }],
      ['hd-04', 'INC0001', 'CaseAssigned', '2016-02-29T01:20', { assigneeKind: 'agent', assigneeId: 'dave' }],
      ['hd-05', 'INC0002', 'CaseAssigned', '2016-02-29T09:05', { assigneeKind: 'agent', assigneeId: 'erin' }],
      // hd-06: Active again with another priority (not watched): no event. hd-08: Resolved repeated: none.
      ['hd-07', 'INC0001', 'CaseResolved', '2016-03-01T12:00', { code: 'Solved (Permanently)' }],
      ['hd-09', 'INC0002', 'CaseStatusChanged', '2016-03-01T13:00', { to: 'on_hold' }],
      ['hd-10', 'INC0001', 'CaseReopened', '2016-03-02T08:00', {}],
      // INC0002 back to Active from On Hold, its assignee cleared (a skipped change).
      ['hd-11', 'INC0002', 'CaseStatusChanged', '2016-03-02T09:00', { to: 'open' }],
      ['hd-12', 'INC0001', 'CaseResolved', '2016-03-02T16:45', { code: 'Solved (Workaround)' }],
      ['hd-13', 'INC0002', 'CaseResolved', '2016-03-03T11:00', { code: 'Not Solved (Not Reproducible)' }],
      // Closed on the ticket's last row.
      ['hd-14', 'INC0001', 'CaseClosed', '2016-03-09T17:00', {}],
    ]);
    // The other columns fill every event's envelope.
    expect(events[9]).toMatchObject({ tenantId: 'helpdesk', customerId: 'alice@example.com', channel: 'web', actor: { kind: 'agent' }, identities: [{ type: 'email', value: 'alice@example.com' }] });
  });

  it('replays to the cases the log describes: one closed after a reopen, one resolved, no anomaly', async () => {
    const dir = tempDir();
    const r = await run(['import', 'csv', fixture('helpdesk-audit.csv'), '--mapping', fixture('helpdesk-audit.mapping.json'), '--out', join(dir, 'hd.ndjson')]);
    expect(r.code, r.stderr).toBe(0);
    const report = await replayReport(join(dir, 'hd.ndjson'));
    expect(report.input).toMatchObject({ accepted: 12, rejected: [] });
    const cases = report.tenants.helpdesk.cases;
    expect(cases.count).toBe(2);
    expect(cases.byStatus).toMatchObject({ closed: 1, resolved: 1, open: 0 });
    expect(cases.anomalies).toEqual([]);
  });

  it('gives each ticket the same events whatever the order of the file', () => {
    const [header, ...rows] = auditCsv.trim().split('\n');
    const reversed = `${header}\n${rows.reverse().join('\n')}\n`;
    const byTicket = (events: { type: string; caseId?: string; occurredAt: string; data: unknown }[]) =>
      ['INC0001', 'INC0002'].map((ticket) => events.filter((e) => e.caseId === ticket).map((e) => [e.type, e.occurredAt, e.data]));
    const fromReversed = byTicket(importCsv(reversed, auditMapping).events);
    expect(fromReversed[0]).toHaveLength(7);
    expect(fromReversed).toEqual(byTicket(importCsv(auditCsv, auditMapping).events));
  });

  it('makes a change no rule matches, a missing ticket or time a bad row, and imports the rest', () => {
    const csv = [
      'number,sys_updated_on,sys_mod_count,state,assigned_to,priority,caller_email,close_code',
      'INC7,01-03-2016 09:00,0,New,,4 - Low,x@example.com,',
      ',01-03-2016 09:10,1,Active,,4 - Low,x@example.com,',
      'INC7,01-03-2016 09:20,1,Cancelled,,4 - Low,x@example.com,',
      'INC7,,2,Active,,4 - Low,x@example.com,',
      'INC7,01-03-2016 09:40,3,Resolved,,4 - Low,x@example.com,',
    ].join('\n');
    const { events, badRows } = importCsv(csv, auditMapping);
    expect(badRows).toEqual([
      { row: 2, line: 3, problems: [{ field: 'audit.ticket', column: 'number', reason: 'is missing: every row must name its ticket' }] },
      { row: 3, line: 4, problems: [{ field: 'audit.rules', column: 'state', reason: 'changed from "New" to "Cancelled": no rule matches' }] },
      { row: 4, line: 5, problems: [{ field: 'occurredAt', column: 'sys_updated_on', reason: 'is missing: rows cannot be put in order without it' }] },
    ]);
    expect(events.map((e) => e.type)).toEqual(['CaseOpened', 'CaseResolved']);
  });

  it('reports an event the rules make invalid as a bad row, with the column behind the field', () => {
    const mapping: CsvMapping = {
      ...auditMapping,
      audit: { ...auditMapping.audit!, rules: [{ column: 'state', first: true, type: 'CaseOpened' }, { column: 'state', type: 'CaseStatusChanged', data: { to: { column: 'state' } } }, { column: 'assigned_to', skip: true }] },
    };
    const csv = 'number,sys_updated_on,sys_mod_count,state,assigned_to,priority,caller_email,close_code\nINC8,01-03-2016 09:00,0,New,,4 - Low,x@example.com,\nINC8,01-03-2016 09:10,1,Waiting,,4 - Low,x@example.com,\n';
    const { events, badRows } = importCsv(csv, mapping);
    expect(events.map((e) => e.type)).toEqual(['CaseOpened']);
    expect(badRows).toHaveLength(1);
    expect(badRows[0]!.problems[0]).toMatchObject({ field: 'data.to', column: 'state' });
  });

  it('gives several changes on one row several events in rule order, with suffixed ids, from a mapped id too', () => {
    const csv = 'ticket,at,state,agent,who,audit_id\nT1,2024-03-01T10:00:00Z,New,ann,c1,a-17\nT1,2024-03-01T11:00:00Z,Resolved,bob,c1,a-18\n';
    const mapping: CsvMapping = {
      occurredAt: { column: 'at' },
      customerId: { column: 'who' },
      caseId: { column: 'ticket' },
      audit: {
        ticket: 'ticket',
        rules: [
          { column: 'state', first: true, type: 'CaseOpened' },
          { column: 'state', to: 'Resolved', type: 'CaseResolved' },
          { column: 'agent', type: 'CaseAssigned', data: { assigneeKind: 'agent', assigneeId: { column: 'agent' } } },
        ],
      },
    };
    expect(importCsv(csv, mapping).events.map((e) => [e.id, e.type, e.data.assigneeId])).toEqual([
      ['csv-1', 'CaseOpened', undefined],
      ['csv-1.1', 'CaseAssigned', 'ann'],
      ['csv-2', 'CaseResolved', undefined],
      ['csv-2.1', 'CaseAssigned', 'bob'],
    ]);
    expect(importCsv(csv, { ...mapping, id: { column: 'audit_id' } }).events.map((e) => e.id)).toEqual(['a-17', 'a-17.1', 'a-18', 'a-18.1']);
  });

  it('gives several events in order from a rule with several types: a ticket created already resolved', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'calls.csv'), 'sr,at,status\nS1,2024-03-01T10:00:00Z,Completed\nS1,2024-03-02T09:00:00Z,Accepted\nS1,2024-03-03T09:00:00Z,Completed\n');
    const mapping: CsvMapping = {
      tenantId: 'desk',
      occurredAt: { column: 'at' },
      customerId: { column: 'sr' },
      caseId: { column: 'sr' },
      audit: {
        ticket: 'sr',
        rules: [
          { column: 'status', first: true, to: 'Completed', type: ['CaseOpened', 'CaseResolved'] },
          { column: 'status', first: true, type: 'CaseOpened' },
          { column: 'status', to: 'Completed', type: 'CaseResolved' },
          { column: 'status', from: 'Completed', type: 'CaseReopened' },
        ],
      },
    };
    writeFileSync(join(dir, 'm.json'), JSON.stringify(mapping));
    const imported = await run(['import', 'csv', 'calls.csv', '--mapping', 'm.json', '--out', 'calls.ndjson'], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const events = ndjsonLines(readFileSync(join(dir, 'calls.ndjson'), 'utf8'));
    expect(events.map((e) => [e.id, e.type])).toEqual([
      ['csv-1', 'CaseOpened'],
      ['csv-1.1', 'CaseResolved'],
      ['csv-2', 'CaseReopened'],
      ['csv-3', 'CaseResolved'],
    ]);
    const cases = (await replayReport(join(dir, 'calls.ndjson'))).tenants.desk.cases;
    expect(cases.anomalies).toEqual([]);
    expect(cases.byStatus.resolved).toBe(1);
  });

  it('orders by a declared column instead of the time when asked', () => {
    const csv = 'ticket,at,version,status,who\nT1,2024-03-01T10:00:00Z,2,done,c1\nT1,2024-03-01T10:00:00Z,1,new,c1\n';
    const mapping: CsvMapping = {
      occurredAt: { column: 'at' },
      customerId: { column: 'who' },
      caseId: { column: 'ticket' },
      audit: {
        ticket: 'ticket',
        orderBy: { column: 'version', as: 'integer' },
        rules: [
          { column: 'status', first: true, type: 'CaseOpened' },
          { column: 'status', to: 'done', type: 'CaseResolved' },
        ],
      },
    };
    expect(importCsv(csv, mapping).events.map((e) => [e.id, e.type])).toEqual([
      ['csv-1', 'CaseOpened'],
      ['csv-2', 'CaseResolved'],
    ]);
  });
});
