// A file the command line cannot use (missing, a directory, a path through a file, unreadable, a bad mapping
// file) stops the command with one line naming the file and the reason and exit code 3 (docs/cli.md): no
// usage text, no stack trace, no bare system error. A bad mapping's content keeps exit code 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileAccessErrorOf, fileErrorReason } from '../src/file-access/index.js';
import { run, tempDir } from './helpers.js';

const event = JSON.stringify({ id: 'e1', type: 'PageViewed', tenantId: 'acme', occurredAt: '2024-03-01T09:00:00Z', customerId: 'ann', channel: 'web', actor: { kind: 'customer' }, data: { url: '/p' } });

/** A directory holding `events.ndjson`, a directory `sub`, and a CSV with its header only. */
function workspace(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'events.ndjson'), `${event}\n`);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'rows.csv'), 'when,who\n');
  return dir;
}

/** Runs the command in `dir`, and checks it failed with exactly one line on standard error and nothing on standard output. */
async function failsWithOneLine(dir: string, argv: string[], code: number): Promise<string> {
  const r = await run(argv, { cwd: dir });
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.stderr).toMatch(/^omnitrail: .*\n$/);
  expect(r.stderr).not.toMatch(/\n\s+at |Usage:/);
  expect(r.stdout).toBe('');
  return r.stderr;
}

describe('files a command cannot read', () => {
  it('replay and journey: a missing input, a directory, a path through a file', async () => {
    const dir = workspace();
    expect(await failsWithOneLine(dir, ['replay', 'nope.ndjson'], 3)).toBe('omnitrail: input "nope.ndjson": no such file or directory\n');
    expect(await failsWithOneLine(dir, ['replay', 'events.ndjson', 'sub'], 3)).toBe('omnitrail: input "sub": is a directory: give NDJSON files (or --store file:sub for a file store)\n');
    expect(await failsWithOneLine(dir, ['replay', 'events.ndjson/x'], 3)).toBe('omnitrail: input "events.ndjson/x": a part of its path is a file, not a directory\n');
    expect(await failsWithOneLine(dir, ['journey', 'ann', 'nope.ndjson'], 3)).toBe('omnitrail: input "nope.ndjson": no such file or directory\n');
    expect(await failsWithOneLine(dir, ['journey', 'ann', 'sub'], 3)).toContain('omnitrail: input "sub": is a directory');
  });

  it('a file store to read must be a directory that exists (a misspelt one would read as an empty store)', async () => {
    const dir = workspace();
    const missing = join(dir, 'no-store');
    expect(await failsWithOneLine(dir, ['replay', '--store', `file:${missing}`], 3)).toBe(`omnitrail: --store "file:${missing}": no such directory\n`);
    const file = join(dir, 'events.ndjson');
    expect(await failsWithOneLine(dir, ['journey', 'ann', '--store', `file:${file}`], 3)).toBe(`omnitrail: --store "file:${file}": is a file, not a directory\n`);
    // An import creates the store it appends to, but not over a file.
    expect(await failsWithOneLine(dir, ['import', 'twcs', 'rows.csv', '--store', `file:${file}`], 3)).toBe(`omnitrail: --store "file:${file}": is a file, not a directory\n`);
  });

  it('import: a missing or directory input, and a mapping file that is missing, a directory, or not JSON', async () => {
    const dir = workspace();
    expect(await failsWithOneLine(dir, ['import', 'twcs', 'nope.csv'], 3)).toBe('omnitrail: input "nope.csv": no such file or directory\n');
    expect(await failsWithOneLine(dir, ['import', 'bpic2013', 'sub'], 3)).toBe('omnitrail: input "sub": is a directory\n');
    expect(await failsWithOneLine(dir, ['import', 'csv', 'rows.csv', '--mapping', 'm.json'], 3)).toBe('omnitrail: mapping "m.json": no such file or directory\n');
    expect(await failsWithOneLine(dir, ['import', 'csv', 'rows.csv', '--mapping', 'sub'], 3)).toBe('omnitrail: mapping "sub": is a directory\n');
    writeFileSync(join(dir, 'broken.json'), '{ "occurredAt": ');
    // A mapping that is not JSON, or breaks the mapping rules, is invalid input: exit 1, the file named.
    expect(await failsWithOneLine(dir, ['import', 'csv', 'rows.csv', '--mapping', 'broken.json'], 1)).toMatch(/^omnitrail: broken\.json is not valid JSON: /);
  });
});

describe('files a command cannot write', () => {
  it('replay --json/--html and import --out into a directory or through a file', async () => {
    const dir = workspace();
    expect(await failsWithOneLine(dir, ['replay', 'events.ndjson', '--json', 'sub'], 3)).toBe('omnitrail: --json "sub": cannot write: is a directory\n');
    expect(await failsWithOneLine(dir, ['replay', 'events.ndjson', '--json', 'r.json', '--html', 'events.ndjson/r.html'], 3)).toBe(
      'omnitrail: --html "events.ndjson/r.html": cannot write: a part of its path is a file, not a directory\n',
    );
    expect(await failsWithOneLine(dir, ['import', 'twcs', 'rows.csv', '--out', 'sub'], 3)).toBe('omnitrail: --out "sub": cannot write: is a directory\n');
  });

  it('demo --out naming a file', async () => {
    const dir = workspace();
    expect(await failsWithOneLine(dir, ['demo', '--out', 'events.ndjson', '--events', '50', '--customers', '5'], 3)).toBe('omnitrail: --out "events.ndjson": is a file, not a directory\n');
  });
});

describe('the reason of a file system error', () => {
  it('words the usual codes, names the path relative to the working directory, and leaves other errors alone', () => {
    const error = (code: string, path?: string) => Object.assign(new Error(`${code}: raw message`), { code, ...(path === undefined ? {} : { path }) });
    // Unreadable files cannot be made in a test run as root, so the wording is checked on the error itself.
    expect(fileErrorReason(error('EACCES'))).toBe('permission denied');
    expect(fileErrorReason(error('EROFS'))).toBe('the file system is read-only');
    expect(fileErrorReason(error('EWHATEVER'))).toBe('EWHATEVER: raw message');
    expect(fileAccessErrorOf(error('EACCES', '/work/out/report.json'), '/work')?.message).toBe('"out/report.json": permission denied');
    expect(fileAccessErrorOf(error('ENOSPC', '/elsewhere/spill.bin'), '/work')?.message).toBe('"/elsewhere/spill.bin": no space left on the device');
    expect(fileAccessErrorOf(error('EACCES'), '/work')).toBeUndefined();
    expect(fileAccessErrorOf(new Error('not a file error'), '/work')).toBeUndefined();
  });
});
