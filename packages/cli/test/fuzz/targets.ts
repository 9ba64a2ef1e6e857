/**
 * The fuzz targets (issue 22): each runs one input and says whether it was accepted or rejected, or throws a
 * {@link FuzzFinding} when the code under test crashed (threw what its contract does not allow), hung,
 * wrote part of a rejected input, or broke one of the target's invariants.
 */
import { Readable } from 'node:stream';
import { parseEvent, parseEventWithSchemas, ValidationError } from '@omnitrail/events';
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { createJourneyEngine, type JourneyEngine } from '@omnitrail/journey';
import { CsvMappingError, importCsv } from '../../src/index.js';
import { parseBlock, readLineBlocks } from '../../src/internal.js';
import type { CsvInput, NdjsonInput } from './inputs.js';

/** What went wrong with one input. */
export type FindingKind = 'crash' | 'hang' | 'partial-write' | 'invariant';

/** A finding: the kind, and what happened. */
export class FuzzFinding extends Error {
  constructor(
    readonly kind: FindingKind,
    message: string,
  ) {
    super(message);
    this.name = 'FuzzFinding';
  }
}

/** The names of the targets. */
export const FUZZ_TARGETS = ['parseEvent', 'ndjson', 'csv', 'record'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

/** How long one input may take before it counts as a hang (async targets are cut off; sync ones are timed). */
export const INPUT_TIMEOUT_MS = 10_000;

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}` : String(error);
}

function crash(what: string, error: unknown): never {
  if (error instanceof FuzzFinding) throw error;
  throw new FuzzFinding('crash', `${what} threw ${describeError(error)}`);
}

function checkIssues(issues: readonly { path: unknown; message: unknown }[], what: string): void {
  if (issues.length === 0) throw new FuzzFinding('invariant', `${what}: a rejection with no issue`);
  for (const i of issues) {
    if (typeof i.path !== 'string' || typeof i.message !== 'string' || i.message.length === 0) throw new FuzzFinding('invariant', `${what}: an issue without path or message: ${JSON.stringify(i)}`);
  }
}

/** parseEvent never throws, agrees with the schema-only reference, and accepts every valid generated event. */
export function fuzzParseEvent(value: unknown, kind: string): boolean {
  let fast;
  let reference;
  try {
    fast = parseEvent(value);
    // parseEvent answers an input its fast path is unsure of with the schemas themselves: only its
    // acceptances need the reference.
    reference = fast.success ? parseEventWithSchemas(value) : fast;
  } catch (error) {
    crash('parseEvent', error);
  }
  if (fast.success !== reference.success) throw new FuzzFinding('invariant', `parseEvent says ${fast.success ? 'valid' : 'invalid'}, the schemas say ${reference.success ? 'valid' : 'invalid'}`);
  if (fast.success && reference.success && JSON.stringify(fast.event) !== JSON.stringify(reference.event)) {
    throw new FuzzFinding('invariant', `parseEvent and the schemas parse to different events: ${JSON.stringify(fast.event)} vs ${JSON.stringify(reference.event)}`);
  }
  if (!fast.success) checkIssues(fast.error.issues, 'parseEvent');
  if (kind === 'valid' && !fast.success) throw new FuzzFinding('invariant', `a valid generated event was rejected: ${fast.error.message}`);
  return fast.success;
}

/** Resolves with the promise's value, or fails as a hang after {@link INPUT_TIMEOUT_MS}. */
async function withinTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFinding('hang', `${what} did not settle within ${INPUT_TIMEOUT_MS} ms`)), INPUT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const isGzipError = (error: unknown) => typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('Z_');

/**
 * The NDJSON reader: bytes arriving in chunks, cut into blocks, each block parsed. Never throws (a stream
 * behind the gzip magic number may fail with zlib's error); the lines, events and rejections do not depend
 * on how the bytes arrived or were cut.
 */
export async function fuzzNdjson(input: NdjsonInput): Promise<boolean> {
  const chunks: Buffer[] = [];
  for (let at = 0, k = 0; at < input.bytes.length; k++) {
    const size = input.chunkSizes[k % input.chunkSizes.length]!;
    chunks.push(input.bytes.subarray(at, at + size));
    at += size;
  }
  const gzip = input.bytes.length >= 2 && input.bytes[0] === 0x1f && input.bytes[1] === 0x8b;
  const seen: string[] = [];
  let read = 0;
  let events = 0;
  try {
    const blocks = readLineBlocks({ stream: Readable.from(chunks) }, { blockBytes: input.blockBytes });
    await withinTimeout(
      (async () => {
        for await (const block of blocks) {
          const parsed = parseBlock(block.bytes, block.firstLine);
          read += parsed.read;
          events += parsed.events.length;
          if (parsed.events.length + parsed.rejected.length !== parsed.read) throw new FuzzFinding('invariant', `a block read ${parsed.read} lines but gave ${parsed.events.length} events and ${parsed.rejected.length} rejections`);
          for (const r of parsed.rejected) checkIssues(r.errors, `line ${r.line}`);
          parsed.lines.forEach((line, i) => seen.push(`${line}:${parsed.events[i]!.id}`));
          for (const r of parsed.rejected) seen.push(`${r.line}:!${r.id}`);
        }
      })(),
      'the NDJSON reader',
    );
  } catch (error) {
    if (gzip && isGzipError(error)) return false;
    crash('the NDJSON reader', error);
  }
  if (gzip) return events > 0;
  // The reference: the whole document as one block.
  const text = input.bytes.toString('utf8');
  const whole = parseBlock(Buffer.from(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, 'utf8'), 1);
  const expected = [...whole.lines.map((line, i) => `${line}:${whole.events[i]!.id}`), ...whole.rejected.map((r) => `${r.line}:!${r.id}`)];
  const sort = (list: string[]) => [...list].sort();
  if (read !== whole.read || JSON.stringify(sort(seen)) !== JSON.stringify(sort(expected))) {
    throw new FuzzFinding('invariant', `chunked and blocked reading gave ${JSON.stringify(sort(seen))}, one block gave ${JSON.stringify(sort(expected))}`);
  }
  return events > 0;
}

/**
 * The CSV importer with its mapping file: a mapping file that is not JSON, or not a valid mapping, is a
 * CsvMappingError; a CSV with an unterminated quote a SyntaxError naming where; anything else gives events
 * (each one valid for replay) and bad rows (each with its problems).
 */
export function fuzzCsv(input: CsvInput): boolean {
  let mapping: unknown;
  try {
    mapping = JSON.parse(input.mappingText);
  } catch {
    // The CLI says so as a CsvMappingError naming the file (src/cli): nothing of the importer runs.
    return false;
  }
  let result;
  try {
    result = importCsv(input.csv, mapping);
  } catch (error) {
    if (error instanceof CsvMappingError && error.message.length > 0) return false;
    if (error instanceof SyntaxError && /^unterminated quoted field starting at character \d+$/.test(error.message)) return false;
    crash('importCsv', error);
  }
  for (const event of result.events) {
    const parsed = parseEvent(event);
    if (!parsed.success) throw new FuzzFinding('invariant', `importCsv gave an event replay rejects: ${parsed.error.message}`);
  }
  for (const bad of result.badRows) {
    if (bad.problems.length === 0 || !Number.isInteger(bad.row) || !Number.isInteger(bad.line)) throw new FuzzFinding('invariant', `a bad row without problems or place: ${JSON.stringify(bad)}`);
  }
  return result.events.length > 0;
}

/** An engine over a store of its own that the record() target checks after every input. */
export interface RecordTarget {
  engine: JourneyEngine;
  store: EventStore;
  close(): Promise<void>;
}

/** A new engine following a new in-memory store (as an engine over a durable store does). */
export function createRecordTarget(): RecordTarget {
  const store = createInMemoryEventStore();
  const engine = createJourneyEngine({ store, clock: () => Date.parse('2026-01-01T00:00:00Z') });
  return {
    engine,
    store,
    close: async () => {
      await engine.close();
      await store.close();
    },
  };
}

async function headPosition(store: EventStore): Promise<bigint> {
  for await (const e of store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) return e.position;
  return 0n;
}

/**
 * record() either stores and folds the input or rejects it with a ValidationError naming every field, and
 * then the store holds nothing of it.
 */
export async function fuzzRecord(target: RecordTarget, value: unknown): Promise<boolean> {
  const before = await headPosition(target.store);
  let result;
  try {
    result = await withinTimeout(target.engine.recordUnknown(value), 'record()');
  } catch (error) {
    if (!(error instanceof ValidationError)) crash('record()', error);
    checkIssues(error.issues, 'record()');
    const after = await headPosition(target.store);
    if (after !== before) throw new FuzzFinding('partial-write', `record() rejected the input (${error.message}) but the store moved from position ${before} to ${after}`);
    return false;
  }
  const after = await headPosition(target.store);
  if ((result.recorded > 0) !== (after > before)) throw new FuzzFinding('invariant', `record() recorded ${result.recorded} events and the store moved from ${before} to ${after}`);
  return true;
}
