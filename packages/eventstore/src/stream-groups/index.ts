/**
 * The stream-group rules shared by every adapter: the options check, the group a stream name falls in, the
 * listing of an adapter that keeps its streams in memory (in-memory, file), and the directory kept by the
 * listings themselves for an adapter without an index of stream names (EventStoreDB).
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError, isDocumentVersionConflict } from '../errors/index.js';
import type { DocumentStore, EventStore, StreamGroupIndex, StreamGroupListing, StreamGroupsOptions } from '../port/index.js';

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

/** Where a scanned stream-group index keeps its directory: one document per prefix and separator. */
export const STREAM_GROUP_DIRECTORY_PREFIX = 'omnitrail.stream-groups:';
/** A directory whose groups did not change is rewritten once this many events were scanned past it. */
const DIRECTORY_REWRITE_EVENTS = 10_000;

interface Directory {
  readonly position: bigint | undefined;
  readonly groups: readonly string[];
  readonly version: bigint | 'absent';
}

/**
 * The stream-group index of an adapter that has no index of stream names to ask (EventStoreDB): a directory
 * document per prefix and separator, `{ position, groups }`, kept up to date by the listings themselves. A
 * listing reads the directory, reads the log after its position (the events since the last listing any
 * process made), adds the groups of those events, and writes the directory back (compare-and-set on its
 * version; a lost race changes nothing: the listing answered is complete either way). So the very first
 * listing of a prefix reads the whole log, and every later one only what came since the last; a group still
 * comes only from a readable event, and every event up to the listing's position was seen, by this listing
 * or by the one that wrote the directory.
 */
export function createScannedStreamGroups(source: { assertOpen(): void; readAll: EventStore['readAll']; documents: DocumentStore }): StreamGroupIndex {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();

  async function readDirectory(key: string, options: StreamGroupsOptions): Promise<Directory> {
    const document = await source.documents.read(key);
    if (document === undefined) return { position: undefined, groups: [], version: 'absent' };
    try {
      const parsed = JSON.parse(decoder.decode(document.value)) as { prefix?: unknown; separator?: unknown; position?: unknown; groups?: unknown };
      const valid =
        parsed.prefix === options.prefix &&
        parsed.separator === options.separator &&
        (parsed.position === null || (typeof parsed.position === 'string' && /^[0-9]{1,20}$/.test(parsed.position))) &&
        Array.isArray(parsed.groups) &&
        parsed.groups.every((group) => typeof group === 'string');
      // Anything else under the key (another prefix with the same hash, a damaged value) is replaced by a full scan.
      if (valid) return { position: parsed.position === null ? undefined : BigInt(parsed.position as string), groups: parsed.groups as string[], version: document.version };
    } catch {
      // Not JSON: as above.
    }
    return { position: undefined, groups: [], version: document.version };
  }

  return Object.freeze({
    async list(options: StreamGroupsOptions): Promise<StreamGroupListing> {
      source.assertOpen();
      const checked = assertStreamGroupsOptions(options);
      const key = `${STREAM_GROUP_DIRECTORY_PREFIX}${createHash('sha256').update(`${checked.prefix}\u0000${checked.separator}`, 'utf8').digest('hex').slice(0, 40)}`;
      const directory = await readDirectory(key, checked);
      const groups = new Set(directory.groups);
      const known = groups.size;
      let position = directory.position;
      let scanned = 0;
      for await (const event of source.readAll({ fromPosition: position ?? 'start' })) {
        const group = streamGroupOf(event.streamName, checked);
        if (group !== undefined) groups.add(group);
        position = event.position;
        scanned++;
      }
      if (groups.size > known || scanned >= DIRECTORY_REWRITE_EVENTS) {
        const value = encoder.encode(JSON.stringify({ prefix: checked.prefix, separator: checked.separator, position: position === undefined ? null : position.toString(), groups: [...groups].sort() }));
        try {
          await source.documents.write(key, value, { expectedVersion: directory.version });
        } catch (error) {
          // Another listing wrote the directory meanwhile: it holds as much as this one, or more.
          if (!isDocumentVersionConflict(error)) throw error;
        }
      }
      return streamGroupListing(position, groups);
    },
  });
}
