// kill -9 of a process recording through a journey engine over the file store, at random moments (between
// snapshot writes, in the middle of one), several times; each run resumes from the latest snapshot. At the
// end an engine resumed from the store's snapshot equals one rebuilt from the whole log.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFileEventStore } from '@omnitrail/eventstore';
import { followChildLines } from '@omnitrail/testing';
import { afterAll, expect, it } from 'vitest';
import { createJourneyEngine, type EngineSnapshotEvent } from '../src/index.js';
import { foldState } from './helpers/resume-fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the writer until it has recorded a little, then SIGKILLs it at a random moment; answers what it said. */
async function runAndKill(directory: string, killAfterMs: number): Promise<{ lines: string[]; killed: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'resume-writer.ts'), directory, '42'], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const { code, signal, stderr } = await followChildLines(child, (line) => {
    lines.push(line);
    if (line === 'ready' && Number.isFinite(killAfterMs)) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  clearTimeout(timer);
  if (signal !== 'SIGKILL' && code !== 0) throw new Error(`writer exited with ${code}: ${stderr}`);
  return { lines, killed: signal === 'SIGKILL' };
}

it('resumes after kill -9 at random moments with exactly the state of a rebuild from the log', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-engine-kill-'));
  dirs.push(directory);
  const kinds: string[] = [];
  // Three runs killed at random moments, then one that runs to the end (and resumes from what they left).
  for (const killAfterMs of [0, 1, 2].map(() => 100 + Math.floor(Math.random() * 400)).concat(Number.POSITIVE_INFINITY)) {
    const { lines, killed } = await runAndKill(directory, killAfterMs);
    for (const line of lines) if (line.startsWith('{"snapshot"')) kinds.push((JSON.parse(line) as { snapshot: string }).snapshot);
    if (!killed) break;
  }
  expect(kinds).toContain('written');
  const store = await openFileEventStore({ directory });
  const quiet = { info: () => undefined, warn: () => undefined };
  const resumed = createJourneyEngine({ store, snapshots: { onClose: false }, logger: quiet });
  const seen: EngineSnapshotEvent[] = [];
  resumed.snapshotEvents$.subscribe((e) => seen.push(e));
  const rebuilt = createJourneyEngine({ store, snapshots: false });
  await Promise.all([resumed.ready(), rebuilt.ready()]);
  expect(seen[0]?.kind).toBe('loaded');
  const asOf = Date.parse('2031-01-01T00:00:00Z');
  for (const tenantId of ['tenant-1', 'tenant-2']) {
    expect(resumed.report(tenantId, { asOf })).toEqual(rebuilt.report(tenantId, { asOf }));
    expect(foldState(resumed.fold(tenantId))).toEqual(foldState(rebuilt.fold(tenantId)));
  }
  expect(resumed.duplicateStoredEventCount()).toBe(rebuilt.duplicateStoredEventCount());
  await resumed.close();
  await rebuilt.close();
  await store.close();
}, 120_000);
