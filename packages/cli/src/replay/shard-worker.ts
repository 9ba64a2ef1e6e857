import { instantMs, type CatalogEvent } from '@omnitrail/events';
import { type ReplayBounds } from '@omnitrail/journey';
import { foldLinkKeys, replayTally, type ReplayTally } from '@omnitrail/journey/internal';
import type { JourneyConfig } from '@omnitrail/journey';
import { parseBlock, type LineRejection } from './parse.js';

// A shard worker parses blocks of lines, keeps the valid events, and once the main thread has decided
// which events are accepted and which thread folds which customers, hands over the events it does not fold,
// takes those it does, and folds its share into a ReplayTally. Every event is parsed once where it is read;
// only events that change threads are written and parsed again.

/** The main thread's messages to a shard worker, in the order it sends them. */
export type ShardRequest =
  | { type: 'parse'; bytes: Uint8Array; lineNumbers: Int32Array }
  | { type: 'settle'; fate: Int32Array; self: number; shards: number }
  | { type: 'adopt'; text: string }
  | { type: 'fold'; options: ShardFoldOptions };

/** What a shard folds with: the same window for every shard. */
export interface ShardFoldOptions {
  bounds?: ReplayBounds;
  asOf?: number;
  from?: number;
  to?: number;
  tenant?: string;
  config?: Partial<JourneyConfig>;
}

/**
 * A parsed block as a shard worker reports it: per valid event (in line order) its line, content hash,
 * `occurredAt` in ms, whether it is on a case, and its strings packed in one (`ends` marks where each
 * ends): its id, then its fold link keys (`foldLinkKeys` without its own id, each prefixed with the
 * tenant id and a NUL), `keyCounts` of them.
 */
export interface ShardParsedBlock {
  read: number;
  rejected: LineRejection[];
  lines: Int32Array;
  hashes: Float64Array;
  ats: Float64Array;
  cased: Uint8Array;
  keyCounts: Int32Array;
  strings: string;
  ends: Int32Array;
}

/** The shard worker's replies. */
export type ShardReply =
  | { type: 'parsed'; block: ShardParsedBlock }
  | { type: 'settled'; moved: string[] }
  | { type: 'adopted' }
  | { type: 'folded'; tally: ReplayTally };

/** `foldLinkKeys` without the event's own id (the main thread looks it up among the case keys). */
const WITHOUT_OWN_ID = { ownId: false } as const;

/** A shard worker's state: the events it parsed, then those it folds. */
export interface ShardWorkerState {
  held: CatalogEvent[];
  kept: CatalogEvent[];
}

/** A new, empty shard worker state. */
export function createShardWorkerState(): ShardWorkerState {
  return { held: [], kept: [] };
}

/** The key prefix of a tenant: keys of different tenants never meet. */
export function tenantKeyPrefix(tenantId: string): string {
  return `${tenantId}\u0000`;
}

/** Handles one request and returns the reply, with the buffers to transfer. */
export function handleShardRequest(state: ShardWorkerState, request: ShardRequest): { reply: ShardReply; transfer: ArrayBuffer[] } {
  switch (request.type) {
    case 'parse': {
      // The lines are those of the input this shard was given, `lineNumbers[i]` being the i-th one's number.
      const { lineNumbers } = request;
      const parsed = parseBlock(request.bytes, 0);
      for (let i = 0; i < parsed.lines.length; i++) parsed.lines[i] = lineNumbers[parsed.lines[i]!]!;
      for (const r of parsed.rejected) r.line = lineNumbers[r.line]!;
      const n = parsed.events.length;
      const ats = new Float64Array(n);
      const cased = new Uint8Array(n);
      const keyCounts = new Int32Array(n);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        const event = parsed.events[i]!;
        state.held.push(event);
        ats[i] = instantMs(event.occurredAt);
        cased[i] = event.caseId === undefined ? 0 : 1;
        parts.push(event.id);
        const prefix = tenantKeyPrefix(event.tenantId);
        const keys = foldLinkKeys(event, WITHOUT_OWN_ID);
        keyCounts[i] = keys.length;
        for (const key of keys) parts.push(prefix + key);
      }
      const ends = new Int32Array(parts.length);
      let at = 0;
      for (let k = 0; k < parts.length; k++) ends[k] = at += parts[k]!.length;
      const block: ShardParsedBlock = {
        read: parsed.read,
        rejected: parsed.rejected,
        lines: Int32Array.from(parsed.lines),
        hashes: Float64Array.from(parsed.hashes),
        ats,
        cased,
        keyCounts,
        strings: parts.join(''),
        ends,
      };
      return { reply: { type: 'parsed', block }, transfer: [block.lines, block.hashes, block.ats, block.cased, block.keyCounts, block.ends].map((a) => a.buffer as ArrayBuffer) };
    }
    case 'settle': {
      // fate[i]: -1 not accepted (a duplicate or a conflict), else the shard that folds held event i.
      const moved: string[][] = Array.from({ length: request.shards }, () => []);
      const { fate, self } = request;
      if (fate.length !== state.held.length) throw new RangeError(`settle: ${fate.length} fates for ${state.held.length} events`);
      for (let i = 0; i < fate.length; i++) {
        const to = fate[i]!;
        if (to === self) state.kept.push(state.held[i]!);
        // JSON.stringify never writes a raw newline, so one can separate the events.
        else if (to >= 0) moved[to]!.push(JSON.stringify(state.held[i]));
      }
      state.held = [];
      return { reply: { type: 'settled', moved: moved.map((texts) => texts.join('\n')) }, transfer: [] };
    }
    case 'adopt': {
      // Events validated by another shard, written by JSON.stringify: JSON.parse gives them back as they were.
      const text = request.text;
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        state.kept.push(JSON.parse(text.slice(start, end)) as CatalogEvent);
        start = end + 1;
      }
      return { reply: { type: 'adopted' }, transfer: [] };
    }
    case 'fold': {
      const tally = replayTally({ events: state.kept, ...request.options });
      state.kept = [];
      return { reply: { type: 'folded', tally }, transfer: [] };
    }
  }
}
