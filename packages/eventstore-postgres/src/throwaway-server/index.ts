/**
 * A throwaway PostgreSQL cluster for tests, examples and benchmarks: `initdb` into a temporary directory,
 * a server on a free port of 127.0.0.1 with trust authentication, stopped and removed at the end. It runs
 * the binaries of the machine (Debian's `postgresql` package puts them in /usr/lib/postgresql/<n>/bin).
 * PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres` system user.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link startThrowawayPostgres}. */
export interface ThrowawayPostgresOptions {
  /** Directory of `initdb`, `pg_ctl` and `postgres`; found by {@link findPostgresBinaries} when absent. */
  binDir?: string;
  /**
   * `fsync` of the server (default `false`: faster, and a kill -9 of processes, the server's included, loses
   * nothing acknowledged either way, because commits are written to the kernel before they are acknowledged;
   * only a crash of the machine needs fsync). Benchmarks pass `true` to measure what production pays.
   */
  fsync?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

/** A running throwaway cluster. */
export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: trust authentication, no password. */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  /** The cluster's data directory. */
  readonly dataDirectory: string;
  /** Stops the server (fast shutdown: sessions are disconnected) and starts it again on the same port. */
  restart(): Promise<void>;
  /**
   * Kills every server process with SIGKILL (the postmaster and its children), as a power cut would kill the
   * server but not the kernel; `start()` then runs crash recovery from the write-ahead log.
   */
  kill(): Promise<void>;
  /** Starts a stopped or killed server on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** How to get PostgreSQL binaries, for messages that explain why a test was skipped or failed. */
export const POSTGRES_BINARIES_HINT =
  'install them (Debian/Ubuntu: apt-get install -y postgresql) or point OMNITRAIL_PG_BIN at the directory holding initdb and pg_ctl';

/**
 * The directory holding `initdb`, `pg_ctl` and `postgres`: `OMNITRAIL_PG_BIN`, else the newest
 * /usr/lib/postgresql/<version>/bin, else the directory of `pg_ctl` on the PATH. `undefined` when none has them.
 */
export function findPostgresBinaries(): string | undefined {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'postgres'));
  const fromEnv = process.env['OMNITRAIL_PG_BIN'];
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  }
  for (const dir of (process.env['PATH'] ?? '').split(':')) if (dir && has(dir)) return dir;
  return undefined;
}

/** The uid and gid the cluster runs as: ours, or the `postgres` system user's when we are root. */
function clusterUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  let id = lookup();
  if (id.status !== 0) {
    // Debian's package creates this user; a machine with binaries from elsewhere may lack it.
    spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
    id = lookup();
    if (id.status !== 0) throw new Error('PostgreSQL refuses to run as root and there is no postgres user to run it as: create one (useradd --system postgres)');
  }
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function runAs(user: { uid: number; gid: number } | undefined, command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(user ?? {}),
      // Under root, HOME and the cwd may be unreadable for the postgres user.
      cwd: tmpdir(),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Every pid whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates and starts a throwaway cluster. Throws when the binaries cannot be found (see
 * {@link POSTGRES_BINARIES_HINT}) or the server does not start (the message carries its log).
 */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const binDir = options.binDir ?? findPostgresBinaries();
  if (binDir === undefined) throw new Error(`No PostgreSQL binaries found: ${POSTGRES_BINARIES_HINT}`);
  const user = clusterUser();
  const root = mkdtempSync(join(tmpdir(), 'omnitrail-pg-'));
  if (user) chownSync(root, user.uid, user.gid);
  const dataDirectory = join(root, 'data');
  const logFile = join(root, 'server.log');
  const host = '127.0.0.1';
  const port = await freePort();
  const init = await runAs(user, join(binDir, 'initdb'), ['-D', dataDirectory, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  if (init.code !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.code}): ${init.output}`);
  }
  const settings: Record<string, string | number> = {
    listen_addresses: host,
    port,
    unix_socket_directories: root,
    fsync: options.fsync === true ? 'on' : 'off',
    max_connections: 200,
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${String(v)}`)
    .join(' ');
  let postmaster: number | undefined;
  let stopped = false;

  const readPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const start = async () => {
    const result = await runAs(user, join(binDir, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', dataDirectory, '-l', logFile, '-o', serverOptions]);
    if (result.code !== 0) {
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8').slice(-2000);
      } catch {
        // no log yet
      }
      throw new Error(`PostgreSQL did not start (pg_ctl exit ${result.code}): ${result.output}\n${log}`);
    }
    postmaster = readPid();
  };
  const stopServer = async (mode: 'fast' | 'immediate') => {
    if (postmaster === undefined || !alive(postmaster)) return;
    await runAs(user, join(binDir, 'pg_ctl'), ['stop', '-w', '-t', '60', '-m', mode, '-D', dataDirectory]);
  };
  // A test run that dies without calling stop() must not leave a server behind.
  const onExit = () => {
    if (postmaster !== undefined && alive(postmaster)) process.kill(postmaster, 'SIGQUIT');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  try {
    await start();
  } catch (error) {
    process.removeListener('exit', onExit);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  return {
    connectionString: `postgres://postgres@${host}:${port}/postgres`,
    host,
    port,
    dataDirectory,
    start,
    async restart() {
      await stopServer('fast');
      await start();
    },
    async kill() {
      const pid = postmaster ?? readPid();
      if (pid === undefined) return;
      const all = [pid, ...childrenOf(pid)];
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (let i = 0; i < 500 && all.some(alive); i++) await new Promise((r) => setTimeout(r, 10));
      postmaster = undefined;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer('immediate');
      process.removeListener('exit', onExit);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
