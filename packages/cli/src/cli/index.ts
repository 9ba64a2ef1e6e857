import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { parseCommandArgs, parseCountArg, parseInstantArg, USAGE, UsageError } from '../args/index.js';
import { runDemo } from '../demo/index.js';
import { renderHtmlReport } from '../html/index.js';
import { CsvMappingError, formatBadRow, formatBadRowSummary, importBpic2013, importCsv, importTwcs, toNdjson, type BadRow, type InputEvent } from '../import/index.js';
import { formatDryRun } from '../import/dry-run/index.js';
import { checkDirectoryOrAbsent, checkReadableFile, FILE_ACCESS_EXIT_CODE, fileAccessErrorOf, writeFileNamed } from '../file-access/index.js';
import { formatJourney, plural } from '../journey/index.js';
import { CHANNELS } from '@omnitrail/events';
import { JOURNEY_STAGES, journeyOf, segmentOf, type SegmentFilter } from '@omnitrail/journey';
import type { ReplayReport } from '@omnitrail/journey';
import { buildReport, formatReport, readInputs, replaySharded, StrictInputError, type ReplayInput } from '../replay/index.js';
import { formatSegmentCsv, formatSegmentJson, formatSegmentTable } from '../segment/index.js';
import { appendStoreEvents, eraseStoreCustomer } from '../store/index.js';
import { readConfigFile } from '../replay/config-file.js';
import { checkSectionName, formatSection } from '../replay/section.js';

/** The streams a CLI run uses; tests pass in-memory ones. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Standard input, for the `-` input. */
  stdin?: NodeJS.ReadableStream;
  /** Directory relative paths are resolved against (default `process.cwd()`). */
  cwd?: string;
  /**
   * Called before a replay folds spilled events: the executable tightens V8's heap growth there (see
   * {@link processIo}); a host running commands in its own process leaves its heap settings alone.
   */
  beforeSpilledFold?: () => void;
}

/**
 * The process's own streams, for the `omnitrail` executable. Before a spilled fold it sets V8's
 * `--heap-growing-percent=30`: that heap is mostly state that lives to the end, and V8's default margin lets
 * the heap grow to about twice what survived the last full collection before collecting again, so a 30%
 * margin keeps the peak near what the fold holds (3M events: 1.75 GB instead of 2.5 GB, for ~10% more
 * time in collections). Not while reading, or for a replay held in memory: there the margin only adds full
 * collections of a growing heap (~0.5 s at 1M events) without lowering the peak.
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    beforeSpilledFold: () => setFlagsFromString('--heap-growing-percent=30'),
  };
}

const COMMANDS = ['replay', 'import', 'journey', 'segment', 'erase', 'demo'] as const;

/**
 * Runs one `omnitrail` command line (without the `node` and script arguments) and resolves with the exit
 * code: 0 success, 1 invalid input under `--strict` (or a failed run), 2 usage error, 3 a file or directory
 * that cannot be read or written (one line naming it and the reason).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      if (command === undefined) throw new UsageError('missing command');
      io.stdout.write(`${USAGE.main}\n`);
      return 0;
    }
    if (command === '--version' || command === '-v') {
      io.stdout.write('0.1.0\n');
      return 0;
    }
    if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command "${command}"`);
    switch (command) {
      case 'replay':
        return await replayCommand(rest, io);
      case 'import':
        return await importCommand(rest, io);
      case 'journey':
        return await journeyCommand(rest, io);
      case 'segment':
        return await segmentCommand(rest, io);
      case 'erase':
        return await eraseCommand(rest, io);
      default:
        return await demoCommand(rest, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`omnitrail: ${error.message}\n\n${USAGE[error.command ?? 'main'] ?? USAGE.main}\n`);
      return 2;
    }
    if (error instanceof StrictInputError) {
      io.stderr.write(`omnitrail: ${error.message}\n`);
      return 1;
    }
    const fileError = fileAccessErrorOf(error, io.cwd ?? process.cwd());
    if (fileError !== undefined) {
      io.stderr.write(`omnitrail: ${fileError.message}\n`);
      return FILE_ACCESS_EXIT_CODE;
    }
    io.stderr.write(`omnitrail: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

function helpRequested(command: string, values: { help?: unknown }, io: CliIo): boolean {
  if (values.help !== true) return false;
  io.stdout.write(`${USAGE[command]}\n`);
  return true;
}

/** Writes a command's output to standard output (`-`) or a file; `option` names it in an error (`--json`). */
function writeOutput(target: string, text: string, io: CliIo, option: string): void {
  if (target === '-') {
    io.stdout.write(text);
    return;
  }
  writeFileNamed(resolve(io.cwd ?? process.cwd(), target), text, `${option} "${target}"`);
}

