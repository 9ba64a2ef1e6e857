import { statSync } from 'node:fs';
import { type ReplayReport } from '@omnitrail/journey';
import { caseLinkKey, createLinkSets, mergeReplayTallies, replayResultOf, type ReplayTally } from '@omnitrail/journey/internal';
import { readLineBlocks } from '../ndjson/index.js';
import { createProgressBar } from '../progress/index.js';
import { ACCEPTED, conflictRejection, createAcceptance, createRejections, DUPLICATE } from './acceptance.js';
import type { IngestOptions, ReportInstants } from './options.js';
import { startWorker, workerEntry, type WorkerEntry } from './pool.js';
import type { ShardFoldOptions, ShardParsedBlock, ShardReply, ShardRequest } from './shard-worker.js';

/** The options `replayInShards` reads: those of `readInputs` and the report's instants, and its own. */
export type ShardedReplayOptions = Pick<IngestOptions, 'strict' | 'progress' | 'maxInFlight' | 'maxEventsInMemory'> &
  Pick<ReportInstants, 'asOf' | 'from' | 'to' | 'tenant' | 'config'> & {
    /** Bytes of lines per block handed to a shard (default 256 KB). */
    blockBytes?: number;
    /** Called when the replay gives up on shards (and resolves `undefined`), with the reason. */
    onFallback?: (reason: string) => void;
    /** Called with the time each phase took (ms), for `OMNITRAIL_TIMING`. */
    onPhases?: (phases: { read: number; settle: number; fold: number; accepted: number }) => void;
  };

/** The inputs of a sharded replay: NDJSON files, with the names the report gives them. */
export interface ShardedInput {
  path: string;
  name: string;
}

/** Thrown inside when the accepted events pass `maxEventsInMemory`: the caller replays on the spilling path. */
class OverMemoryLimit extends Error {}

/** A shard worker failed or exited: the caller replays on one thread, as if no shard had been asked for. */
class ShardFailure extends Error {}

/** A started shard worker: requests are answered in the order they are sent. */
interface ShardThread {
  send(request: ShardRequest, transfer?: ArrayBuffer[]): Promise<ShardReply>;
  stop(): Promise<void>;
}

