export { importBpic2013, type Bpic2013Options } from './bpic2013/index.js';
export { importTwcs, twitterTimeToIso, type TwcsOptions } from './twcs/index.js';
export { importCsv, parseCsv, readCsvTable, type CsvImportResult, type CsvTable } from './csv/index.js';
export {
  readCsvMapping,
  CsvMappingError,
  type CsvMapping,
  type ValueSpec,
  type ColumnValue,
  type Constant,
  type AuditLogSpec,
  type AuditRule,
} from './mapping/index.js';
export { formatBadRow, formatBadRowSummary, summarizeBadRows, type BadRow, type RowProblem } from './bad-rows/index.js';
export { compileDateFormat, type DateFormat, type ParsedDate } from './date-format/index.js';
export { timeZoneOf, checkTimeZone, formatLocalInstant, formatOffset, type TimeZone, type LocalDateTime } from './time-zone/index.js';
export type { InputEvent } from './types.js';

/** Events as NDJSON: one JSON object per line, each line ended by `\n`. */
export function toNdjson(events: Iterable<unknown>): string {
  let out = '';
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}