/** Inputs named on the command line, plus `--store`. */
function inputsOf(command: string, positionals: readonly string[], store: string | undefined, io: CliIo): ReplayInput[] {
  const inputs: ReplayInput[] = positionals.map((p): ReplayInput => {
    if (p === '-') {
      if (!io.stdin) throw new UsageError('"-" needs standard input', command);
      return { kind: 'stdin', stream: io.stdin, name: '-' };
    }
    const path = resolve(io.cwd ?? process.cwd(), p);
    checkReadableFile(path, `input "${p}"`, `: give NDJSON files (or --store file:${p} for a file store)`);
    return { kind: 'file', path, name: p };
  });
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input ("-") can be read only once', command);
  if (store !== undefined) inputs.push({ kind: 'store', uri: store });
  if (inputs.length === 0) throw new UsageError('missing input: give NDJSON files, "-" for standard input, or --store <uri>', command);
  return inputs;
}

const INSTANT_OPTIONS = {
  'as-of': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  tenant: { type: 'string' },
  store: { type: 'string' },
} as const;

async function replayCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('replay', argv, {
    ...INSTANT_OPTIONS,
    json: { type: 'string' },
    html: { type: 'string' },
    strict: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
    workers: { type: 'string' },
    shards: { type: 'string' },
    'max-events-in-memory': { type: 'string' },
    config: { type: 'string' },
    section: { type: 'string' },
  });
  if (helpRequested('replay', values, io)) return 0;
  const config = values.config === undefined ? undefined : readConfigFile(resolve(io.cwd ?? process.cwd(), values.config as string), values.config as string);
  const section = values.section === undefined ? undefined : checkSectionName(values.section as string);
  const asOf = values['as-of'] === undefined ? undefined : parseInstantArg(values['as-of'] as string, 'as-of', 'replay');
  const from = values.from === undefined ? undefined : parseInstantArg(values.from as string, 'from', 'replay');
  const to = values.to === undefined ? undefined : parseInstantArg(values.to as string, 'to', 'replay');
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from must not be after --to', 'replay');
  // --to defaults to --as-of: a --from after --as-of would be a reversed period too.
  if (from !== undefined && to === undefined && asOf !== undefined && from > asOf) throw new UsageError('--from must not be after --as-of (the default --to)', 'replay');
  const inputs = inputsOf('replay', positionals, values.store as string | undefined, io);
  const showProgress = io.stderr.isTTY === true && values['no-progress'] !== true;
  const workers = values.workers === undefined ? undefined : parseCountArg(values.workers as string, 'workers', 'replay', 0);
  const shards = values.shards === undefined ? undefined : parseCountArg(values.shards as string, 'shards', 'replay', 0);
  const maxEventsInMemory = values['max-events-in-memory'] === undefined ? undefined : parseCountArg(values['max-events-in-memory'] as string, 'max-events-in-memory', 'replay', 0);
  const started = performance.now();
  const instants = {
    ...(asOf === undefined ? {} : { asOf }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(values.tenant === undefined ? {} : { tenant: values.tenant as string }),
    ...(config === undefined ? {} : { config }),
  };
  const ingestOptions = {
    strict: values.strict === true,
    ...(showProgress ? { progress: io.stderr } : {}),
    ...(workers === undefined ? {} : { workers }),
    ...(shards === undefined ? {} : { shards }),
    ...(maxEventsInMemory === undefined ? {} : { maxEventsInMemory }),
  };
  const timing = process.env.OMNITRAIL_TIMING === '1';
  // OMNITRAIL_TIMING=1 prints where the time went, for profiling the replay.
  const peakRss = () => `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`;
  let report = await replaySharded(inputs, {
    ...ingestOptions,
    ...instants,
    onFallback: (reason: string) => io.stderr.write(`omnitrail: --shards: ${reason}; replaying on one thread\n`),
    ...(timing
      ? {
          onPhases: (p: { read: number; settle: number; fold: number; accepted: number }) =>
            io.stderr.write(`omnitrail: sharded: read+parse+dedupe ${Math.round(p.read)} ms, hand-over ${Math.round(p.settle)} ms, fold ${Math.round(p.fold)} ms, ${p.accepted} events, ${peakRss()}\n`),
        }
      : {}),
  });
  if (report === undefined) {
    const ingest = await readInputs(inputs, ingestOptions);
    const read = performance.now();
    if (ingest.log.spilled) io.beforeSpilledFold?.();
    // The fold cannot report progress of its own (it is one synchronous pass per tenant), but it can take a
    // while after the bar is done (tens of seconds for millions of spilled events): say what is going on.
    if (showProgress) io.stderr.write(`folding ${plural(ingest.input.accepted, 'event')}${ingest.log.spilled ? ' (read back from the spill file)' : ''}…`);
    try {
      report = buildReport(ingest, instants);
    } finally {
      ingest.close();
    }
    const built = performance.now();
    if (showProgress) io.stderr.write(` ${((built - read) / 1000).toFixed(1)} s\n`);
    if (timing) {
      io.stderr.write(`omnitrail: read+parse+dedupe ${Math.round(read - started)} ms, replayReport ${Math.round(built - read)} ms, ${ingest.input.accepted} events${ingest.log.spilled ? ' (spilled)' : ''}, ${peakRss()}\n`);
    }
  }
  writeOutput((values.json as string | undefined) ?? '-', section === undefined ? formatReport(report) : formatSection(report, section), io, '--json');
  if (values.html !== undefined) writeOutput(values.html as string, renderHtmlReport(report), io, '--html');
  // Rejected lines do not fail a replay without --strict, but they are never silent.
  const { read, duplicates, rejected } = report.input;
  if (rejected.length > 0) {
    const dup = duplicates > 0 ? `, ${plural(duplicates, 'duplicate')}` : '';
    io.stderr.write(`omnitrail: ${rejected.length.toLocaleString('en-US')} of ${plural(read, 'line')} rejected${dup}: see input.rejected in the report\n`);
  }
  const tenant = values.tenant as string | undefined;
  if (tenant !== undefined && report.input.accepted > 0 && !Object.prototype.hasOwnProperty.call(report.tenants, tenant)) {
    io.stderr.write(`omnitrail: no event of tenant "${tenant}" in the input: the report has no tenant section\n`);
    return 1;
  }
  return 0;
}


