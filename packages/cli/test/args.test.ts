import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/index.js';
import { parseInstantArg } from '../src/internal.js';
import { run } from './helpers.js';

describe('arguments, help and exit codes', () => {
  it('prints the top-level usage with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: omnitrail <command>');
  });

  it.each(['replay', 'import', 'journey', 'demo'])('prints the usage of %s with --help', async (command) => {
    const r = await run([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: omnitrail ${command}`);
  });

  it('exits 2 with the usage when the command is missing or unknown', async () => {
    for (const argv of [[], ['frobnicate']]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Usage: omnitrail <command>');
    }
  });

  it('exits 2 with the command usage on an unknown flag', async () => {
    const r = await run(['replay', 'x.ndjson', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });

  it.each([
    [['--customers', '0'], '--customers must be at least 1, got "0"'],
    [['--seed', '99999999999999999999'], '--seed must be at most 9007199254740991, got "99999999999999999999"'],
  ])('exits 2 when demo gets %j, naming the flag', async (flags, message) => {
    const r = await run(['demo', '--out', 'never-written', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: omnitrail demo');
  });

  it('exits 2 when replay has no input', async () => {
    const r = await run(['replay']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing input');
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });

  it.each([['--as-of', 'yesterday'], ['--from', '2024-02-30'], ['--to', '2024-13-01T00:00:00Z']])('exits 2 on a bad instant %s %s', async (flag, value) => {
    const r = await run(['replay', 'x.ndjson', flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });

  it.each([
    [['--from', '2024-03-02', '--to', '2024-03-01'], '--from must not be after --to'],
    [['--from', '2024-03-02', '--as-of', '2024-03-01'], '--from must not be after --as-of'],
  ])('exits 2 on a reversed period %j', async (flags, message) => {
    const r = await run(['replay', 'x.ndjson', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });

  it('exits 2 for an unknown import format or a csv import without mapping', async () => {
    expect((await run(['import', 'xml', 'f.xml'])).code).toBe(2);
    expect((await run(['import', 'csv', 'f.csv'])).code).toBe(2);
    expect((await run(['import'])).code).toBe(2);
  });

  it('exits 2 when journey has no customer or no input', async () => {
    expect((await run(['journey'])).code).toBe(2);
    expect((await run(['journey', 'c1'])).code).toBe(2);
  });

  it('exits 2 on a store URI of an unknown kind', async () => {
    const r = await run(['replay', '--store', 'redis://localhost:6379']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--store "redis://localhost:6379": unknown store');
    expect(r.stderr).toContain('Usage: omnitrail replay');
  });

  it('reads instants without an offset as UTC', () => {
    expect(parseInstantArg('2024-03-01', 'as-of', 'replay')).toBe(Date.UTC(2024, 2, 1));
    expect(parseInstantArg('2024-03-01T10:30', 'as-of', 'replay')).toBe(Date.UTC(2024, 2, 1, 10, 30));
    expect(parseInstantArg('2024-03-01T10:30:00+02:00', 'as-of', 'replay')).toBe(Date.UTC(2024, 2, 1, 8, 30));
    expect(() => parseInstantArg('2024-02-30', 'as-of', 'replay')).toThrow(UsageError);
  });
});

describe('missing input files', () => {
  it('exits 3 with one line naming the file when an input file does not exist', async () => {
    const r = await run(['replay', 'definitely-missing.ndjson']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('omnitrail: input "definitely-missing.ndjson": no such file or directory\n');
  });
});
