/** Child processes running the fixtures (TypeScript, through tsx) and talking in lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { followChildLines, type ChildExit } from '@omnitrail/testing';

const here = dirname(fileURLToPath(import.meta.url));
// tsx resolves @omnitrail/* to the sources through the repository's tsconfig paths, found from the cwd.
const repoRoot = resolve(here, '..', '..', '..');

/** A running fixture: its lines as they arrive, stdin, and its exit. */
export interface Fixture {
  readonly child: ChildProcess;
  /** Called for every complete line the child prints. */
  onLine(listener: (line: string) => void): void;
  /** Resolves at the first line for which `test` is true. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  write(line: string): void;
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<ChildExit>;
}

/** Starts `test/fixtures/<name>.ts` with arguments. */
export function startFixture(name: string, args: string[]): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', `${name}.ts`), ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const listeners = new Set<(line: string) => void>();
  child.stdin!.on('error', () => undefined);
  const exited = followChildLines(child, (line) => {
    for (const listener of [...listeners]) listener(line);
  });
  return {
    child,
    onLine: (listener) => listeners.add(listener),
    waitFor: (test) =>
      new Promise((resolve, reject) => {
        const listener = (line: string) => {
          if (!test(line)) return;
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void exited.then(({ code, signal, stderr }) => reject(new Error(`fixture ${name} exited (${code ?? signal}) before the expected line: ${stderr}`)));
      }),
    write: (line) => child.stdin!.write(`${line}\n`),
    exited,
  };
}