const FORMATS = ['bpic2013', 'twcs', 'csv'] as const;

async function importCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', argv, {
    out: { type: 'string' },
    store: { type: 'string' },
    tenant: { type: 'string' },
    mapping: { type: 'string' },
    'dry-run': { type: 'boolean' },
    strict: { type: 'boolean' },
    seal: { type: 'boolean' },
  });
  if (helpRequested('import', values, io)) return 0;
  const [format, file, ...extra] = positionals;
  if (format === undefined) throw new UsageError('missing format: bpic2013, twcs or csv', 'import');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${format}": use bpic2013, twcs or csv`, 'import');
  if (file === undefined) throw new UsageError('missing input file', 'import');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, 'import');
  if (values.out !== undefined && values.store !== undefined) throw new UsageError('give --out or --store, not both', 'import');
  if (values.seal === true && values.store === undefined && values['dry-run'] !== true) {
    throw new UsageError('--seal needs --store <uri>: sealed fields are opened with the keys kept with a store, and an NDJSON file has none', 'import');
  }
  if (format === 'csv' && values.mapping === undefined) throw new UsageError('csv needs --mapping <mapping.json>', 'import');
  const cwd = io.cwd ?? process.cwd();
  checkReadableFile(resolve(cwd, file), `input "${file}"`);
  const text = readFileSync(resolve(cwd, file), 'utf8');
  const tenant = values.tenant as string | undefined;
  const opts = tenant === undefined ? {} : { tenant };
  let events: InputEvent[];
  let badRows: BadRow[] = [];
  if (format === 'bpic2013') events = importBpic2013(text, opts);
  else if (format === 'twcs') {
    const result = importTwcs(text, opts);
    events = result.events;
    if (result.skipped > 0) io.stderr.write(`omnitrail: ${plural(result.skipped, 'tweet')} with no customer to attribute ${result.skipped === 1 ? 'it' : 'them'} to ${result.skipped === 1 ? 'was' : 'were'} skipped\n`);
  } else {
    const mappingPath = resolve(cwd, values.mapping as string);
    checkReadableFile(mappingPath, `mapping "${values.mapping as string}"`);
    let mapping: unknown;
    try {
      mapping = JSON.parse(readFileSync(mappingPath, 'utf8'));
    } catch (error) {
      throw new CsvMappingError(`${values.mapping as string} is not valid JSON: ${(error as Error).message}`);
    }
    try {
      ({ events, badRows } = importCsv(text, mapping, opts));
    } catch (error) {
      if (error instanceof CsvMappingError) throw new CsvMappingError(`${values.mapping as string}: ${error.message}`);
      throw error;
    }
  }
  // Bad rows never stop an import: the rest is written and the exit code is 0, except under --strict,
  // where any bad row writes nothing and exits 1 (as replay's --strict stops at an invalid line).
  const strictFailure = values.strict === true && badRows.length > 0;
  if (values['dry-run'] === true) {
    io.stdout.write(formatDryRun(events, badRows));
    return strictFailure ? 1 : 0;
  }
  for (const bad of badRows) io.stderr.write(`omnitrail: ${file}: ${formatBadRow(bad)}\n`);
  if (badRows.length > 0) io.stderr.write(`omnitrail: ${formatBadRowSummary(badRows)}`);
  if (strictFailure) {
    io.stderr.write(`omnitrail: --strict: ${plural(badRows.length, 'bad row')}, nothing written\n`);
    return 1;
  }
  if (values.store !== undefined) {
    const { count, sealedWith } = await appendStoreEvents(values.store as string, events, 'import', { seal: values.seal === true });
    const sealed = sealedWith === undefined ? '' : ` (personal fields sealed with ${sealedWith})`;
    io.stderr.write(`omnitrail: appended ${plural(count, 'event')} to ${values.store as string}${sealed}\n`);
  } else {
    writeOutput((values.out as string | undefined) ?? '-', toNdjson(events), io, '--out');
    if (values.out !== undefined) io.stderr.write(`omnitrail: wrote ${plural(events.length, 'event')} to ${values.out as string}\n`);
  }
  return 0;
}