function startShard(entry: WorkerEntry): ShardThread {
  const worker = startWorker(entry);
  const waiting: { resolve: (r: ShardReply) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  worker.on('message', (message: { reply?: ShardReply; error?: string }) => {
    const next = waiting.shift();
    if (next === undefined) return;
    if (message.reply !== undefined) next.resolve(message.reply);
    else next.reject(new ShardFailure(`a shard worker failed: ${message.error ?? 'unknown error'}`));
  });
  worker.on('error', (error) => fail(new ShardFailure(`a shard worker failed: ${error.message}`)));
  worker.on('exit', (code) => fail(new ShardFailure(`a shard worker exited (code ${code})`)));
  return {
    send(request, transfer = []) {
      if (failure !== undefined) return Promise.reject(failure);
      const reply = new Promise<ShardReply>((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage(request, transfer);
      });
      // A failure rejects every request waiting; the replay awaits them in order and stops at the first,
      // so the others must not count as unhandled.
      reply.catch(() => undefined);
      return reply;
    },
    async stop() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/** Grows an Int32Array column by doubling. */
function grown(column: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= column.length) return column;
  const next = new Int32Array(Math.max(needed, column.length * 2));
  next.set(column);
  return next;
}

const CUSTOMER_FIELD = Buffer.from('"customerId":"');

/**
 * Splits a block's lines between the shards by a hash of the customer id each names, so that a customer's
 * events are mostly parsed on the shard that folds them, whatever the input's order. The customer is found
 * by its raw bytes (`"customerId":"` up to the next quote): a nested field of that name, an escaped quote or
 * a line without one only sends a line elsewhere, which the hand-over then corrects, so this needs no
 * parsing. Lines keep their order within a shard, with their physical line numbers.
 */
export function routeLines(bytes: Buffer, firstLine: number, shards: number): { shard: number; bytes: Uint8Array; lineNumbers: Int32Array }[] {
  const starts: number[][] = Array.from({ length: shards }, () => []);
  const stops: number[][] = Array.from({ length: shards }, () => []);
  const numbers: number[][] = Array.from({ length: shards }, () => []);
  const sizes = new Array<number>(shards).fill(0);
  let match = bytes.indexOf(CUSTOMER_FIELD);
  let line = firstLine;
  for (let start = 0; start < bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    // The next occurrence at or after this line (searched again only once passed, so each byte is searched once).
    if (match >= 0 && match < start) match = bytes.indexOf(CUSTOMER_FIELD, start);
    let shard = line % shards;
    if (match >= 0 && match < end) {
      let h = 0x811c9dc5;
      for (let p = match + CUSTOMER_FIELD.length; p < end && bytes[p] !== 0x22; p++) h = Math.imul(h ^ bytes[p]!, 0x01000193);
      shard = (h >>> 0) % shards;
    }
    starts[shard]!.push(start);
    stops[shard]!.push(end);
    numbers[shard]!.push(line);
    sizes[shard]! += end - start + 1;
    start = end + 1;
  }
  const parts: { shard: number; bytes: Uint8Array; lineNumbers: Int32Array }[] = [];
  for (let shard = 0; shard < shards; shard++) {
    if (numbers[shard]!.length === 0) continue;
    // Its own buffer, transferred to the worker: the block is a view of a larger pooled chunk.
    const out = new Uint8Array(sizes[shard]!);
    let at = 0;
    for (let j = 0; j < starts[shard]!.length; j++) {
      out.set(bytes.subarray(starts[shard]![j]!, stops[shard]![j]!), at);
      at += stops[shard]![j]! - starts[shard]![j]!;
      out[at++] = 0x0a;
    }
    parts.push({ shard, bytes: out, lineNumbers: Int32Array.from(numbers[shard]!) });
  }
  return parts;
}

/** A replay's inputs as `shardPlan` sees them: NDJSON files, or something read once (standard input, a store). */
export type ShardableInput = ShardedInput | { readOnce: string };

/**
 * How many shards a replay of these inputs folds in: `shards`, or 0 with the reason when it is not sharded
 * although asked (inputs read only once, since a sharded replay may have to start over; spilling from the
 * first event; no worker entry). Fewer than two shards asked for: 0 and no reason.
 */
export function shardPlan(inputs: readonly ShardableInput[], options: { shards: number; maxEventsInMemory: number }): { shards: number; reason?: string } {
  if (options.shards < 2 || inputs.length === 0) return { shards: 0 };
  const once = inputs.find((i): i is { readOnce: string } => 'readOnce' in i);
  if (once !== undefined) return { shards: 0, reason: `${once.readOnce} can be read only once` };
  if (options.maxEventsInMemory === 0) return { shards: 0, reason: 'every event is spilled (--max-events-in-memory 0)' };
  if (workerEntry() === undefined) return { shards: 0, reason: 'no worker module to start' };
  return { shards: options.shards };
}

/**
 * `omnitrail replay` of NDJSON files on several threads. Each shard worker parses and validates the blocks
 * it is given and keeps the events; the main thread, block by block in input order, de-duplicates (so
 * rejections, duplicates and conflicts are exactly those of a single-threaded replay), and joins the events
 * into connected sets by their fold link keys (customers, identities, cases). Once every line is read, the
 * sets are given to shards (where most of their events already are, balancing the counts), the events that
 * change shards are handed over, and each shard folds its events with the same window into a tally; the
 * report is the sum of the tallies, byte-identical to the single-threaded one.
 *
 * Resolves `undefined`, having stopped every worker, when the accepted events pass `maxEventsInMemory` or
 * a worker fails: the caller then replays on one thread (and spills) from the start.
 */
export async function replayInShards(inputs: readonly ShardedInput[], shards: number, options: ShardedReplayOptions): Promise<ReplayReport | undefined> {
  const entry = workerEntry();
  if (entry === undefined || shards < 2) return undefined;
  const started = performance.now();
  const threads = Array.from({ length: shards }, () => startShard(entry));
  const maxInMemory = options.maxEventsInMemory ?? Number.POSITIVE_INFINITY;
  const acceptance = createAcceptance();
  const rejections = createRejections({ strict: options.strict, several: inputs.length > 1 });
  let read = 0;
  let duplicates = 0;
  let minAt = Number.POSITIVE_INFINITY;
  let maxAt = Number.NEGATIVE_INFINITY;
  // Per accepted event: its shard, its index among that shard's valid events, and its first key's node.
  let shardOf = new Int32Array(1 << 16);
  let localOf = new Int32Array(1 << 16);
  let nodeOf = new Int32Array(1 << 16);
  // Valid events (accepted or not) per shard, in the order the shard parsed them; the fate of each.
  const localCount = new Array<number>(shards).fill(0);
  // Accepted events joined by their fold link keys (each key prefixed with its tenant).
  const sets = createLinkSets();
  // Accepted events on a case: a follow-up case takes an event's id, so their ids are looked up among the
  // case keys once every line is read (one lookup each instead of one more key per event).
  const casedEvents: number[] = [];
  const casedPrefixes: string[] = [];
  let lastPrefix = '';
  try {
    for (const input of inputs) {
      const reject = rejections.forInput(input.name);
      // One event of a shard's parsed block, in input order with every other shard's events and rejections.
      const applyEvent = (block: ShardParsedBlock, shard: number, i: number, k: number): number => {
        const { strings: s, ends } = block;
        const line = block.lines[i]!;
        const id = s.slice(k === 0 ? 0 : ends[k - 1], ends[k]);
        k++;
        const keyCount = block.keyCounts[i]!;
        const local = localCount[shard]!++;
        const verdict = acceptance.check(id, block.hashes[i]!);
        if (verdict !== ACCEPTED) {
          if (verdict === DUPLICATE) duplicates++;
          else reject(conflictRejection(line, id));
          return k + keyCount;
        }
        const g = acceptance.ids.length - 1;
        if (g >= maxInMemory) throw new OverMemoryLimit();
        if (g >= shardOf.length) {
          shardOf = grown(shardOf, g + 1);
          localOf = grown(localOf, g + 1);
          nodeOf = grown(nodeOf, g + 1);
        }
        shardOf[g] = shard;
        localOf[g] = local;
        const at = block.ats[i]!;
        if (at < minAt) minAt = at;
        if (at > maxAt) maxAt = at;
        let node = -1;
        const firstKey = k;
        for (let j = 0; j < keyCount; j++, k++) {
          const n = sets.node(s.slice(ends[k - 1], ends[k]));
          node = node < 0 ? n : sets.join(node, n);
        }
        nodeOf[g] = node;
        if (block.cased[i] === 1) {
          // The tenant prefix of its keys; the previous event's string when equal, so one is kept per run.
          const key = s.slice(ends[firstKey - 1], ends[firstKey]);
          const prefix = key.slice(0, key.indexOf('\u0000') + 1);
          casedEvents.push(g);
          casedPrefixes.push(prefix === lastPrefix ? lastPrefix : (lastPrefix = prefix));
        }
        return k;
      };
      // The shards' parts of one block of the input, merged back into line order.
      const apply = (parts: { block: ShardParsedBlock; shard: number }[]) => {
        const cursors = parts.map(({ block, shard }) => ({ block, shard, i: 0, r: 0, k: 0 }));
        for (const c of cursors) read += c.block.read;
        for (;;) {
          let next: (typeof cursors)[number] | undefined;
          let nextLine = Infinity;
          let isRejection = false;
          for (const c of cursors) {
            if (c.r < c.block.rejected.length && c.block.rejected[c.r]!.line < nextLine) {
              next = c;
              nextLine = c.block.rejected[c.r]!.line;
              isRejection = true;
            }
            if (c.i < c.block.lines.length && c.block.lines[c.i]! < nextLine) {
              next = c;
              nextLine = c.block.lines[c.i]!;
              isRejection = false;
            }
          }
          if (next === undefined) return;
          if (isRejection) reject(next.block.rejected[next.r++]!);
          else next.k = applyEvent(next.block, next.shard, next.i++, next.k);
        }
      };
      const bar = options.progress ? createProgressBar(options.progress, { label: input.name, total: statSync(input.path).size }) : undefined;
      const inFlight: { reply: Promise<ShardReply>; shard: number }[][] = [];
      const maxInFlight = options.maxInFlight ?? 4;
      const settleOne = async () => {
        const parts: { block: ShardParsedBlock; shard: number }[] = [];
        for (const { reply, shard } of inFlight.shift()!) {
          const done = await reply;
          if (done.type !== 'parsed') throw new Error(`a shard worker answered ${done.type} to parse`);
          parts.push({ block: done.block, shard });
        }
        apply(parts);
        bar?.events(acceptance.ids.length);
      };
      try {
        const reading = { ...(bar ? { onProgress: bar.advance } : {}), ...(options.blockBytes === undefined ? {} : { blockBytes: options.blockBytes }) };
        for await (const block of readLineBlocks({ path: input.path }, reading)) {
          inFlight.push(
            routeLines(block.bytes, block.firstLine, shards).map((part) => ({
              reply: threads[part.shard]!.send({ type: 'parse', bytes: part.bytes, lineNumbers: part.lineNumbers }, [part.bytes.buffer as ArrayBuffer, part.lineNumbers.buffer as ArrayBuffer]),
              shard: part.shard,
            })),
          );
          if (inFlight.length >= maxInFlight) await settleOne();
        }
        while (inFlight.length > 0) await settleOne();
      } finally {
        for (const parts of inFlight) for (const f of parts) f.reply.catch(() => undefined);
        bar?.done();
      }
    }
    const readDone = performance.now();
    const accepted = acceptance.ids.length;
    // A case named after an event joins that event's set.
    for (let c = 0; c < casedEvents.length; c++) {
      const g = casedEvents[c]!;
      const node = sets.nodeOf(casedPrefixes[c]! + caseLinkKey(acceptance.ids[g]!));
      if (node !== undefined) nodeOf[g] = sets.join(nodeOf[g]!, node);
    }
    // Events per set and shard, then each set, largest first, to the shard holding most of its events
    // unless that would overload it, else to the lightest shard.
    const setShards = new Map<number, number[]>();
    for (let g = 0; g < accepted; g++) {
      const root = (nodeOf[g] = sets.root(nodeOf[g]!));
      let counts = setShards.get(root);
      if (counts === undefined) setShards.set(root, (counts = new Array<number>(shards).fill(0)));
      counts[shardOf[g]!]!++;
    }
    const bySize = [...setShards].map(([root, counts]) => ({ root, counts, size: counts.reduce((a, b) => a + b, 0) }));
    bySize.sort((a, b) => b.size - a.size || a.root - b.root);
    const capacity = Math.ceil((accepted / shards) * 1.02) + 1;
    const load = new Array<number>(shards).fill(0);
    const shardOfSet = new Map<number, number>();
    for (const set of bySize) {
      let best = -1;
      for (let s = 0; s < shards; s++) {
        if (load[s]! + set.size > capacity) continue;
        if (best < 0 || set.counts[s]! > set.counts[best]!) best = s;
      }
      if (best < 0) {
        best = 0;
        for (let s = 1; s < shards; s++) if (load[s]! < load[best]!) best = s;
      }
      shardOfSet.set(set.root, best);
      load[best]! += set.size;
    }
    const fates = localCount.map((n) => new Int32Array(n).fill(-1));
    for (let g = 0; g < accepted; g++) fates[shardOf[g]!]![localOf[g]!] = shardOfSet.get(nodeOf[g]!)!;
    // Hand over the events that change shards, then fold.
    const settled = await Promise.all(threads.map((t, s) => t.send({ type: 'settle', fate: fates[s]!, self: s, shards }, [fates[s]!.buffer as ArrayBuffer])));
    const adoptions: Promise<ShardReply>[] = [];
    settled.forEach((reply, from) => {
      if (reply.type !== 'settled') throw new Error(`a shard worker answered ${reply.type} to settle`);
      reply.moved.forEach((text, to) => {
        if (to !== from && text.length > 0) adoptions.push(threads[to]!.send({ type: 'adopt', text }));
      });
    });
    await Promise.all(adoptions);
    const settleDone = performance.now();
    const foldOptions: ShardFoldOptions = {};
    if (accepted > 0) foldOptions.bounds = { minAt, maxAt };
    if (options.asOf !== undefined) foldOptions.asOf = options.asOf;
    if (options.from !== undefined) foldOptions.from = options.from;
    if (options.to !== undefined) foldOptions.to = options.to;
    if (options.tenant !== undefined) foldOptions.tenant = options.tenant;
    if (options.config !== undefined) foldOptions.config = options.config;
    const folded = await Promise.all(threads.map((t) => t.send({ type: 'fold', options: foldOptions })));
    let tally: ReplayTally | undefined;
    for (const reply of folded) {
      if (reply.type !== 'folded') throw new Error(`a shard worker answered ${reply.type} to fold`);
      tally = tally === undefined ? reply.tally : mergeReplayTallies(tally, reply.tally);
    }
    const result = replayResultOf(tally!);
    options.onPhases?.({ read: readDone - started, settle: settleDone - readDone, fold: performance.now() - settleDone, accepted });
    const rejected = rejections.sorted();
    return {
      omnitrailReport: 1,
      asOf: result.asOf,
      from: result.from,
      to: result.to,
      input: { read, accepted, duplicates, rejected },
      tenants: result.tenants,
    };
  } catch (error) {
    if (error instanceof OverMemoryLimit) {
      options.onFallback?.(`more than ${maxInMemory.toLocaleString('en-US')} accepted events (--max-events-in-memory)`);
      return undefined;
    }
    if (error instanceof ShardFailure) {
      options.onFallback?.(error.message);
      return undefined;
    }
    throw error;
  } finally {
    await Promise.all(threads.map((t) => t.stop()));
  }
}
