export { importBpic2013, type Bpic2013Options } from './bpic2013/index.js';
export { importTwcs, twitterTimeToIso, type TwcsOptions } from './twcs/index.js';
export { importCsv, parseCsv, readCsvTable, CsvMappingError, type CsvMapping, type CsvTable, type ValueSpec } from './csv/index.js';
export type { InputEvent } from './types.js';

/** Events as NDJSON: one JSON object per line, each line ended by `\n`. */
export function toNdjson(events: Iterable<unknown>): string {
  let out = '';
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}