async function journeyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('journey', argv, { ...INSTANT_OPTIONS, 'no-progress': { type: 'boolean' }, json: { type: 'boolean' } });
  if (helpRequested('journey', values, io)) return 0;
  const [customerId, ...files] = positionals;
  if (customerId === undefined) throw new UsageError('missing customer id', 'journey');
  const asOf = values['as-of'] === undefined ? undefined : parseInstantArg(values['as-of'] as string, 'as-of', 'journey');
  const inputs = inputsOf('journey', files, values.store as string | undefined, io);
  const ingest = await readInputs(inputs);
  const request = {
    events: ingest.log,
    customerId,
    ...(values.tenant === undefined ? {} : { tenant: values.tenant as string }),
    ...(asOf === undefined ? {} : { asOf }),
  };
  let result: ReturnType<typeof journeyOf>;
  try {
    result = journeyOf(request);
  } finally {
    ingest.close();
  }
  if (result === undefined) {
    const where = values.tenant === undefined ? '' : ` of tenant "${values.tenant as string}"`;
    io.stderr.write(`omnitrail: no customer "${customerId}"${where} in the input (looked up by customer id and by identity: email, phone, user or device id)\n`);
    return 1;
  }
  io.stdout.write(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatJourney(result));
  return 0;
}

const BANDS = ['red', 'yellow', 'green'] as const;

