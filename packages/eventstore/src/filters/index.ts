/** Event filters for `readAll` and `subscribeToAll`, compiled once into a predicate over stream name and type. */
import { InvalidArgumentError } from '../errors/index.js';
import type { EventFilter } from '../port/index.js';

/** A compiled filter: does an event of this stream and type pass? */
export type EventMatcher = (streamName: string, type: string) => boolean;

/**
 * Compiles a filter into a matcher, or `undefined` when there is no filter (every event passes).
 * Prefix filters accept one prefix or a list (any of them matches); regex filters are tested against the
 * event type or the stream name. Throws `InvalidArgumentError` for an unknown filter shape.
 */
export function compileFilter(filter: EventFilter | undefined): EventMatcher | undefined {
  if (filter === undefined || filter === null) return undefined;
  const f = filter as Partial<Record<'eventTypePrefix' | 'streamNamePrefix' | 'eventTypeRegex' | 'streamNameRegex', unknown>>;
  const keys = Object.keys(f).filter((k) => f[k as keyof typeof f] !== undefined);
  if (keys.length !== 1) {
    throw new InvalidArgumentError('filter', 'expected exactly one of eventTypePrefix, streamNamePrefix, eventTypeRegex, streamNameRegex');
  }
  if (f.eventTypePrefix !== undefined) {
    const test = prefixTest('filter.eventTypePrefix', f.eventTypePrefix);
    return (_stream, type) => test(type);
  }
  if (f.streamNamePrefix !== undefined) {
    const test = prefixTest('filter.streamNamePrefix', f.streamNamePrefix);
    return (stream) => test(stream);
  }
  if (f.eventTypeRegex !== undefined) {
    const re = regex('filter.eventTypeRegex', f.eventTypeRegex);
    return (_stream, type) => {
      re.lastIndex = 0; // a /g or /y regex keeps state between calls; every event is tested afresh
      return re.test(type);
    };
  }
  if (f.streamNameRegex !== undefined) {
    const re = regex('filter.streamNameRegex', f.streamNameRegex);
    return (stream) => {
      re.lastIndex = 0;
      return re.test(stream);
    };
  }
  throw new InvalidArgumentError('filter', `unknown filter '${keys[0]}'`);
}

function prefixTest(name: string, value: unknown): (s: string) => boolean {
  const prefixes = Array.isArray(value) ? value : [value];
  if (prefixes.length === 0 || !prefixes.every((p) => typeof p === 'string')) {
    throw new InvalidArgumentError(name, 'expected a string or a non-empty array of strings');
  }
  const list = prefixes as string[];
  if (list.length === 1) {
    const p = list[0]!;
    return (s) => s.startsWith(p);
  }
  return (s) => list.some((p) => s.startsWith(p));
}

function regex(name: string, value: unknown): RegExp {
  if (!(value instanceof RegExp)) throw new InvalidArgumentError(name, 'expected a RegExp');
  return value;
}
