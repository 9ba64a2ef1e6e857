import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LineBlock } from '../ndjson/index.js';
import { fromJsonParsedBlock, parseBlock, type JsonParsedBlock, type ParsedBlock } from './parse.js';

/** Parses blocks of lines, in worker threads when it can, else on the calling thread. */
export interface BlockParser {
  /**
   * Resolves with the block's events and rejections; blocks may complete out of order. `keepText` asks for
   * each valid event's text too (the line, or from a worker the event's JSON).
   */
  parse(block: LineBlock, keepText?: boolean): Promise<ParsedBlock>;
  /** Worker threads started (0: parsing on the calling thread). */
  readonly threads: number;
  /** Whether a worker failed, so that its blocks and every later one were parsed on the calling thread. */
  readonly failed: boolean;
  close(): Promise<void>;
}

/** How to start a replay worker: the built module, or the source module and tsx's module hooks. */
export interface WorkerEntry {
  url: URL;
  /** The hooks to register first (tsx's ESM API) when `url` is the TypeScript source. */
  hooks?: URL;
}

/**
 * The worker module: the built `worker.js` beside this code (dist), or, when running from the sources
 * (vitest, tsx), `src/worker.ts` loaded through tsx's ESM hooks. Undefined when neither can be used; the
 * replay then parses on its own thread.
 */
export function workerEntry(): WorkerEntry | undefined {
  try {
    const built = new URL('./worker.js', import.meta.url);
    if (built.protocol !== 'file:') return undefined;
    if (existsSync(fileURLToPath(built))) return { url: built };
    const source = new URL('../worker.ts', import.meta.url);
    if (!existsSync(fileURLToPath(source))) return undefined;
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const hooks = join(tsxDir, 'dist', 'esm', 'api', 'index.mjs');
    if (!existsSync(hooks)) return undefined;
    return { url: source, hooks: pathToFileURL(hooks) };
  } catch {
    return undefined;
  }
}

/**
 * Starts a worker thread on the entry. From the sources, a small bootstrap registers tsx's hooks inside the
 * worker and then imports the module: `--import` of the hooks in a worker's `execArgv` does not apply them
 * to the worker's own entry on Node 20 ("Unknown file extension .ts"). Messages sent before the module has
 * loaded wait in the worker's port.
 */
export function startWorker(entry: WorkerEntry): Worker {
  if (entry.hooks === undefined) return new Worker(entry.url);
  const bootstrap = `import(${JSON.stringify(entry.hooks.href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.url.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/**
 * How many parse workers to start by default: one per core beyond the main thread's (at most 4), none on
 * one core. Workers send validated events back as JSON text, which the main thread (the bottleneck: it
 * de-duplicates and folds) parses in ~1.8 µs per event, against ~3.5 µs to parse, validate and hash a raw
 * line itself (structured clone of the event objects cost it ~2.3 µs). On two cores a 1M-event replay took
 * a median of 7.5 s with one worker against 7.9 s without. `OMNITRAIL_WORKERS` overrides.
 */
export function defaultWorkerCount(): number {
  const fromEnv = process.env.OMNITRAIL_WORKERS;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  const cores = availableParallelism();
  return cores <= 1 ? 0 : Math.min(4, cores - 1);
}

/** A parser on the calling thread. */
export function createInThreadParser(): BlockParser {
  return {
    threads: 0,
    failed: false,
    parse: (block, keepText) => Promise.resolve(parseBlock(block.bytes, block.firstLine, keepText)),
    close: () => Promise.resolve(),
  };
}

/**
 * A pool of parse workers fed round-robin. Falls back to in-thread parsing when `workers` is 0, the
 * worker entry cannot be found, or a worker fails (its pending blocks are parsed here instead, so a
 * broken worker never loses lines).
 */
export function createBlockParser(options: { workers?: number; shareWithCaller?: boolean } = {}): BlockParser {
  const count = options.workers ?? defaultWorkerCount();
  const entry = count > 0 ? workerEntry() : undefined;
  if (entry === undefined) return createInThreadParser();
  const pending = new Map<number, { block: LineBlock; keepText: boolean; resolve: (r: ParsedBlock) => void }>();
  let broken = false;
  const fallBack = () => {
    broken = true;
    for (const [id, waiter] of pending) {
      pending.delete(id);
      waiter.resolve(parseBlock(waiter.block.bytes, waiter.block.firstLine, waiter.keepText));
    }
  };
  const workers = Array.from({ length: count }, () => {
    const worker = startWorker(entry);
    worker.on('message', (message: { seq: number; result: JsonParsedBlock }) => {
      const waiter = pending.get(message.seq);
      pending.delete(message.seq);
      if (waiter !== undefined) waiter.resolve(fromJsonParsedBlock(message.result, waiter.keepText));
    });
    worker.on('error', fallBack);
    worker.on('exit', (code) => {
      if (code !== 0 && pending.size > 0) fallBack();
    });
    return worker;
  });
  let seq = 0;
  // With the caller sharing, every (count + 1)-th block is its own.
  const cycle = options.shareWithCaller ? count + 1 : count;
  return {
    threads: count,
    get failed() {
      return broken;
    },
    parse(block, keepText) {
      if (broken) return Promise.resolve(parseBlock(block.bytes, block.firstLine, keepText));
      const id = seq++;
      // The calling thread takes every (workers + 1)-th block itself: between blocks it only merges
      // results, so parsing here too puts the otherwise idle share of its core to work.
      if (options.shareWithCaller && id % cycle === cycle - 1) return Promise.resolve(parseBlock(block.bytes, block.firstLine, keepText));
      // Copy the block into its own buffer and transfer that: cloning a view would copy the whole pooled chunk.
      const copy = new Uint8Array(block.bytes.byteLength);
      copy.set(block.bytes);
      return new Promise<ParsedBlock>((resolve) => {
        pending.set(id, { block, keepText: keepText === true, resolve });
        workers[(id % cycle) % workers.length]!.postMessage({ seq: id, bytes: copy, firstLine: block.firstLine }, [copy.buffer]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
