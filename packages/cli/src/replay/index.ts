import type { CatalogEvent } from '@omnitrail/events';
import { replayReport, type JourneyConfig, type ReplayOptions, type ReplayReport, type TenantReport } from '@omnitrail/journey';
import { createReplayEventLog, type ReplayEventLog } from '@omnitrail/journey/internal';
import { readLineBlocks, sourceSize, type NdjsonSource } from '../ndjson/index.js';
import { createProgressBar, type ProgressSink } from '../progress/index.js';
import { createSpillFile, type SpillFile } from '../spill/index.js';
import { readStoreValues } from '../store/index.js';
import { ACCEPTED, conflictRejection, createAcceptance, createRejections, DUPLICATE } from './acceptance.js';
import { replayInShards, shardPlan, type ShardableInput, type ShardedInput, type ShardedReplayOptions } from './sharded.js';
import type { IngestOptions, ReportInstants } from './options.js';
export type { IngestOptions, ReportInstants } from './options.js';
import { emptyParsedBlock, parseValue, type ParsedBlock } from './parse.js';
import { createBlockParser, createInThreadParser, defaultWorkerCount, type BlockParser } from './pool.js';

export { StrictInputError } from './strict.js';
export { parseBlock, parseBlockAsJson, fromJsonParsedBlock, type ParsedBlock, type JsonParsedBlock, type LineRejection } from './parse.js';
export { createBlockParser, workerEntry, type BlockParser } from './pool.js';

/** One input of a replay: an NDJSON file, standard input, or an event store URI. */
export type ReplayInput =
  | { kind: 'file'; path: string; name?: string }
  | { kind: 'stdin'; stream: NodeJS.ReadableStream; name?: string }
  | { kind: 'store'; uri: string };

/** The accepted events of every input and the report's `input` section. */
export interface IngestResult {
  /** Distinct valid events of every input and tenant, in input order, as the replay fold reads them. */
  log: ReplayEventLog;
  /** The same events as a list (built on first access; read back from the spill file on each access when spilled). */
  readonly events: CatalogEvent[];
  input: ReplayReport['input'];
  /** Deletes the spill file, if events were spilled. Call it once the report is built. */
  close(): void;
}


/** Accepted events a replay holds in memory before it spills to a temporary file. */
export const DEFAULT_MAX_EVENTS_IN_MEMORY = 1_000_000;

/** Lines per block to allow for when deciding whether a block's events may be spilled. */
const SPILL_TEXT_MARGIN = 8192;

/** Below this many bytes of input, starting workers costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 4 * 1024 * 1024;

function inputName(input: ReplayInput): string {
  if (input.kind === 'store') return input.uri;
  return input.name ?? (input.kind === 'file' ? input.path : '-');
}

/**
 * Reads, validates and de-duplicates the events of every input (report.md, Defaults and counting).
 * Invalid lines are collected (or throw under `strict`); the same id with deeply equal content is a
 * duplicate; with different content, the later line is rejected as a conflict on `id`.
 */
export async function readInputs(inputs: readonly ReplayInput[], options: IngestOptions = {}): Promise<IngestResult> {
  const log = createReplayEventLog();
  const maxInMemory = options.maxEventsInMemory ?? DEFAULT_MAX_EVENTS_IN_MEMORY;
  let spill: SpillFile | undefined;
  const acceptance = createAcceptance();
  const ids = acceptance.ids;
  const accept = (event: CatalogEvent, text: string | undefined) => {
    if (spill === undefined && log.size >= maxInMemory) {
      spill = createSpillFile(options.spillDirectory === undefined ? {} : { directory: options.spillDirectory });
      for (const held of log.events()) spill.append(held);
      log.spill(spill);
    }
    spill?.append(event, text);
    log.add(event);
  };
  const rejections = createRejections({ strict: options.strict, several: inputs.length > 1 });
  let read = 0;
  let duplicates = 0;
  // Parsing starts on this thread; workers start once enough bytes have come to be worth their start-up
  // (immediately when the caller asks for a number of workers), so small inputs never pay for them.
  const wanted = options.workers ?? defaultWorkerCount();
  let parser: BlockParser = createInThreadParser();
  let bytesSeen = options.workers === undefined ? 0 : WORKER_THRESHOLD_BYTES;
  const parserFor = (bytes: number): BlockParser => {
    bytesSeen += bytes;
    if (parser.threads === 0 && wanted > 0 && bytesSeen >= WORKER_THRESHOLD_BYTES) {
      parser = createBlockParser({ workers: wanted, shareWithCaller: true });
      // Stop trying when no worker could be started.
      if (parser.threads === 0) bytesSeen = -Infinity;
    }
    return parser;
  };
  const maxInFlight = options.maxInFlight ?? 8;
  try {
    for (const input of inputs) {
      const name = inputName(input);
      const reject = rejections.forInput(name);
      // Applied strictly in line order, so "the first valid one" is the first in the file.
      const apply = (block: ParsedBlock) => {
        read += block.read;
        let r = 0;
        const rej = block.rejected;
        for (let i = 0; i < block.events.length; i++) {
          const line = block.lines[i]!;
          // Rejections before this event come first, so strict mode names the earliest invalid line.
          while (r < rej.length && rej[r]!.line < line) reject(rej[r++]!);
          const event = block.events[i]!;
          const verdict = acceptance.check(event.id, block.hashes[i]!);
          if (verdict === ACCEPTED) accept(event, block.texts?.[i]);
          else if (verdict === DUPLICATE) duplicates++;
          else reject(conflictRejection(line, event.id));
        }
        while (r < rej.length) reject(rej[r++]!);
      };
      if (input.kind === 'store') {
        let line = 0;
        let block = emptyParsedBlock();
        for await (const value of readStoreValues(input.uri)) {
          line++;
          block.read++;
          parseValue(value, line, block);
          if (block.read >= 4096) {
            apply(block);
            block = emptyParsedBlock();
          }
        }
        apply(block);
        continue;
      }
      const source: NdjsonSource = input.kind === 'file' ? { path: input.path } : { stream: input.stream, name };
      const bar = options.progress ? createProgressBar(options.progress, { label: name, total: sourceSize(source) }) : undefined;
      const inFlight: Promise<ParsedBlock>[] = [];
      try {
        for await (const block of readLineBlocks(source, bar ? { onProgress: bar.advance } : {})) {
          // Line texts are kept once the events may be spilled (a block is at most a few thousand lines), so
          // a replay held in memory does not keep its raw text alive; a spilled event without its text is
          // written as JSON instead.
          const keepText = ids.length + (inFlight.length + 1) * SPILL_TEXT_MARGIN >= maxInMemory;
          inFlight.push(parserFor(block.bytes.length).parse(block, keepText));
          if (inFlight.length >= maxInFlight) {
            const done = await inFlight.shift()!;
            apply(done);
            bar?.events(ids.length);
          }
        }
        while (inFlight.length > 0) {
          apply(await inFlight.shift()!);
          bar?.events(ids.length);
        }
      } finally {
        // Let abandoned parses settle quietly when strict mode stops early.
        for (const p of inFlight) p.catch(() => undefined);
        bar?.done();
      }
    }
  } catch (error) {
    spill?.close();
    throw error;
  } finally {
    await parser.close();
  }
  const rejected = rejections.sorted();
  const spilled = spill;
  let list: CatalogEvent[] | undefined;
  return {
    log,
    get events() {
      // Built once for a log held in memory; read back on every access when spilled (not kept: it is as
      // large as the input).
      if (log.spilled) return log.events();
      return (list ??= log.events());
    },
    input: { read, accepted: ids.length, duplicates, rejected },
    close: () => spilled?.close(),
  };
}


