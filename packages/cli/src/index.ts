/**
 * `@omnitrail/cli`: the `omnitrail` command line and its programmatic API: replay NDJSON into the JSON
 * report, import real-world logs, render the HTML report, show one customer's journey.
 */
export { runCli, processIo, type CliIo } from './cli/index.js';
export { USAGE, UsageError, parseInstantArg } from './args/index.js';
export {
  replayFiles,
  replaySharded,
  readInputs,
  buildReport,
  formatReport,
  StrictInputError,
  DEFAULT_MAX_EVENTS_IN_MEMORY,
  parseBlock,
  parseBlockAsJson,
  fromJsonParsedBlock,
  createBlockParser,
  workerEntry,
  type ReplayInput,
  type IngestResult,
  type IngestOptions,
  type ReportInstants,
  type ParsedBlock,
  type JsonParsedBlock,
  type LineRejection,
  type BlockParser,
} from './replay/index.js';
export { readLineBlocks, forEachLine, countNewlines, isGzip, type LineBlock, type NdjsonSource } from './ndjson/index.js';
export * from './import/index.js';
export { renderHtmlReport, barChart, stackedBar, escapeHtml } from './html/index.js';
export { renderJourney, formatTable, type JourneyRequest } from './journey/index.js';
export { runDemo, type DemoOptions } from './demo/index.js';
export { createSpillFile, type SpillFile, type SpillFileOptions } from './spill/index.js';
export { createProgressBar, formatBytes, type ProgressBar, type ProgressSink } from './progress/index.js';
export {
  parseStoreUri,
  readStoreValues,
  writeStoreEvents,
  StoreUnavailableError,
  StoreAccessError,
  ESDB_CONNECT_TIMEOUT_MS,
  type StoreAccessOptions,
  type StoreUri,
} from './store/index.js';
