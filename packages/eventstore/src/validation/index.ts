/**
 * Validation at the edge of the store: stream names, expected revisions, events and read options are
 * checked before anything is written, and a rejected value is named by its path.
 */
import { InvalidArgumentError, InvalidEventError, InvalidStreamNameError } from '../errors/index.js';
import type { Direction, EventToAppend, ExpectedRevision } from '../port/index.js';

/** Longest accepted stream name, event id and event type, in characters. */
export const MAX_NAME_LENGTH = 256;

/**
 * Throws `InvalidStreamNameError` unless `stream` is a non-empty string of at most 256 characters that
 * does not start with `$` (reserved for system streams such as `$all`).
 */
export function assertStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string') throw new InvalidStreamNameError(stream, `expected a string, got ${typeOf(stream)}`);
  if (stream.length === 0) throw new InvalidStreamNameError(stream, 'it is empty');
  if (stream.length > MAX_NAME_LENGTH) throw new InvalidStreamNameError(stream, `it has ${stream.length} characters, more than ${MAX_NAME_LENGTH}`);
  if (stream.charCodeAt(0) === 36 /* $ */) throw new InvalidStreamNameError(stream, "names starting with '$' are reserved");
}

/** Throws `InvalidArgumentError` unless `expected` is `'any' | 'no_stream' | 'stream_exists'` or a bigint ≥ 0. */
export function assertExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'bigint' && expected >= 0n) return;
  throw new InvalidArgumentError(
    'expectedRevision',
    `expected 'any', 'no_stream', 'stream_exists' or a bigint revision >= 0n, got ${describe(expected)}`,
  );
}

/**
 * Checks a batch: an array of `{ id, type, data, metadata? }` with non-empty string ids and types of at
 * most 256 characters, ids unique within the batch, and JSON-storable data and metadata (see
 * {@link assertJsonStorable}). When `freeze` is set, data and metadata are deep-frozen during the same
 * walk, because the in-memory store keeps them by reference as the log's one copy. `checkData: false`
 * skips the data and metadata walk (for an owner that appends only data it validated itself).
 * Returns the ids that occur twice in the batch (empty when none).
 */
export function validateEvents(events: unknown, freeze: boolean, checkData = true): readonly string[] {
  if (!Array.isArray(events)) throw new InvalidEventError('events', `expected an array of events, got ${typeOf(events)}`);
  let repeated: string[] | undefined;
  // Small batches compare ids pairwise (no allocation); large ones use a Set.
  const seen = events.length > 16 ? new Set<string>() : undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as EventToAppend | null | undefined;
    if (e === null || typeof e !== 'object') throw new InvalidEventError(`events[${i}]`, `expected an event object, got ${typeOf(e)}`);
    const { id, type } = e;
    if (typeof id !== 'string') throw new InvalidEventError(`events[${i}].id`, `expected a string id, got ${typeOf(id)}`);
    if (id.length === 0 || id.length > MAX_NAME_LENGTH) throw new InvalidEventError(`events[${i}].id`, `an id must have 1 to ${MAX_NAME_LENGTH} characters, got ${id.length}`);
    if (typeof type !== 'string') throw new InvalidEventError(`events[${i}].type`, `expected a string type, got ${typeOf(type)}`);
    if (type.length === 0) throw new InvalidEventError(`events[${i}].type`, 'the event type is empty');
    if (type.length > MAX_NAME_LENGTH) throw new InvalidEventError(`events[${i}].type`, `an event type must have at most ${MAX_NAME_LENGTH} characters, got ${type.length}`);
    if (e.data === undefined) throw new InvalidEventError(`events[${i}].data`, 'data is missing (use null for an event without data)');
    if (checkData) {
      checkValue(e.data, i, 'data', freeze);
      if (e.metadata !== undefined) checkValue(e.metadata, i, 'metadata', freeze);
    }
    if (seen !== undefined) {
      if (seen.has(id)) (repeated ??= []).push(id);
      else seen.add(id);
    } else {
      for (let j = 0; j < i; j++) {
        if ((events[j] as EventToAppend).id === id) {
          (repeated ??= []).push(id);
          break;
        }
      }
    }
  }
  return repeated ?? NONE;
}

const NONE: readonly string[] = Object.freeze([]);
const MAX_FAST_DEPTH = 64;

// Strings and numbers (most values of flat event data) are checked inline in the loops, without a call
// per value; everything else recurses.
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return value - value === 0; // false for NaN and ±Infinity
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth === MAX_FAST_DEPTH) return false;
  if (Array.isArray(value)) {
    // A hole reads as undefined, which is rejected like an undefined item.
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') continue;
      if (typeof v === 'number') {
        if (v - v !== 0) return false;
        continue;
      }
      if (!isPlainJson(v, depth + 1)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== objectProto && proto !== null) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string' || v === undefined) continue;
    if (typeof v === 'number') {
      if (v - v !== 0) return false;
      continue;
    }
    if (!isPlainJson(v, depth + 1)) return false;
  }
  return true;
}

/** Freezes a JSON-like value and everything in it (stored events; the engine's views), in place. */
export function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
}
// One ancestor stack for every walk (walks are synchronous and never nest), so validating allocates nothing.
const ancestors: object[] = [];

function checkValue(value: unknown, index: number, field: 'data' | 'metadata', freeze: boolean): void {
  // Fast pass first: no path, no ancestor stack, no try/catch. Only a value it rejects (or one nested
  // deeper than MAX_FAST_DEPTH, which is how a cycle shows up) takes the slow walk, which names the problem.
  if (isPlainJson(value, 0)) {
    if (freeze) deepFreeze(value);
    return;
  }
  ancestors.length = 0;
  try {
    walk(value, undefined);
  } catch (error) {
    ancestors.length = 0;
    if (error instanceof PathError) throw new InvalidEventError(`events[${index}].${field}${error.path}`, error.problem);
    throw error;
  }
  // Valid after all (nested deeper than the fast pass looks).
  if (freeze) deepFreeze(value);
}