/**
 * Assembles the JSON report from the ingest result and the engine's tenant sections, in report.md's key
 * order, tenants sorted by id, so that two reports of the same events are byte-identical.
 */
export function buildReport(ingest: IngestResult, instants: ReportInstants = {}): ReplayReport {
  const options: ReplayOptions = { events: ingest.log };
  if (instants.asOf !== undefined) options.asOf = instants.asOf;
  if (instants.from !== undefined) options.from = instants.from;
  if (instants.to !== undefined) options.to = instants.to;
  if (instants.tenant !== undefined) options.tenant = instants.tenant;
  if (instants.config !== undefined) options.config = instants.config;
  const result = replayReport(options);
  // fromEntries: a tenant id such as "__proto__" stays an own key.
  const tenants: Record<string, TenantReport> = Object.fromEntries(Object.keys(result.tenants).sort().map((id) => [id, result.tenants[id]!]));
  return {
    omnitrailReport: 1,
    asOf: result.asOf,
    from: result.from,
    to: result.to,
    input: {
      read: ingest.input.read,
      accepted: ingest.input.accepted,
      duplicates: ingest.input.duplicates,
      rejected: ingest.input.rejected,
    },
    tenants,
  };
}

/**
 * The report of NDJSON files replayed in `options.shards` worker threads (see `replayInShards`),
 * byte-identical to {@link buildReport} of {@link readInputs}; `undefined` when fewer than two shards are
 * asked for, the inputs are not all files, the workers cannot be started, or the inputs hold more accepted
 * events than `maxEventsInMemory`: then replay them with `readInputs` and `buildReport`.
 */
export async function replaySharded(
  inputs: readonly ReplayInput[],
  options: IngestOptions & ReportInstants & Pick<ShardedReplayOptions, 'onPhases' | 'onFallback' | 'blockBytes'> = {},
): Promise<ReplayReport | undefined> {
  const planned = inputs.map((input): ShardableInput => (input.kind === 'file' ? { path: input.path, name: inputName(input) } : { readOnce: input.kind === 'stdin' ? 'standard input' : input.uri }));
  const maxEventsInMemory = options.maxEventsInMemory ?? DEFAULT_MAX_EVENTS_IN_MEMORY;
  const { shards, reason } = shardPlan(planned, { shards: options.shards ?? 0, maxEventsInMemory });
  if (shards === 0) {
    if (reason !== undefined) options.onFallback?.(reason);
    return undefined;
  }
  const files = planned as ShardedInput[];
  return replayInShards(files, shards, { ...options, maxEventsInMemory });
}

/** Reads the inputs and builds the replay report: the programmatic `omnitrail replay`. */
export async function replayFiles(inputs: readonly (string | ReplayInput)[], options: IngestOptions & ReportInstants = {}): Promise<ReplayReport> {
  const normalized = inputs.map((i): ReplayInput => (typeof i === 'string' ? { kind: 'file', path: i } : i));
  const sharded = await replaySharded(normalized, options);
  if (sharded !== undefined) return sharded;
  const ingest = await readInputs(normalized, options);
  try {
    return buildReport(ingest, options);
  } finally {
    ingest.close();
  }
}

/** The report as the CLI writes it: 2-space indented JSON and a final newline. */
export function formatReport(report: ReplayReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
