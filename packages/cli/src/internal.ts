/**
 * `@omnitrail/cli/internal`: the CLI's building blocks, for the benchmarks and the project's tests. No
 * stability promise: these names change with the implementation.
 */
export { parseInstantArg } from './args/index.js';
export {
  createBlockParser,
  fromJsonParsedBlock,
  parseBlock,
  parseBlockAsJson,
  replaySharded,
  workerEntry,
  type BlockParser,
  type JsonParsedBlock,
  type ParsedBlock,
} from './replay/index.js';
export { countNewlines, forEachLine, isGzip, readLineBlocks, type LineBlock, type NdjsonSource } from './ndjson/index.js';
export {
  checkTimeZone,
  compileDateFormat,
  formatBadRow,
  formatBadRowSummary,
  formatLocalInstant,
  formatOffset,
  parseCsv,
  readCsvTable,
  summarizeBadRows,
  timeZoneOf,
  twitterTimeToIso,
  type ColumnValue,
  type Constant,
  type CsvTable,
  type DateFormat,
  type LocalDateTime,
  type ParsedDate,
  type RowProblem,
  type TimeZone,
} from './import/index.js';
export { barChart, escapeHtml, stackedBar } from './html/index.js';
export { formatTable } from './journey/index.js';
export { createSpillFile, type SpillFile, type SpillFileOptions } from './spill/index.js';
export { createProgressBar, formatBytes, type ProgressBar, type ProgressSink } from './progress/index.js';
export { appendStoreEvents, eraseStoreCustomer, ESDB_CONNECT_TIMEOUT_MS, readStoreValues, type StoreAccessOptions, type StoreWriteOptions, type StoreWriteResult } from './store/index.js';
