/**
 * The single-writer lock: a file named `LOCK` in the store directory holding the writer's pid. It is
 * created atomically with its content (written to a temporary file, then hard-linked into place, which
 * fails if a lock exists), so a reader never sees an empty lock. A lock whose pid is not a live process is
 * stale (its writer was killed) and is taken over.
 */
import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreLockedError } from '../errors/index.js';

/** Name of the lock file inside the store directory. */
export const LOCK_FILE = 'LOCK';

/** Takes the directory's write lock or throws `StoreLockedError`; returns the function that releases it. */
export function acquireLock(directory: string): () => void {
  const path = join(directory, LOCK_FILE);
  const temp = join(directory, `${LOCK_FILE}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, path);
        return () => releaseLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readPid(path);
      if (holder !== undefined && isAlive(holder)) throw new StoreLockedError(directory, holder);
      // Stale: its writer is gone. Remove it and try again (another opener may win the race; then we fail above).
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new StoreLockedError(directory, readPid(path));
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone: nothing to clean up
    }
  }
}

function releaseLock(path: string): void {
  // Only remove a lock that is still ours (a stale-lock takeover may have replaced it).
  if (readPid(path) === process.pid) {
    try {
      unlinkSync(path);
    } catch {
      // removed concurrently: fine
    }
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
