/**
 * The stream-group rules shared by every adapter: the options check, the group a stream name falls in, and
 * the listing of an adapter that keeps its streams in memory (in-memory, file).
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { StreamGroupIndex, StreamGroupListing, StreamGroupsOptions } from '../port/index.js';

/** Throws `InvalidArgumentError` naming `prefix` or `separator` unless the options are a string and one character. */
export function assertStreamGroupsOptions(options: unknown): StreamGroupsOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'expected { prefix, separator }');
  const { prefix, separator } = options as { prefix?: unknown; separator?: unknown };
  if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', `expected a string (may be empty), got ${prefix === null ? 'null' : typeof prefix}`);
  if (typeof separator !== 'string' || separator.length !== 1) {
    throw new InvalidArgumentError('separator', `expected one character, got ${JSON.stringify(separator) ?? 'undefined'}`);
  }
  return { prefix, separator };
}

/** The group of a stream name under `options`, `undefined` when the name does not start with the prefix. */
export function streamGroupOf(name: string, options: StreamGroupsOptions): string | undefined {
  if (!name.startsWith(options.prefix)) return undefined;
  const at = name.indexOf(options.separator, options.prefix.length);
  return at < 0 ? name : name.slice(0, at + 1);
}

/** A frozen listing of `groups` (each once, sorted by UTF-16 code units) complete up to `position`. */
export function streamGroupListing(position: bigint | undefined, groups: Iterable<string>): StreamGroupListing {
  const sorted = [...new Set(groups)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.freeze({ position, groups: Object.freeze(sorted) });
}

/**
 * The stream-group index of an adapter that holds every stream's name in memory: one pass over its streams
 * (never over events). `streams` lists the names of the streams with a readable event, `head` the last
 * readable position (0: none), both read synchronously so the listing is one consistent cut.
 */
export function createInMemoryStreamGroups(source: { assertOpen(): void; streams(): Iterable<string>; head(): number }): StreamGroupIndex {
  return Object.freeze({
    async list(options: StreamGroupsOptions): Promise<StreamGroupListing> {
      source.assertOpen();
      const checked = assertStreamGroupsOptions(options);
      const groups = new Set<string>();
      for (const name of source.streams()) {
        const group = streamGroupOf(name, checked);
        if (group !== undefined) groups.add(group);
      }
      const head = source.head();
      return streamGroupListing(head === 0 ? undefined : BigInt(head), groups);
    },
  });
}
