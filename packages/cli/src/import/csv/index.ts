import { importAuditLog } from '../audit/index.js';
import type { BadRow } from '../bad-rows/index.js';
import { columnsOfMapping, CsvMappingError, readCsvMapping, type AuditLogSpec, type CsvMapping } from '../mapping/index.js';
import { createRowEventBuilder } from '../row-events/index.js';
import type { InputEvent } from '../types.js';
import { createValueReader } from '../values/index.js';
import { readCsvTable } from './parse.js';

export { parseCsv, readCsvTable, type CsvTable } from './parse.js';

/** What `importCsv` made of a file: the valid events, and the rows that gave none, each with the reasons. */
export interface CsvImportResult {
  events: InputEvent[];
  badRows: BadRow[];
}

/**
 * Converts a CSV file with a column mapping into events: one per row, or, with `audit`, one per change of
 * a watched column (docs/import.md). The mapping is checked first (a {@link CsvMappingError} names every
 * field at fault, and any column missing from the header). A row that cannot give a valid event (a bad
 * cell, an unmapped value, an event replay would reject) is a bad row: reported, and the rest imported.
 */
export function importCsv(text: string, mappingInput: unknown, options: { tenant?: string } = {}): CsvImportResult {
  const mapping = readCsvMapping(mappingInput);
  const table = readCsvTable(text, mapping.delimiter ?? ',');
  const header = new Set(table.header);
  const absent = [...columnsOfMapping(mapping)].filter(([column]) => !header.has(column));
  if (absent.length > 0) {
    throw new CsvMappingError(
      `${absent.map(([column, field]) => `${field}: no column "${column}" in the CSV header`).join('; ')} (the header has ${table.header.map((h) => JSON.stringify(h)).join(', ')})`,
    );
  }
  const reader = createValueReader(mapping);
  const build = createRowEventBuilder(mapping, reader, options);
  if (mapping.audit !== undefined) return importAuditLog(table, mapping as CsvMapping & { audit: AuditLogSpec }, reader, build);
  const width = String(table.rows.length + 1).length;
  const events: InputEvent[] = [];
  const badRows: BadRow[] = [];
  for (const row of table.rows) {
    // Zero-padded record numbers: ids compared as strings keep file order, the tie-break for equal times.
    const built = build(row.values, { generatedId: `${mapping.idPrefix ?? 'csv'}-${String(row.record).padStart(width, '0')}`, part: 0 });
    if ('event' in built) events.push(built.event);
    else badRows.push({ row: row.record, line: row.line, problems: built.problems });
  }
  return { events, badRows };
}