async function segmentCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('segment', argv, {
    'as-of': { type: 'string' },
    tenant: { type: 'string' },
    store: { type: 'string' },
    band: { type: 'string' },
    stage: { type: 'string' },
    'inactive-days': { type: 'string' },
    channel: { type: 'string' },
    csv: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (helpRequested('segment', values, io)) return 0;
  if (values.csv === true && values.json === true) throw new UsageError('give --csv or --json, not both', 'segment');
  const filter: SegmentFilter = {};
  const band = values.band as string | undefined;
  if (band !== undefined) {
    if (!(BANDS as readonly string[]).includes(band)) throw new UsageError(`--band must be red, yellow or green, got "${band}"`, 'segment');
    filter.band = band as SegmentFilter['band'] & string;
  }
  const stage = values.stage as string | undefined;
  if (stage !== undefined) {
    if (!(JOURNEY_STAGES as readonly string[]).includes(stage)) throw new UsageError(`--stage must be one of ${JOURNEY_STAGES.join(', ')}, got "${stage}"`, 'segment');
    filter.stage = stage as NonNullable<SegmentFilter['stage']>;
  }
  const channel = values.channel as string | undefined;
  if (channel !== undefined) {
    if (!(CHANNELS as readonly string[]).includes(channel)) throw new UsageError(`--channel "${channel}" is not a known channel (${CHANNELS.join(', ')})`, 'segment');
    filter.channel = channel as NonNullable<SegmentFilter['channel']>;
  }
  if (values['inactive-days'] !== undefined) filter.inactiveDays = parseCountArg(values['inactive-days'] as string, 'inactive-days', 'segment', 0);
  const asOf = values['as-of'] === undefined ? undefined : parseInstantArg(values['as-of'] as string, 'as-of', 'segment');
  const inputs = inputsOf('segment', positionals, values.store as string | undefined, io);
  const ingest = await readInputs(inputs);
  let result: ReturnType<typeof segmentOf>;
  try {
    result = segmentOf({
      events: ingest.log,
      filter,
      ...(values.tenant === undefined ? {} : { tenant: values.tenant as string }),
      ...(asOf === undefined ? {} : { asOf }),
    });
  } finally {
    ingest.close();
  }
  io.stdout.write(values.csv === true ? formatSegmentCsv(result) : values.json === true ? formatSegmentJson(result) : formatSegmentTable(result));
  return 0;
}

async function eraseCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('erase', argv, {
    store: { type: 'string' },
    tenant: { type: 'string' },
  });
  if (helpRequested('erase', values, io)) return 0;
  const store = values.store as string | undefined;
  const tenant = values.tenant as string | undefined;
  if (store === undefined) throw new UsageError('--store is required', 'erase');
  if (tenant === undefined || tenant === '') throw new UsageError('--tenant is required', 'erase');
  if (positionals.length !== 1 || positionals[0] === '') throw new UsageError(positionals.length === 0 ? 'missing <customerId>' : `unexpected argument "${positionals[1]}"`, 'erase');
  const erasure = await eraseStoreCustomer(store, tenant, positionals[0]!);
  io.stdout.write(`${JSON.stringify(erasure)}\n`);
  return 0;
}

async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('demo', argv, {
    out: { type: 'string' },
    customers: { type: 'string' },
    events: { type: 'string' },
    seed: { type: 'string' },
  });
  if (helpRequested('demo', values, io)) return 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'demo');
  const out = (values.out as string | undefined) ?? './omnitrail-demo';
  checkDirectoryOrAbsent(resolve(io.cwd ?? process.cwd(), out), `--out "${out}"`);
  const customers = parseCountArg(values.customers as string | undefined, 'customers', 'demo', 200);
  if (customers < 1) throw new UsageError(`--customers must be at least 1, got "${String(values.customers)}"`, 'demo');
  const seed = parseCountArg(values.seed as string | undefined, 'seed', 'demo', 42);
  // The generator takes any safe integer; past 2^53 the digits given would not be the seed used.
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be at most ${Number.MAX_SAFE_INTEGER}, got "${String(values.seed)}"`, 'demo');
  const summary = await runDemo({
    out: resolve(io.cwd ?? process.cwd(), out),
    customers,
    events: parseCountArg(values.events as string | undefined, 'events', 'demo', 5000),
    seed,
  });
  io.stdout.write(summary);
  return 0;
}

