// Files the command line reads and writes: a file it cannot use stops the command with one line naming the
// file and the reason, and exit code 3 (docs/cli.md), never a stack trace or a bare system error.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';

/** The exit code of a command stopped by a file it cannot read or write. */
export const FILE_ACCESS_EXIT_CODE = 3;

/** A file or directory a command cannot read or write: `subject` names it as the user gave it. */
export class FileAccessError extends Error {
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`${subject}: ${reason}`);
    this.name = 'FileAccessError';
  }
}

/** The system error codes of file access, in words. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of its path is a file, not a directory',
  EEXIST: 'a part of its path is a file, not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
};

/** The reason of a file system error in words: its code's meaning, else its message. */
export function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return REASONS[code];
  return error instanceof Error ? error.message : String(error);
}

/**
 * The {@link FileAccessError} of a Node file system error (one that has a string `code` and the `path` it
 * concerns), naming the path relative to `cwd`; `undefined` for any other error.
 */
export function fileAccessErrorOf(error: unknown, cwd: string): FileAccessError | undefined {
  if (error instanceof FileAccessError) return error;
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code) || typeof path !== 'string') return undefined;
  const shown = isAbsolute(path) && !relative(cwd, path).startsWith('..') ? relative(cwd, path) || '.' : path;
  return new FileAccessError(`"${shown}"`, fileErrorReason(error));
}

/**
 * Checks that `path` is a file the process can read; `subject` names it in the error (`input "a.ndjson"`),
 * `directoryHint` is added when it is a directory.
 */
export function checkReadableFile(path: string, subject: string, directoryHint = ''): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
    if (!isDirectory) accessSync(path, constants.R_OK);
  } catch (error) {
    throw new FileAccessError(subject, fileErrorReason(error));
  }
  if (isDirectory) throw new FileAccessError(subject, `is a directory${directoryHint}`);
}

/** Checks that `path` is an existing directory the process can read (a store to read, say). */
export function checkReadableDirectory(path: string, subject: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
    if (isDirectory) accessSync(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new FileAccessError(subject, (error as { code?: unknown }).code === 'ENOENT' ? 'no such directory' : fileErrorReason(error));
  }
  if (!isDirectory) throw new FileAccessError(subject, 'is a file, not a directory');
}

/** Checks that `path`, if it exists, is a directory (one the command may create or add to). */
export function checkDirectoryOrAbsent(path: string, subject: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return;
    throw new FileAccessError(subject, fileErrorReason(error));
  }
  if (!isDirectory) throw new FileAccessError(subject, 'is a file, not a directory');
}

/** Writes a whole file, creating its directory; a failure names `subject` and the reason. */
export function writeFileNamed(path: string, text: string, subject: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    throw new FileAccessError(subject, `cannot write: ${fileErrorReason(error)}`);
  }
}
