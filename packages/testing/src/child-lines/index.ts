import type { ChildProcess } from 'node:child_process';

/** How a child process ended: its exit code or the signal that killed it, and all it wrote on standard error. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Follows a child process that reports in lines (test harnesses, fixtures, crash and soak writers): calls
 * `onLine` with each complete line of its standard output as it arrives (UTF-8, without the newline; empty
 * lines included), collects its standard error, and resolves once the child has exited and its output is
 * fully read. A last line without its newline is never delivered: a child killed in the middle of a write
 * did not finish saying it. Plain Node, no test runner: usable from vitest, node:test, jest or a script.
 * The child must have been spawned with its standard output and error as pipes.
 */
export function followChildLines(child: ChildProcess, onLine: (line: string) => void): Promise<ChildExit> {
  const { stdout, stderr } = child;
  if (stdout === null) throw new TypeError('followChildLines: the child\'s stdout is not a pipe (spawn it with stdio "pipe" for stdout)');
  if (stderr === null) throw new TypeError('followChildLines: the child\'s stderr is not a pipe (spawn it with stdio "pipe" for stderr)');
  let buffered = '';
  let errors = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      onLine(line);
    }
  });
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => (errors += chunk));
  // 'close' rather than 'exit': it comes after the pipes are drained, so no line written before the end is lost.
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr: errors }));
  });
}
