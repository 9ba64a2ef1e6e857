/**
 * `@omnitrail/cli`: the `omnitrail` command line and its programmatic API: replay NDJSON into the JSON
 * report, import real-world logs, render the HTML report, show one customer's journey. Every name is listed
 * in docs/api.md; the building blocks the benchmarks and tests use (line readers, parse blocks, spill files,
 * progress bars, HTML charts, store access) are in `@omnitrail/cli/internal`.
 */
export { processIo, runCli, type CliIo } from './cli/index.js';
export { USAGE, UsageError } from './args/index.js';
export {
  buildReport,
  DEFAULT_MAX_EVENTS_IN_MEMORY,
  formatReport,
  readInputs,
  replayFiles,
  StrictInputError,
  type IngestOptions,
  type IngestResult,
  type LineRejection,
  type ReplayInput,
  type ReportInstants,
} from './replay/index.js';
export {
  CsvMappingError,
  importBpic2013,
  importCsv,
  importTwcs,
  readCsvMapping,
  toNdjson,
  type AuditLogSpec,
  type AuditRule,
  type BadRow,
  type Bpic2013Options,
  type CsvImportResult,
  type CsvMapping,
  type InputEvent,
  type TwcsOptions,
  type ValueSpec,
} from './import/index.js';
export { renderHtmlReport } from './html/index.js';
export { renderJourney, type JourneyRequest } from './journey/index.js';
export { runDemo, type DemoOptions } from './demo/index.js';
export { parseStoreUri, StoreAccessError, StoreUnavailableError, type StoreUri } from './store/index.js';
