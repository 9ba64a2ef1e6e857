// One fuzz target over a range of inputs, in a child process of test/fuzz.test.ts so the parent can kill
// it when an input hangs in synchronous code. Arguments: <target> <seed> <from> <count>. Prints a progress
// line every 100 inputs (the parent's watchdog), one line per finding, and a last line with the counts.
import { createInputSource, csvInput, eventInput, ndjsonInput, recordInput } from './inputs.js';
import { createRecordTarget, FuzzFinding, fuzzCsv, fuzzNdjson, fuzzParseEvent, fuzzRecord, INPUT_TIMEOUT_MS, type FuzzTarget, type RecordTarget } from './targets.js';

const [target, seedArg, fromArg, countArg] = process.argv.slice(2) as [FuzzTarget, string, string, string];
const seed = Number(seedArg);
const from = Number(fromArg);
const count = Number(countArg);
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const kinds = { valid: 0, mutated: 0, garbage: 0 };
let accepted = 0;
let rejected = 0;
let findings = 0;
let slowest = { index: -1, ms: 0 };
// A record() engine keeps what it recorded: a new one every 1,000 inputs keeps each input's cost flat.
let recordTarget: RecordTarget | undefined;

const runOne = (() => {
  if (target === 'parseEvent') {
    const input = createInputSource(eventInput, seed);
    return async (i: number) => {
      const { kind, value } = input(i);
      kinds[kind]++;
      return fuzzParseEvent(value, kind);
    };
  }
  if (target === 'ndjson') {
    const input = createInputSource(ndjsonInput, seed);
    return async (i: number) => {
      const value = input(i);
      kinds[value.kind]++;
      return fuzzNdjson(value);
    };
  }
  if (target === 'csv') {
    const input = createInputSource(csvInput, seed);
    return async (i: number) => {
      const value = input(i);
      kinds[value.kind]++;
      return fuzzCsv(value);
    };
  }
  if (target === 'record') {
    const input = createInputSource(recordInput, seed);
    return async (i: number) => {
      const { kind, value } = input(i);
      kinds[kind]++;
      if (recordTarget === undefined || i % 1000 === 0) {
        await recordTarget?.close();
        recordTarget = createRecordTarget();
      }
      return fuzzRecord(recordTarget, value);
    };
  }
  throw new Error(`unknown fuzz target "${String(target)}"`);
})();

const started = Date.now();
// Imports done: the parent's watchdog now expects progress (starting under load can take a minute).
print({ kind: 'progress', done: 0 });
for (let i = from; i < from + count; i++) {
  const t0 = performance.now();
  try {
    if (await runOne(i)) accepted++;
    else rejected++;
  } catch (error) {
    findings++;
    const finding = error instanceof FuzzFinding ? error : new FuzzFinding('crash', `the harness threw ${String(error)}`);
    print({ kind: 'finding', index: i, finding: finding.kind, message: finding.message.slice(0, 4000) });
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { index: i, ms: Math.round(ms) };
  // A synchronous input that took longer than the timeout is a hang too, even though it ended.
  if (ms > INPUT_TIMEOUT_MS) {
    findings++;
    print({ kind: 'finding', index: i, finding: 'hang', message: `input took ${Math.round(ms)} ms` });
  }
  if ((i - from + 1) % 100 === 0) print({ kind: 'progress', done: i - from + 1 });
}
await recordTarget?.close();
print({ kind: 'end', target, inputs: count, accepted, rejected, findings, kinds, slowest, seconds: (Date.now() - started) / 1000 });
