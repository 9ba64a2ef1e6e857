import { parseInstant } from '@omnitrail/events';
import type { BadRow, RowProblem } from '../bad-rows/index.js';
import type { CsvTable } from '../csv/parse.js';
import type { AuditLogSpec, AuditRule, ColumnValue, CsvMapping } from '../mapping/index.js';
import type { RowEventBuilder } from '../row-events/index.js';
import type { InputEvent } from '../types.js';
import type { ValueReader } from '../values/index.js';

interface OrderedRow {
  row: CsvTable['rows'][number];
  ticket: string;
  order: number | string;
  sequence: number | string | undefined;
}

function compareKeys(a: number | string | undefined, b: number | string | undefined): number {
  if (a === undefined || b === undefined || a === b) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

const includes = (allowed: string | string[] | undefined, value: string) => allowed === undefined || (Array.isArray(allowed) ? allowed.includes(value) : allowed === value);

/** Whether a rule matches the change of its column on one row of a ticket. */
function ruleMatches(rule: AuditRule, change: { before: string | undefined; after: string; first: boolean; last: boolean }): boolean {
  if (rule.first !== undefined && rule.first !== change.first) return false;
  if (rule.last !== undefined && rule.last !== change.last) return false;
  if (rule.from !== undefined && (change.before === undefined || !includes(rule.from, change.before))) return false;
  return includes(rule.to, change.after);
}

/**
 * Audit-log mode (docs/import.md): rows grouped by ticket and ordered by `orderBy` (default `occurredAt`),
 * then `sequence`, then file order. A ticket's first row and every change of a watched column (one the rules
 * name) go through the rules of that column, first match wins; a change no rule matches makes a bad row.
 * Ids are `<idPrefix>-<position in that order>` (plus `.<k>` for a row's later events), so the engine's
 * `(occurredAt, id)` order keeps the sequence of rows that share a time.
 */
export function importAuditLog(
  table: CsvTable,
  mapping: CsvMapping & { audit: AuditLogSpec },
  reader: ValueReader,
  build: RowEventBuilder,
): { events: InputEvent[]; badRows: BadRow[] } {
  const audit = mapping.audit;
  const badRows: BadRow[] = [];
  const orderSpec: ColumnValue | undefined = audit.orderBy ?? (typeof mapping.occurredAt === 'object' ? { as: 'instant', ...mapping.occurredAt } : undefined);
  const orderField = audit.orderBy ? 'audit.orderBy' : 'occurredAt';
  const ordered: OrderedRow[] = [];
  for (const row of table.rows) {
    const problems: RowProblem[] = [];
    const ticketCell = row.values[audit.ticket] ?? '';
    if (reader.isMissing(ticketCell)) problems.push({ field: 'audit.ticket', column: audit.ticket, reason: 'is missing: every row must name its ticket' });
    let order: number | string = 0;
    if (orderSpec) {
      const reading = reader.read(orderSpec, row.values);
      if (!reading.ok) problems.push({ field: orderField, column: orderSpec.column, reason: reading.reason });
      else if (reading.value === undefined) problems.push({ field: orderField, column: orderSpec.column, reason: 'is missing: rows cannot be put in order without it' });
      else if (orderSpec.as === 'instant') order = (parseInstant(String(reading.value)) as { ms: number }).ms;
      else order = reading.value as number | string;
    }
    if (problems.length > 0) {
      badRows.push({ row: row.record, line: row.line, problems });
      continue;
    }
    const sequenceCell = audit.sequence === undefined ? '' : (row.values[audit.sequence] ?? '').trim();
    const sequence = reader.isMissing(sequenceCell) ? undefined : /^[+-]?\d+(\.\d+)?$/.test(sequenceCell) ? Number(sequenceCell) : sequenceCell;
    ordered.push({ row, ticket: ticketCell.trim(), order, sequence });
  }
  ordered.sort((a, b) => compareKeys(a.order, b.order) || compareKeys(a.sequence, b.sequence) || a.row.record - b.row.record);

  const width = String(ordered.length).length;
  const generatedId = (position: number) => `${mapping.idPrefix ?? 'csv'}-${String(position + 1).padStart(width, '0')}`;
  const byTicket = new Map<string, number[]>();
  ordered.forEach((o, position) => {
    const positions = byTicket.get(o.ticket);
    if (positions) positions.push(position);
    else byTicket.set(o.ticket, [position]);
  });
  const watched = [...new Set(audit.rules.map((r) => r.column))];
  const valueIn = (values: Record<string, string>, column: string) => {
    const cell = values[column] ?? '';
    return reader.isMissing(cell) ? '' : cell.trim();
  };
  const eventsAt: InputEvent[][] = ordered.map(() => []);
  for (const positions of byTicket.values()) {
    positions.forEach((position, k) => {
      const { row } = ordered[position]!;
      const previous = k === 0 ? undefined : ordered[positions[k - 1]!]!.row.values;
      const matched: number[] = [];
      const problems: RowProblem[] = [];
      for (const column of watched) {
        const after = valueIn(row.values, column);
        const before = previous === undefined ? undefined : valueIn(previous, column);
        // A first row counts as a change of every watched column that has a value there.
        if (before === after || (before === undefined && after === '')) continue;
        const change = { before, after, first: k === 0, last: k === positions.length - 1 };
        const ruleIndex = audit.rules.findIndex((rule) => rule.column === column && ruleMatches(rule, change));
        if (ruleIndex < 0) {
          const what = before === undefined ? `first value "${after}"` : `changed from "${before}" to "${after}"`;
          problems.push({ field: 'audit.rules', column, reason: `${what}${change.last ? ' on the last row' : ''}: no rule matches` });
        } else if (audit.rules[ruleIndex]!.skip !== true) matched.push(ruleIndex);
      }
      if (problems.length === 0) {
        const events: InputEvent[] = [];
        for (const ruleIndex of matched.sort((a, b) => a - b)) {
          const rule = audit.rules[ruleIndex]!;
          for (const type of typeof rule.type === 'string' ? [rule.type] : (rule.type ?? [])) {
            const built = build(row.values, {
              type,
              generatedId: generatedId(position),
              part: events.length,
              ...(rule.data ? { data: { fields: rule.data, path: `audit.rules[${ruleIndex}].data` } } : {}),
            });
            if ('problems' in built) problems.push(...built.problems.filter((p) => !problems.some((q) => q.field === p.field && q.reason === p.reason)));
            else events.push(built.event);
          }
        }
        if (problems.length === 0) eventsAt[position] = events;
      }
      if (problems.length > 0) badRows.push({ row: row.record, line: row.line, problems });
    });
  }
  badRows.sort((a, b) => a.row - b.row);
  return { events: eventsAt.flat(), badRows };
}
