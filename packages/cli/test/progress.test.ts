import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readInputs, runCli } from '../src/index.js';
import { createProgressBar } from '../src/internal.js';
import { ev, ndjson, tempDir } from './helpers.js';

describe('the progress bar', () => {
  it('shows bytes read out of the total and events per second, on one rewritten line', () => {
    let out = '';
    let t = 0;
    const bar = createProgressBar({ write: (s: string) => (out += s), columns: 100 }, { label: 'a.ndjson', total: 2000, now: () => t });
    t = 200;
    bar.advance(1000);
    bar.events(500);
    t = 1000;
    bar.advance(1000);
    bar.events(1000);
    bar.done();
    expect(out).toContain('\r');
    expect(out).toContain('50%');
    expect(out).toContain('100%');
    expect(out).toMatch(/1,000 events 1,000\/s/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('is drawn on standard error only when it is a terminal', async () => {
    const dir = tempDir();
    const path = join(dir, 'p.ndjson');
    writeFileSync(path, ndjson([ev(), ev()]));
    let tty = '';
    let plain = '';
    const io = (isTTY: boolean, sink: (s: string) => void) => ({ stdout: { write: () => true }, stderr: { write: (s: string) => sink(s), isTTY }, stdin: Readable.from([]) });
    await runCli(['replay', path], io(true, (s) => (tty += s)));
    await runCli(['replay', path], io(false, (s) => (plain += s)));
    expect(tty).toContain('p.ndjson');
    expect(tty).toMatch(/100%/);
    // Then what the fold is doing, and how long it took.
    expect(tty).toMatch(/folding 2 events… \d+\.\d s\n$/);
    let spilled = '';
    await runCli(['replay', path, '--max-events-in-memory', '0'], io(true, (s) => (spilled += s)));
    expect(spilled).toMatch(/folding 2 events \(read back from the spill file\)… \d+\.\d s\n$/);
    expect(plain).toBe('');
    // readInputs without a sink draws nothing.
    expect((await readInputs([{ kind: 'file', path }])).input.read).toBe(2);
  });
});
