import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '../src/index.js';

/** The repository root (packages/cli/test → ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * The shared real datasets, beside the repository (never copied into it); `OMNITRAIL_DATASETS` points
 * elsewhere for a checkout that does not sit beside them.
 */
export const datasets = process.env.OMNITRAIL_DATASETS ? resolve(process.env.OMNITRAIL_DATASETS) : resolve(repoRoot, '../shared/datasets');

/**
 * Whether the tests that read the real datasets run: when the folder is there, and always under `CI=true`
 * (where a missing data set fails them). Elsewhere they are skipped with one line saying where to put it.
 */
export const runDatasetTests = existsSync(datasets) || process.env.CI === 'true';
if (!runDatasetTests) {
  console.warn(`skipping the real-data tests: no data sets at ${datasets} (put them there, or set OMNITRAIL_DATASETS to their folder; docs/import.md says where they come from)`);
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'omnitrail-cli-'));
}

/** The outcome of an in-process CLI run. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (faster than spawning a process). */
export async function run(argv: string[], options: { stdin?: string | Buffer; cwd?: string } = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

let seq = 0;
/** A valid catalog event as an input object; fields override the defaults. */
export function ev(fields: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    id: `e-${String(seq).padStart(5, '0')}`,
    type: 'MessageReceived',
    tenantId: 't1',
    occurredAt: '2024-03-01T10:00:00Z',
    customerId: 'c1',
    channel: 'email',
    caseId: 'case-1',
    actor: { kind: 'customer' },
    data: { text: 'hello' },
    ...fields,
  };
}

/** NDJSON text of objects (or raw lines). */
export function ndjson(lines: (Record<string, unknown> | string)[]): string {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}
