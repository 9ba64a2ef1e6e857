// The fuzzing campaign (issue 22): seeded inputs, valid, mutated and garbage, through parseEvent, the NDJSON
// reader, the CSV importer with its mapping files, and the engine's record(): no crash (an exception the
// contract does not allow), no hang (an input over 10 s, or a target that stops making progress), no
// partial write (a rejected record() leaves the store as it was), no broken invariant. CI runs a seeded
// slice of 10,000 inputs; the campaign is
//   OMNITRAIL_FUZZ_INPUTS=1000000 pnpm exec vitest run packages/cli/test/fuzz.test.ts
// (OMNITRAIL_FUZZ_SEED to change the seed), which prints the figures for docs/reliability.md.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { followChildLines } from '@omnitrail/testing';
import { FUZZ_TARGETS, type FuzzTarget } from './fuzz/targets.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const total = Number(process.env.OMNITRAIL_FUZZ_INPUTS ?? 10_000);
const seed = Number(process.env.OMNITRAIL_FUZZ_SEED ?? 22);
// How the inputs are shared: parsing is cheap, the engine and the reader cost more per input.
const SHARE: Record<FuzzTarget, number> = { parseEvent: 0.4, ndjson: 0.15, csv: 0.25, record: 0.2 };
// Inputs per child process: a long campaign is cut in slices so a hang loses little.
const SLICE = 50_000;
// A child that prints nothing for this long is stuck: 5 minutes to start (tsx and the imports, on a busy
// machine), then 2 minutes between progress lines (every 100 inputs; one input may take 10 s at most).
const START_MS = 300_000;
const STALL_MS = 120_000;

interface End {
  kind: 'end';
  target: FuzzTarget;
  inputs: number;
  accepted: number;
  rejected: number;
  findings: number;
  kinds: Record<string, number>;
  slowest: { index: number; ms: number };
  seconds: number;
}
interface Finding {
  kind: 'finding';
  index: number;
  finding: string;
  message: string;
}

/** Runs inputs [from, from + count) of a target in a child, killed when it makes no progress for a minute. */
async function runSlice(target: FuzzTarget, from: number, count: number): Promise<{ end: End; findings: Finding[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fuzz', 'run-target.ts'), target, String(seed), String(from), String(count)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const findings: Finding[] = [];
  let end: End | undefined;
  let done = 0;
  let stalled = false;
  let started = false;
  const onStall = () => {
    stalled = true;
    child.kill('SIGKILL');
  };
  let watchdog = setTimeout(onStall, START_MS);
  const { code, stderr } = await followChildLines(child, (line) => {
    if (line.length === 0) return;
    clearTimeout(watchdog);
    watchdog = setTimeout(onStall, STALL_MS);
    const parsed = JSON.parse(line) as End | Finding | { kind: 'progress'; done: number };
    if (parsed.kind === 'end') end = parsed;
    else if (parsed.kind === 'finding') findings.push(parsed);
    else {
      done = parsed.done;
      started = true;
    }
  });
  clearTimeout(watchdog);
  if (stalled) {
    // A hang in synchronous code: somewhere in the 100 inputs after the last progress line.
    const what = started ? `no progress for ${STALL_MS / 1000} s after input ${from + done} of ${target}` : `${target} did not start within ${START_MS / 1000} s`;
    findings.push({ kind: 'finding', index: from + done, finding: 'hang', message: what });
    return { end: { kind: 'end', target, inputs: done, accepted: 0, rejected: 0, findings: 1, kinds: {}, slowest: { index: from + done, ms: STALL_MS }, seconds: 0 }, findings };
  }
  if (code === 0 && end !== undefined) return { end, findings };
  throw new Error(`fuzz target ${target} exited with ${code}: ${stderr}`);
}

describe('fuzzing: valid, mutated and garbage inputs through every parser and record()', () => {
  // The targets run side by side, each in its own child process.
  it.concurrent.each(FUZZ_TARGETS)(`%s: no crash, hang, partial write or broken invariant (seed ${seed})`, { timeout: Math.max(120_000, total * 10) }, async (target) => {
    const count = Math.round(total * SHARE[target]);
    const ends: End[] = [];
    const findings: Finding[] = [];
    const starts: number[] = [];
    for (let from = 0; from < count; from += SLICE) starts.push(from);
    // A campaign runs two slices of a target at a time (the inputs depend on their index only).
    const runNext = async (): Promise<void> => {
      const from = starts.shift();
      if (from === undefined) return;
      const slice = await runSlice(target, from, Math.min(SLICE, count - from));
      ends.push(slice.end);
      findings.push(...slice.findings);
      await runNext();
    };
    await Promise.all([runNext(), runNext()]);
    const sum = (f: (e: End) => number) => ends.reduce((n, e) => n + f(e), 0);
    const kinds = ['valid', 'mutated', 'garbage'].map((k) => `${k} ${sum((e) => e.kinds[k] ?? 0)}`).join(', ');
    const slowest = Math.max(...ends.map((e) => e.slowest.ms));
    console.log(
      `fuzz ${target}: ${sum((e) => e.inputs)} inputs (${kinds}), ${sum((e) => e.accepted)} accepted, ${sum((e) => e.rejected)} rejected, ` +
        `${findings.length} findings, slowest input ${slowest} ms, ${Math.round(sum((e) => e.seconds))} s`,
    );
    for (const f of findings.slice(0, 5)) console.log(`  #${f.index} ${f.finding}: ${f.message}`);
    expect(findings.map((f) => `#${f.index} ${f.finding}: ${f.message.split('\n')[0]}`)).toEqual([]);
    expect(sum((e) => e.inputs)).toBe(count);
    // The mix reached both sides of every target.
    expect(sum((e) => e.accepted)).toBeGreaterThan(0);
    expect(sum((e) => e.rejected)).toBeGreaterThan(0);
  });
});
