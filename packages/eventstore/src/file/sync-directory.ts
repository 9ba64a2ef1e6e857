import { closeSync, fsyncSync, openSync } from 'node:fs';

/**
 * Makes a directory's new or renamed entries durable (a new segment, the index file's rename). Best effort:
 * some platforms cannot fsync a directory, and there a rename or a creation is as durable as they allow.
 */
export function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // unsupported here: nothing more can be done
  }
}