// Thrown inside the walk with the path built while unwinding, so the happy path never concatenates strings.
class PathError extends Error {
  path = '';
  constructor(readonly problem: string) {
    super(problem);
  }
}

/**
 * Throws `InvalidEventError` unless `value` survives a JSON round trip unchanged: `null`, booleans,
 * finite numbers, strings, arrays (without holes or `undefined`), and plain objects (prototype
 * `Object.prototype` or `null`) of such values. Object properties whose value is `undefined` are allowed
 * and mean "absent", as in JSON. Rejected: BigInt, functions, symbols, NaN and ±Infinity, cycles, and class
 * instances such as Date, Map or Buffer (they would come back as something else). Symbol-keyed properties
 * are ignored, as JSON ignores them (checking for them would cost an allocation per object).
 */
export function assertJsonStorable(value: unknown, path: string): void {
  ancestors.length = 0;
  try {
    walk(value, undefined);
  } catch (error) {
    ancestors.length = 0;
    if (error instanceof PathError) throw new InvalidEventError(`${path}${error.path}`, error.problem);
    throw error;
  }
}

const objectProto = Object.prototype;

// A recursive walk with an ancestor stack: cheaper than a Set for the shallow payloads events carry, and it
// reports cycles (not mere shared references, which JSON stores as copies).
function walk(value: unknown, key: string | number | undefined): void {
  try {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(value)) throw new PathError(`${value} is not a finite number and cannot be stored as JSON`);
        return;
      case 'bigint':
        throw new PathError('BigInt cannot be stored as JSON (store it as a decimal string)');
      case 'undefined':
        throw new PathError('undefined cannot be stored as JSON (use null, or leave the property out)');
      case 'function':
        throw new PathError('a function cannot be stored as JSON');
      case 'symbol':
        throw new PathError('a symbol cannot be stored as JSON');
      default:
        break;
    }
    if (value === null) return;
    const obj = value as object;
    if (ancestors.includes(obj)) throw new PathError('a cycle (the value contains itself) cannot be stored as JSON');
    ancestors.push(obj);
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        if (!(i in obj)) throw Object.assign(new PathError('a sparse array hole cannot be stored as JSON'), { path: `[${i}]` });
        walk(obj[i], i);
      }
    } else {
      const proto = Object.getPrototypeOf(obj) as unknown;
      if (proto !== objectProto && proto !== null) {
        const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw new PathError(`a ${name} instance cannot be stored as JSON unchanged (convert it to plain data, e.g. a string)`);
      }
      for (const k in obj) {
        const v = (obj as Record<string, unknown>)[k];
        if (v !== undefined) walk(v, k);
      }
    }
    ancestors.pop();
  } catch (error) {
    if (error instanceof PathError && key !== undefined) error.path = (typeof key === 'number' ? `[${key}]` : `.${key}`) + error.path;
    throw error;
  }
}

/** Throws `InvalidArgumentError` unless `maxCount` is undefined or an integer ≥ 0 (or Infinity). */
export function assertMaxCount(maxCount: unknown): number {
  if (maxCount === undefined) return Number.POSITIVE_INFINITY;
  if (typeof maxCount === 'bigint' && maxCount >= 0n) return Number(maxCount);
  if (typeof maxCount !== 'number' || !(maxCount >= 0) || (!Number.isInteger(maxCount) && maxCount !== Number.POSITIVE_INFINITY)) {
    throw new InvalidArgumentError('maxCount', `expected an integer >= 0, got ${describe(maxCount)}`);
  }
  return maxCount;
}

/** Throws `InvalidArgumentError` unless `direction` is undefined, `'forwards'` or `'backwards'`. */
export function assertDirection(direction: unknown): Direction {
  if (direction === undefined || direction === 'forwards') return 'forwards';
  if (direction === 'backwards') return 'backwards';
  throw new InvalidArgumentError('direction', `expected 'forwards' or 'backwards', got ${describe(direction)}`);
}

/**
 * A read's `fromRevision`: the value, or `'start'` forwards and `'end'` backwards when absent;
 * `InvalidArgumentError` naming `fromRevision` for anything but `'start'`, `'end'` or a bigint ≥ 0.
 */
export function assertFromRevision(fromRevision: unknown, direction: Direction): bigint | 'start' | 'end' {
  const from = fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
  if (from === 'start' || from === 'end' || (typeof from === 'bigint' && from >= 0n)) return from;
  throw new InvalidArgumentError('fromRevision', `expected 'start', 'end' or a bigint revision >= 0n, got ${String(from)}`);
}

/**
 * Converts a position option to an internal number: `'start'` → 0, `'end'` → `end`, a bigint ≥ 0 → its value.
 * Positions are kept as numbers inside the stores (exact up to 2^53) and are bigint only at the API edge.
 */
export function positionOption(name: string, value: unknown, fallback: 'start' | 'end', end: number): number {
  const v = value ?? fallback;
  if (v === 'start') return 0;
  if (v === 'end') return end;
  if (typeof v === 'bigint' && v >= 0n) return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  throw new InvalidArgumentError(name, `expected 'start', 'end' or a bigint position >= 0n, got ${describe(v)}`);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return `'${value}'`;
  return typeOf(value) === 'object' ? 'an object' : String(value);
}
