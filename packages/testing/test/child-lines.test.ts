import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { followChildLines } from '../src/index.js';

/** Runs a node script in a child with piped output; resolves with the lines seen and how it ended. */
async function follow(script: string) {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exit = await followChildLines(child, (line) => lines.push(line));
  return { lines, exit };
}

describe('followChildLines', () => {
  it('delivers complete lines in order, joined across writes, empty ones included, and drops an unfinished last line', async () => {
    // Writes a setTimeout apart reach the parent as separate chunks.
    const { lines, exit } = await follow(`
      const w = (s) => new Promise((r) => process.stdout.write(s, () => setTimeout(r, 20)));
      (async () => { await w('one\\ntw'); await w('o\\n\\nthr'); await w('ee\\nunfinished'); })();
    `);
    expect(lines).toEqual(['one', 'two', '', 'three']);
    expect(exit).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('decodes a UTF-8 character split between two writes', async () => {
    const { lines } = await follow(`
      const bytes = Buffer.from('café ☕\\n');
      process.stdout.write(bytes.subarray(0, 4), () => setTimeout(() => process.stdout.write(bytes.subarray(4)), 20));
    `);
    expect(lines).toEqual(['café ☕']);
  });

  it('collects standard error and the exit code of a failing child', async () => {
    const { lines, exit } = await follow(`console.log('started'); console.error('boom'); process.exit(3);`);
    expect(lines).toEqual(['started']);
    expect(exit).toEqual({ code: 3, signal: null, stderr: 'boom\n' });
  });

  it('reports the signal of a killed child, after the lines it finished', async () => {
    const child = spawn(process.execPath, ['-e', `console.log('ready'); setInterval(() => undefined, 1000);`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const exit = await followChildLines(child, (line) => {
      lines.push(line);
      if (line === 'ready') child.kill('SIGKILL');
    });
    expect(lines).toEqual(['ready']);
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('refuses a child whose output is not a pipe, saying which', () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: ['ignore', 'ignore', 'pipe'] });
    expect(() => followChildLines(child, () => undefined)).toThrow(/stdout is not a pipe/);
    const other = spawn(process.execPath, ['-e', ''], { stdio: ['ignore', 'pipe', 'ignore'] });
    expect(() => followChildLines(other, () => undefined)).toThrow(/stderr is not a pipe/);
  });
});
