import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseInstant } from '@omnitrail/events';

/** A bad command line: the CLI prints the message and the command's usage, and exits with code 2. */
export class UsageError extends Error {
  /** The command whose usage to print (`undefined`: the top-level usage). */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** The usage text of every command, printed by `--help` and after a usage error. */
export const USAGE: Record<string, string> = {
  main: `Usage: omnitrail <command> [options]

Commands:
  replay <input...>             fold events into every projection and print the JSON report
  import <format> <file>        convert a real-world log (bpic2013, twcs, csv) into events
  journey <customerId> <input...>  one customer's timeline, stages and context-lost annotations
  segment <input...>            the customers matching health band, stage, inactivity and channel filters
  erase <customerId>            erase a customer's personal fields from a store (deletes its keys)
  demo                          generate a seeded sample, replay it, write report.json and report.html

Run "omnitrail <command> --help" for a command's options.
Exit codes: 0 success, 1 invalid input under --strict, 2 usage error.`,
  replay: `Usage: omnitrail replay <input...> [options]

Inputs: NDJSON files (.ndjson, .jsonl, optionally gzipped), "-" for standard input.
Options:
  --store <uri>      read a store instead of (or besides) files: memory:, file:<dir>,
                     esdb://host:2113?tls=false (EventStoreDB; also esdb+discover://...),
                     postgres://user@host:5432/db?schema=omnitrail (PostgreSQL)
  --as-of <instant>  the instant the report describes (default: latest occurredAt + 1 ms)
  --from <instant>   metrics period start (default: earliest occurredAt)
  --to <instant>     metrics period end, exclusive (default: as-of)
  --tenant <id>      report one tenant only
  --json <path|->    where to write the JSON report (default "-": standard output)
  --section <name>   write one operations view instead of the whole report, by tenant: sla, voice,
                     callbacks, byChannel, selfService, contactDrivers, agents, marketplaces,
                     stageChannels, costs (see docs/operations.md)
  --config <path>    a JSON file of journey settings (reopen window, business hours, churn signals,
                     deflectionWindowMs, costTable…; docs/cli.md); an invalid one is a usage error
  --html <path>      also write the report as a self-contained web page
  --strict           stop at the first invalid line (exit code 1)
  --no-progress      never draw the progress bar
  --workers <n>      parse worker threads (default: one per spare core, at most 4, for big inputs; 0: none)
  --shards <n>       fold NDJSON files in n worker threads, each parsing and folding its share of the
                     customers (default 0: parse workers, one fold on the main thread); the same report
  --max-events-in-memory <n>
                     accepted events held in memory (default 1000000); past it they go to a temporary
                     file and are read back a window at a time, so memory no longer grows with the input
  -h, --help         show this help
Instants are RFC 3339; without an offset they are UTC (2024-03-01, 2024-03-01T10:00).`,
  import: `Usage: omnitrail import <bpic2013|twcs|csv> <file> [options]

Options:
  --out <path>        write NDJSON events to this file (default: standard output)
  --store <uri>       append the events to a store instead (file:<dir>, esdb://..., postgres://...);
                      personal fields are sealed with the store's keys when it has them (keys.json,
                      the schema's key tables), so that omnitrail erase works on them
  --seal              seal personal fields with the store's keys, creating them if it has none
                      (file: or postgres:// stores; see docs/privacy.md)
  --tenant <id>       tenant id of the events (default: the format's name)
  --mapping <path>    column-mapping JSON file (required for csv; see docs/import.md)
  --dry-run           write nothing: print the first events and a summary of the bad rows
  --strict            any bad row writes nothing and exits with code 1 (default: bad rows are
                      reported on standard error and the rest is imported)
  -h, --help          show this help`,
  journey: `Usage: omnitrail journey <customerId> <input...> [options]

Options:
  --store <uri>      read a store as input (memory:, file:<dir>, esdb://..., postgres://...)
  --tenant <id>      the customer's tenant (default: the only tenant, or the first with that customer)
  --as-of <instant>  describe the journey as of this instant
  -h, --help         show this help`,
  segment: `Usage: omnitrail segment <input...> [options]

Lists the customers that match every filter, with health score and band, journey stage, last seen,
lifetime value per currency, the signals that pull their health down most, and their email and phone
identities, for a team's outreach tool. Default output: a table; --csv or --json for tools.
Options:
  --band <red|yellow|green>  health band at as-of
  --stage <stage>            journey stage at as-of: awareness, consideration, purchase, post_sale_support
  --inactive-days <n>        no activity in the n days before as-of
  --channel <channel>        at least one touchpoint by the customer on this channel (email, sms, ...)
  --csv                      write CSV (one line per customer; lists joined with "; ")
  --json                     write JSON ({ asOf, customers })
  --store <uri>              read a store as input (memory:, file:<dir>, esdb://..., postgres://...)
  --tenant <id>              one tenant only (default: every tenant)
  --as-of <instant>          judge as of this instant (default: latest occurredAt + 1 ms)
  -h, --help                 show this help`,
  erase: `Usage: omnitrail erase --store <file:<dir>|postgres://...> --tenant <id> <customerId>

Deletes the keys the customer's personal fields are sealed with (its own, and those of the customers
merged into it) and records a CustomerErased event; prints what was erased as JSON. Its events stay in
the store and keep counting; their personal fields read as erased from then on (docs/privacy.md).
Every engine snapshot sealed before can no longer be opened (the snapshot keys are deleted too).
Options:
  --store <uri>      the store, with the keys an engine with keys or import --seal wrote: file:<dir>
                     (its keys.json) or postgres://...?schema=<s> (the schema's key tables)
  --tenant <id>      the customer's tenant
  -h, --help         show this help`,
  demo: `Usage: omnitrail demo [options]

Options:
  --out <dir>         output directory (default ./omnitrail-demo)
  --customers <n>     number of customers (default 200)
  --events <n>        approximate number of events (default 5000)
  --seed <n>          generator seed (default 42)
  -h, --help          show this help`,
};

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's arguments, turning every node:util parse problem into a UsageError. */
export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  options: Options,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };
  } catch (error) {
    const message = (error as Error).message;
    // `--shards -1`: parseArgs takes "-1" for an option and words it for programmers; say it plainly.
    const ambiguous = /Option '(-{1,2}[\w-]+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const flag = ambiguous[1]!;
      const value = argv[argv.indexOf(flag) + 1] ?? '';
      throw new UsageError(`${flag} "${value}": a value starting with "-" is read as an option; write ${flag}=${value} if you mean it`, command);
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Reads an instant given on the command line, in milliseconds. Instants without an offset are UTC
 * (report.md), so a bare date or local-looking time gets `Z` appended before the RFC 3339 check.
 */
export function parseInstantArg(value: string, flag: string, command: string): number {
  const text = DATE_ONLY.test(value) ? `${value}T00:00:00Z` : NO_OFFSET.test(value) ? `${value}Z` : value;
  const parsed = parseInstant(text);
  if (typeof parsed === 'string') throw new UsageError(`--${flag} "${value}" ${parsed}`, command);
  return parsed.ms;
}

/** Reads a positive integer option. */
export function parseCountArg(value: string | undefined, flag: string, command: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a non-negative integer, got "${value}"`, command);
  return Number(value);
}
