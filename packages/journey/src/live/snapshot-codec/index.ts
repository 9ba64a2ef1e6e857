/**
 * The binary codec of an engine snapshot's structured part (`../engine-snapshot`): the live state's plain
 * data (objects, arrays, Maps, Sets, typed arrays, bigints, Dates) written so that decoding it allocates
 * little more than the state itself (docs/durable-engine.md, *Loading a snapshot fast*).
 *
 * Why not V8's structured serializer (`node:v8`), which the snapshot used up to format 4: it writes every
 * occurrence of a string anew, and every object's keys with it, so its deserializer builds each string again
 * (4.3M strings for 1.2M distinct ones in the 1M-event state of the memory bench). Here:
 * - each distinct string is written once, in a string table, and referred to by index: the customer ids,
 *   case ids and enum-like values that repeat on every record become one string each;
 * - an array of strings that look distinct and new (a timeline's event ids) is a *run*: its strings go, in
 *   order and without being looked up, to a second table, read back in order;
 * - arrays of numbers are runs of varints or floats without a tag per element, decoded in a tight loop into
 *   packed arrays with no boxed number left behind per element;
 * - each distinct list of object keys (a *shape*) is written once; an object is its shape's index and its
 *   values, and the objects of a shape met often decode through one small function that builds them as a
 *   literal, so that they get their hidden class at once;
 * - an object referred to more than once (a customer or case record shared by the head and the eviction
 *   base) is written once, its tag flagged, and referred to by the offset of its tag, so it is one object
 *   again after decoding; only flagged objects are kept aside while decoding.
 *
 * What it keeps, as V8's serializer did: key order, Map and Set insertion order, `undefined` fields and array
 * holes, -0 and NaN, bigints, Dates, typed arrays, shared objects. Objects of other kinds (RegExp, Error,
 * ArrayBuffer, boxed primitives) are written through V8's serializer, each on its own. What it refuses, with
 * an error: functions and symbols (not data, named by their path), and cycles (a value reachable from itself;
 * the live state has none, and host projection states must be plain data).
 *
 * Layout (integers are unsigned LEB128 varints unless said): string table · run table (each: its kind byte,
 * then a JSON array, or the count, byte length, each string's length and the ASCII bytes) · shape table
 * length · shape table (UTF-8 JSON array of key arrays) · the value: a tag byte (its high bit set when the
 * value is referred to again later) and its content, offsets of references counting from its first byte.
 */
import { deserialize, serialize } from 'node:v8';

const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  /** A 31-bit integer: zigzag varint. */
  Int = 4,
  /** Any other number: 8 bytes, little-endian. */
  Float = 5,
  /** Index in the string table. */
  String = 6,
  /** Its decimal digits, as a string. */
  BigInt = 7,
  /** An array's missing element (only inside an `Array`). */
  Hole = 8,
  /** Offset of the tag byte of an object written before (flagged {@link SHARED}). */
  Ref = 9,
  /** Shape index, then each value in the shape's key order. */
  Object = 10,
  /** Length, then each element. */
  Array = 11,
  /** Length, then each element as a zigzag varint: an array of 31-bit integers. */
  IntArray = 12,
  /** Length, then each element as 8 bytes: an array of numbers. */
  FloatArray = 13,
  /** Length, then each element's index in the string table: an array of strings. */
  StringArray = 14,
  /** Size, then each key and value. */
  Map = 15,
  /** Size, then each element. */
  Set = 16,
  /** Its time value, 8 bytes. */
  Date = 17,
  /** Kind (index in {@link TYPED_ARRAYS}, or {@link BUFFER_KIND}), byte length, bytes. */
  TypedArray = 18,
  /** Byte length, then V8's serialization of the value. */
  V8 = 19,
  /** Length: an array of strings, the next ones of the run table (strings not looked up when written). */
  RunStringArray = 20,
}

/** The shortest array of strings written as a run (shorter ones are looked up). */
const MIN_RUN = 8;

/** Set on an object's tag when the object is referred to again (a `Ref` to its offset). */
const SHARED = 0x80;

// Typed array kinds by constructor, in a fixed order (the byte written).
const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[number]>;
/** The typed array kind of a Node Buffer (a Uint8Array that comes back as a Buffer, as V8 serialization gives it). */
const BUFFER_KIND = TYPED_ARRAYS.length;

/** A node of the shape tree: the shape of the keys so far, and the next key's nodes. */
interface ShapeNode {
  id: number;
  next: Map<string, ShapeNode> | undefined;
}

/** What the encoder cannot write, and the value itself (its path is searched for only then). */
interface Unencodable {
  readonly unencodable: string;
  readonly value: unknown;
}

function isUnencodable(error: unknown): error is Unencodable {
  return typeof (error as Unencodable | null)?.unencodable === 'string';
}

function isSmallInt(v: number): boolean {
  return (v | 0) === v && (v !== 0 || 1 / v > 0);
}

/**
 * Encodes a value (see the module comment), as consecutive parts (the caller joins them with its own, so
 * that the bytes are copied once). Throws for a function or a symbol (naming its path), a cycle, or a value
 * of another kind that V8's serializer cannot write either.
 */
export function encodeSnapshotValue(value: unknown): Buffer[] {
  const encoder = snapshotEncoder(value, 0, false);
  encoder.run(() => false);
  return encoder.finish();
}

/** How {@link encodeSnapshotValueInSlices} went: the time spent encoding, in how many slices, the longest one. */
export interface SlicedEncoding {
  parts: Buffer[];
  busyMs: number;
  slices: number;
  longestSliceMs: number;
}

/**
 * {@link encodeSnapshotValue} in slices of about `sliceMs` of work, awaiting `pause()` between them, so that a
 * large state is written without holding the event loop for the whole of it (the bytes are the same). The
 * value must not change until it resolves: the caller hands over a capture that nothing else changes.
 * `sizeHint`: about how many bytes the value takes (the buffer starts that large).
 */
export async function encodeSnapshotValueInSlices(value: unknown, sliceMs: number, pause: () => Promise<void>, sizeHint = 0): Promise<SlicedEncoding> {
  // Sized from the start when the caller knows about how large it gets (the last snapshot): doubling a
  // buffer of tens of MB is a copy of tens of MB, in one slice.
  const encoder = snapshotEncoder(value, sizeHint, true);
  let busyMs = 0;
  let slices = 0;
  let longestSliceMs = 0;
  for (;;) {
    const started = performance.now();
    const done = encoder.run(() => performance.now() - started >= sliceMs);
    const spent = performance.now() - started;
    busyMs += spent;
    slices++;
    if (spent > longestSliceMs) longestSliceMs = spent;
    if (done) break;
    await pause();
  }
  const started = performance.now();
  const parts = encoder.finish();
  const spent = performance.now() - started;
  busyMs += spent;
  if (spent > longestSliceMs) longestSliceMs = spent;
  return { parts, busyMs, slices, longestSliceMs };
}

/**
 * What is written in one go rather than stepped through (a slice may run over by one of them): an array of
 * numbers or of strings; from depth {@link SLICED_OBJECT_DEPTH} on, a plain object that holds no large
 * container (a customer or case record, unless its timeline is long: the state's large containers are
 * reached through fewer objects); from depth {@link SLICED_CONTAINER_DEPTH} on, an array of fewer than
 * {@link SLICED_ARRAY_SIZE} elements or a Map or Set of fewer than {@link SLICED_SIZE}; anything from
 * {@link SLICED_DEPTH} on. Stepping through every small object would cost more than writing it (a generator
 * step each).
 */
const SLICED_OBJECT_DEPTH = 7;
const SLICED_CONTAINER_DEPTH = 8;
const SLICED_SIZE = 256;
const SLICED_ARRAY_SIZE = 16;
/** An array this long is a large container whatever it holds (a long timeline's columns). */
const LARGE_ARRAY = 4096;
const SLICED_DEPTH = 12;
/** Children written between two looks at the clock. */
const CHILDREN_PER_LOOK = 16;
/** Children written in one go between two yields inside a container (a yield per small child would cost more than the child). */
const LEAVES_PER_YIELD = 16;

/**
 * The encoder of one value: `run(stop)` writes until the value is done (answers true) or until `stop()` says
 * so, looked at between the children of the outer containers (answers false: call it again); `finish()` then
 * gives the parts. The outer containers (down to {@link SLICED_DEPTH}) are walked by a generator that can stop
 * between two children; what is below them by the plain recursive writer.
 */
function snapshotEncoder(value: unknown, sizeHint: number, sliced: boolean): { run(stop: () => boolean): boolean; finish(): Buffer[] } {
  // Grown by doubling: a worker snapshots small tenants often, the engine a large state now and then.
  let bytes = new Uint8Array(Math.max(1 << 16, Math.ceil(sizeHint)));
  let view = new DataView(bytes.buffer);
  let at = 0;
  const strings: string[] = [];
  // The elements of `RunStringArray`s, in the order written; the strings sampled to choose them.
  const runStrings: string[] = [];
  const sample: string[] = [];
  const stringIndex = new Map<string, number>();
  const shapes: string[][] = [];
  const shapeRoot: ShapeNode = { id: -1, next: undefined };
  // Objects written whole, by the offset of their tag byte. An object is noted once written, so a cycle
  // recurses until the stack runs out, which is then reported as one.
  // Two Maps, arrays apart from the rest: each grows to about half as many entries, and a Map grown past a
  // million entries is rehashed in one step of tens of ms (one slice of a snapshot encoded in slices).
  const arrays = new Map<object, number>();
  const others = new Map<object, number>();
  const objectsOf = (object: object): Map<object, number> => (Array.isArray(object) ? arrays : others);

  /** Makes room for `n` more bytes. */
  const grow = (n: number) => {
    let size = bytes.length * 2;
    while (size < at + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(bytes.subarray(0, at));
    bytes = grown;
    view = new DataView(bytes.buffer);
  };
  // Every value starts with this much room, enough for its tag and two varints (no check byte by byte).
  const SLACK = 32;
  const varint = (n: number) => {
    while (n >= 0x80) {
      bytes[at++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    bytes[at++] = n;
  };
  const stringId = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  const shapeChild = (node: ShapeNode, key: string): ShapeNode => {
    if (node.next === undefined) node.next = new Map();
    let child = node.next.get(key);
    if (child === undefined) {
      child = { id: -1, next: undefined };
      node.next.set(key, child);
    }
    return child;
  };
  /** Numbers the shape ending at `node`, whose keys are `keys`. */
  const shapeId = (node: ShapeNode, keys: string[]): number => {
    node.id = shapes.length;
    shapes.push(keys);
    return node.id;
  };
  const shapeOf = (keys: string[]): number => {
    let node = shapeRoot;
    for (let k = 0; k < keys.length; k++) node = shapeChild(node, keys[k]!);
    return node.id === -1 ? shapeId(node, keys) : node.id;
  };
  // for-in also lists inherited enumerable keys: used only while Object.prototype has none (nothing added
  // to it), which is what a plain object's for-in then agrees with Object.keys on.
  let forInIsOwn = true;
  for (const _ in {}) forInIsOwn = false;
  /**
   * Whether an array's strings look distinct and met for the first time, as a timeline's event ids are:
   * then they are not looked up (a lookup per string costs more than the string, and would grow the table
   * the repeating strings are looked up in). Judged on samples spread over an array of 8 strings or more
   * (8 + 2 log2 n of them, so that a column of a few dozen values shows a repeat): all distinct, and at
   * most a quarter of them already in the table.
   */
  const mostlyNew = (array: readonly string[]): boolean => {
    const n = array.length;
    if (n < MIN_RUN) return false;
    const k = Math.min(n, MIN_RUN + 2 * Math.floor(Math.log2(n)));
    for (let i = 0; i < k; i++) sample[i] = array[Math.floor((i * (n - 1)) / (k - 1))]!;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (sample[i] === sample[j]) return false;
    let known = 0;
    for (let i = 0; i < k; i++) if (stringIndex.has(sample[i]!)) known++;
    return known * 4 <= k;
  };
  /** An array of numbers only (`Tag.IntArray` when all are 31-bit integers) or strings only, else `Tag.Array`. */
  const arrayTag = (array: readonly unknown[]): Tag => {
    const length = array.length;
    if (length < 2) return Tag.Array;
    const first = typeof array[0];
    if (first === 'number') {
      let ints = true;
      for (let i = 0; i < length; i++) {
        const x = array[i];
        if (typeof x !== 'number') return Tag.Array;
        if (ints && !isSmallInt(x)) ints = false;
      }
      return ints ? Tag.IntArray : Tag.FloatArray;
    }
    if (first === 'string') {
      for (let i = 0; i < length; i++) if (typeof array[i] !== 'string') return Tag.Array;
      return mostlyNew(array as readonly string[]) ? Tag.RunStringArray : Tag.StringArray;
    }
    return Tag.Array;
  };

  /** Whether an object's for-in lists exactly its own keys, in Object.keys order (a plain object). */
  const isPlainForIn = (record: object): boolean => {
    const proto = Object.getPrototypeOf(record) as unknown;
    return forInIsOwn && (proto === Object.prototype || proto === null);
  };
  /** The shape of an object's own enumerable string keys, numbered when new. */
  const objectShape = (record: Record<string, unknown>): number => {
    if (!isPlainForIn(record)) return shapeOf(Object.keys(record));
    // A plain object's for-in lists its own keys in Object.keys order, from V8's enumeration cache, without
    // allocating their array: once to find the shape, once to write the values.
    let node = shapeRoot;
    for (const key in record) node = shapeChild(node, key);
    return node.id === -1 ? shapeId(node, Object.keys(record)) : node.id;
  };

  const write = (v: unknown): void => {
    if (at + SLACK > bytes.length) grow(SLACK);
    switch (typeof v) {
      case 'undefined':
        bytes[at++] = Tag.Undefined;
        return;
      case 'boolean':
        bytes[at++] = v ? Tag.True : Tag.False;
        return;
      case 'number':
        if (isSmallInt(v)) {
          bytes[at++] = Tag.Int;
          varint(v >= 0 ? v * 2 : -v * 2 - 1);
        } else {
          bytes[at++] = Tag.Float;
          view.setFloat64(at, v, true);
          at += 8;
        }
        return;
      case 'string':
        bytes[at++] = Tag.String;
        varint(stringId(v));
        return;
      case 'bigint':
        bytes[at++] = Tag.BigInt;
        varint(stringId(v.toString()));
        return;
      case 'function':
      case 'symbol':
        throw { unencodable: `a ${typeof v}`, value: v } satisfies Unencodable;
      default:
        break;
    }
    if (v === null) {
      bytes[at++] = Tag.Null;
      return;
    }
    const object = v as object;
    const seen = objectsOf(object).get(object);
    if (seen !== undefined) {
      bytes[seen] = bytes[seen]! | SHARED;
      bytes[at++] = Tag.Ref;
      varint(seen);
      return;
    }
    const start = at;
    if (Array.isArray(object)) {
      const tag = arrayTag(object);
      const length = object.length;
      bytes[at++] = tag;
      varint(length);
      if (tag === Tag.Array) {
        for (let i = 0; i < length; i++) {
          const x: unknown = object[i];
          if (x === undefined && !(i in object)) {
            if (at + 1 > bytes.length) grow(1);
            bytes[at++] = Tag.Hole;
          } else write(x);
        }
      } else if (tag === Tag.FloatArray) {
        if (at + 8 * length > bytes.length) grow(8 * length);
        for (let i = 0; i < length; i++) {
          view.setFloat64(at, object[i] as number, true);
          at += 8;
        }
      } else if (tag === Tag.RunStringArray) {
        for (let i = 0; i < length; i++) runStrings.push(object[i] as string);
      } else {
        // Zigzag 31-bit integers and string indices: at most 5 bytes each (fewer than 2^35 strings).
        if (at + 5 * length > bytes.length) grow(5 * length);
        if (tag === Tag.IntArray) {
          for (let i = 0; i < length; i++) {
            const x = object[i] as number;
            varint(x >= 0 ? x * 2 : -x * 2 - 1);
          }
        } else for (let i = 0; i < length; i++) varint(stringId(object[i] as string));
      }
    } else if (object instanceof Map) {
      bytes[at++] = Tag.Map;
      varint(object.size);
      // forEach rather than for-of: no entry array per entry.
      object.forEach((x: unknown, k: unknown) => {
        write(k);
        write(x);
      });
    } else if (object instanceof Set) {
      bytes[at++] = Tag.Set;
      varint(object.size);
      object.forEach((x: unknown) => write(x));
    } else if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
      const kind = Buffer.isBuffer(object) ? BUFFER_KIND : TYPED_ARRAYS.findIndex((c) => object instanceof c);
      if (kind === -1) throw { unencodable: 'a typed array of an unknown kind', value: object } satisfies Unencodable;
      const typed = object as AnyTypedArray;
      bytes[at++] = Tag.TypedArray;
      bytes[at++] = kind;
      varint(typed.byteLength);
      if (at + typed.byteLength > bytes.length) grow(typed.byteLength);
      bytes.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), at);
      at += typed.byteLength;
    } else if (object instanceof Date) {
      bytes[at++] = Tag.Date;
      view.setFloat64(at, object.getTime(), true);
      at += 8;
    } else if (isSpecialObject(object)) {
      let blob: Buffer;
      try {
        blob = serialize(object);
      } catch (error) {
        throw { unencodable: `a value V8 cannot serialize either (${(error as Error).message})`, value: object } satisfies Unencodable;
      }
      bytes[at++] = Tag.V8;
      varint(blob.length);
      if (at + blob.length > bytes.length) grow(blob.length);
      bytes.set(blob, at);
      at += blob.length;
    } else {
      // Own enumerable string keys, as V8's serializer and JSON take them (a class instance becomes plain data).
      const record = object as Record<string, unknown>;
      bytes[at++] = Tag.Object;
      varint(objectShape(record));
      if (isPlainForIn(record)) {
        for (const key in record) write(record[key]);
      } else {
        const keys = Object.keys(record);
        for (let k = 0; k < keys.length; k++) write(record[keys[k]!]);
      }
    }
    objectsOf(object).set(object, start);
  };


  /** Whether a plain object holds a container worth stepping through: a long array, an array of objects, a large Map or Set. */
  const holdsLargeContainer = (object: object): boolean => {
    if (!isPlainForIn(object)) return false;
    const record = object as Record<string, unknown>;
    for (const key in record) {
      const x = record[key];
      if (Array.isArray(x)) {
        if (x.length >= LARGE_ARRAY || (x.length >= SLICED_ARRAY_SIZE && typeof x[0] === 'object' && x[0] !== null)) return true;
      } else if ((x instanceof Map || x instanceof Set) && x.size >= SLICED_SIZE) return true;
    }
    return false;
  };

  /**
   * Whether `steps` walks a value (a large container, see {@link SLICED_DEPTH}) rather than `write` it in one
   * go. An array of numbers only or strings only is written in one tight loop.
   */
  const stepped = (v: unknown, depth: number): boolean => {
    if (depth >= SLICED_DEPTH || v === null || typeof v !== 'object' || objectsOf(v).has(v)) return false;
    if (Array.isArray(v)) return (depth < SLICED_CONTAINER_DEPTH || v.length >= SLICED_ARRAY_SIZE) && arrayTag(v) === Tag.Array;
    if (v instanceof Map || v instanceof Set) return !(depth >= SLICED_CONTAINER_DEPTH && v.size < SLICED_SIZE);
    return !(ArrayBuffer.isView(v) || v instanceof Date || isSpecialObject(v) || (depth >= SLICED_OBJECT_DEPTH && !holdsLargeContainer(v)));
  };
  // Children written in one go by `steps`, counted across containers: a yield every LEAVES_PER_YIELD.
  let leaves = 0;
  /** Writes a child in one go; answers whether a yield is due. */
  const leafDue = (x: unknown): boolean => {
    write(x);
    return ++leaves % LEAVES_PER_YIELD === 0;
  };

  /**
   * `write`, as steps: the same bytes, in the same order, with a yield after each child of a Map, a Set, an
   * array of other values than numbers and strings, or a plain object, down to {@link SLICED_DEPTH}.
   */
  function* steps(v: unknown, depth: number): Generator<void, void, void> {
    if (!stepped(v, depth)) {
      write(v);
      return;
    }
    const object = v as object;
    const start = at;
    if (Array.isArray(object)) {
      if (at + SLACK > bytes.length) grow(SLACK);
      const length = object.length;
      bytes[at++] = Tag.Array;
      varint(length);
      for (let i = 0; i < length; i++) {
        const x: unknown = object[i];
        if (x === undefined && !(i in object)) {
          if (at + 1 > bytes.length) grow(1);
          bytes[at++] = Tag.Hole;
        } else if (stepped(x, depth + 1)) {
          yield* steps(x, depth + 1);
          yield;
        } else if (leafDue(x)) yield;
      }
    } else if (object instanceof Map) {
      if (at + SLACK > bytes.length) grow(SLACK);
      bytes[at++] = Tag.Map;
      varint(object.size);
      for (const [k, x] of object) {
        write(k);
        if (stepped(x, depth + 1)) {
          yield* steps(x, depth + 1);
          yield;
        } else if (leafDue(x)) yield;
      }
    } else if (object instanceof Set) {
      if (at + SLACK > bytes.length) grow(SLACK);
      bytes[at++] = Tag.Set;
      varint(object.size);
      for (const x of object) {
        if (stepped(x, depth + 1)) {
          yield* steps(x, depth + 1);
          yield;
        } else if (leafDue(x)) yield;
      }
    } else {
      const record = object as Record<string, unknown>;
      if (at + SLACK > bytes.length) grow(SLACK);
      bytes[at++] = Tag.Object;
      varint(objectShape(record));
      if (isPlainForIn(record)) {
        for (const key in record) {
          const x = record[key];
          if (stepped(x, depth + 1)) {
            yield* steps(x, depth + 1);
            yield;
          } else if (leafDue(x)) yield;
        }
      } else {
        const keys = Object.keys(record);
        for (let k = 0; k < keys.length; k++) {
          const x = record[keys[k]!];
          if (stepped(x, depth + 1)) {
            yield* steps(x, depth + 1);
            yield;
          } else if (leafDue(x)) yield;
        }
      }
    }
    objectsOf(object).set(object, start);
  }

  // The value, then its two string tables, a step at a time (each table a chunk of strings per step). In
  // one go, the value is written by the recursive writer alone: stepping costs a fifth more, for nothing.
  let tables: Buffer[][] = [];
  function* all(): Generator<void, void, void> {
    if (sliced) yield* steps(value, 0);
    else write(value);
    tables = [yield* stringTableSteps(strings), yield* stringTableSteps(runStrings)];
  }
  const walk = all();
  let done = false;
  return {
    run(stop: () => boolean): boolean {
      try {
        for (let n = 1; ; n++) {
          if (walk.next().done === true) return (done = true);
          if (n % CHILDREN_PER_LOOK === 0 && stop()) return false;
        }
      } catch (error) {
        if (isUnencodable(error)) throw new Error(`cannot encode ${error.unencodable} at ${pathTo(value, error.value) ?? 'an unknown place'}: a snapshot holds plain data only`);
        // A cycle recurses until the stack runs out (the live state nests a few levels deep only).
        if (error instanceof RangeError && /call stack/i.test(error.message)) {
          throw new Error(`cannot encode the state: it holds a cycle (a value that contains itself) or nests too deep (${error.message})`);
        }
        throw error;
      }
    },
    finish(): Buffer[] {
      if (!done) throw new Error('the snapshot encoder was asked for its bytes before the value was written');
      const shapeTable = Buffer.from(JSON.stringify(shapes), 'utf8');
      return [...tables[0]!, ...tables[1]!, varintBytes(shapeTable.length), shapeTable, Buffer.from(bytes.buffer, 0, at)];
    },
  };
}

/** Objects whose content is not their own enumerable keys: written through V8's serializer. */
function isSpecialObject(object: object): boolean {
  return (
    object instanceof RegExp ||
    object instanceof Error ||
    object instanceof ArrayBuffer ||
    object instanceof Number ||
    object instanceof String ||
    object instanceof Boolean ||
    object instanceof DataView ||
    (typeof SharedArrayBuffer !== 'undefined' && object instanceof SharedArrayBuffer)
  );
}

/** The path from `root` to `target` (the first found, depth first), as `a.b.0`: where an unencodable value is. */
function pathTo(root: unknown, target: unknown): string | undefined {
  const seen = new Set<object>();
  const search = (v: unknown, path: string): string | undefined => {
    if (v === target) return path === '' ? 'the root' : path.slice(1);
    if (v === null || typeof v !== 'object' || seen.has(v)) return undefined;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        const found = search(k, `${path}.<key>`) ?? search(x, `${path}.${String(k)}`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (v instanceof Set) {
      for (const x of v) {
        const found = search(x, `${path}.<element>`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const key of Object.keys(v)) {
      const found = search((v as Record<string, unknown>)[key], `${path}.${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(root, '');
}

const enum TableKind {
  /** A UTF-8 JSON array of strings: any strings (lone surrogates included). */
  Json = 0,
  /**
   * Each string's length, then all their characters, one byte each: strings whose characters are all below
   * U+0100 (ASCII ids and codes, and binary data held as Latin-1 strings, such as packed customer records).
   */
  Latin1 = 1,
}

/** Strings of a table turned into bytes per step of {@link stringTableSteps}, and at most this many characters. */
const TABLE_STEP_STRINGS = 16_384;
const TABLE_STEP_CHARS = 1 << 20;

// A character from U+0100 on: the string cannot be written one byte a character.
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * A table of strings as bytes: its kind, byte length, and content. The one-byte form (ids, codes: nearly every
 * table) decodes each string straight from its bytes, 1.2-2 times as fast as `JSON.parse` of the same
 * strings as a JSON array (measured on the 1.2M strings of a 1M-event state). Made a chunk of strings per
 * step (a yield between two: at most {@link TABLE_STEP_STRINGS} strings and about {@link TABLE_STEP_CHARS}
 * characters), so that a snapshot encoded in slices does not build a table of a million strings in one; the
 * content is then several parts, which the caller joins with the rest.
 */
function* stringTableSteps(strings: readonly string[]): Generator<void, Buffer[], void> {
  const lengths = new Uint8Array(5 * strings.length);
  let at = 0;
  let contentLength = 0;
  const content: Buffer[] = [];
  for (let from = 0; from < strings.length; ) {
    let to = from;
    let chars = 0;
    while (to < strings.length && to - from < TABLE_STEP_STRINGS && (chars < TABLE_STEP_CHARS || to === from)) chars += strings[to++]!.length;
    const chunk = strings.slice(from, to);
    from = to;
    const joined = chunk.join('');
    // A string with a character from U+0100 on makes the whole table JSON (ASCII, the usual case, is checked first).
    if (Buffer.byteLength(joined, 'utf8') !== joined.length && BEYOND_LATIN1.test(joined)) return jsonStringTable(strings);
    for (const s of chunk) {
      let n = s.length;
      while (n >= 0x80) {
        lengths[at++] = (n & 0x7f) | 0x80;
        n = Math.floor(n / 128);
      }
      lengths[at++] = n;
    }
    const bytes = Buffer.from(joined, 'latin1');
    content.push(bytes);
    contentLength += bytes.length;
    yield;
  }
  return [Buffer.from([TableKind.Latin1]), varintBytes(strings.length), varintBytes(contentLength), Buffer.from(lengths.buffer, 0, at), ...content];
}

/** A table of any strings (lone surrogates included) as a UTF-8 JSON array. */
function jsonStringTable(strings: readonly string[]): Buffer[] {
  const json = Buffer.from(JSON.stringify(strings), 'utf8');
  return [Buffer.from([TableKind.Json]), varintBytes(json.length), json];
}

/** `n` as an unsigned LEB128 varint. */
function varintBytes(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Builds one object of a shape from the values `read` gives, in key order. */
type ShapeReader = (read: () => unknown) => Record<string, unknown>;

/**
 * A shape's object builder: an object literal with the shape's keys, so that its objects get their hidden
 * class at once rather than one transition per key. The keys are JSON-quoted string literals, so no key is
 * code; `__proto__` is a computed key, which defines an own property rather than setting the prototype.
 */
function shapeReader(keys: readonly string[]): ShapeReader {
  const fields = keys.map((key) => (key === '__proto__' ? `[${JSON.stringify(key)}]: read()` : `${JSON.stringify(key)}: read()`));
  return new Function('read', `return { ${fields.join(', ')} };`) as ShapeReader;
}

/** Objects of a shape built by assigning their keys one by one before its builder is compiled. */
const COMPILE_AFTER = 8;

/** One object of a shape, built by assigning its keys in order (`__proto__` defined as an own property). */
function assignedObject(keys: readonly string[], read: () => unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === '__proto__') Object.defineProperty(object, key, { value: read(), enumerable: true, writable: true, configurable: true });
    else object[key] = read();
  }
  return object;
}

/**
 * Decodes what {@link encodeSnapshotValue} wrote. Throws on bytes it did not write (an unknown tag or
 * shape, a string or reference that is not there, a length past the end, bytes left over).
 */
export function decodeSnapshotValue(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let at = 0;
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= end) throw new Error('the bytes end inside a number');
      const b = bytes[at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
  };
  const zigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const json = <T>(name: string): T => {
    const length = varint();
    if (at + length > end) throw new Error(`the ${name} table (${length} bytes) runs past the end`);
    const parsed = JSON.parse(buffer.toString('utf8', at, at + length)) as T;
    at += length;
    if (!Array.isArray(parsed)) throw new Error(`the ${name} table is not an array`);
    return parsed;
  };
  const stringsTable = (name: string): string[] => {
    if (at >= end) throw new Error(`the bytes end before the ${name} table`);
    const kind = bytes[at++];
    if (kind === TableKind.Json) return json<string[]>(name);
    if (kind !== TableKind.Latin1) throw new Error(`the ${name} table is of unknown kind ${kind}`);
    const count = varint();
    const length = varint();
    const lengths: number[] = [];
    for (let i = 0; i < count; i++) lengths.push(varint());
    if (at + length > end) throw new Error(`the ${name} table (${length} bytes) runs past the end`);
    const out: string[] = [];
    let from = at;
    for (let i = 0; i < count; i++) {
      const to = from + lengths[i]!;
      if (to > at + length) throw new Error(`the ${name} table's strings run past its ${length} bytes`);
      out.push(buffer.toString('latin1', from, to));
      from = to;
    }
    at += length;
    return out;
  };
  const strings = stringsTable('string');
  const runStrings = stringsTable('run');
  let nextRun = 0;
  const shapeKeys = json<string[][]>('shape');
  // Offsets (of shared objects, in references) count from the value's first byte.
  const base = at;
  const readers = new Array<ShapeReader | undefined>(shapeKeys.length).fill(undefined);
  const uses = new Uint32Array(shapeKeys.length);
  // Objects flagged as referred to again, by the offset of their tag byte.
  const shared = new Map<number, unknown>();
  const string = (): string => {
    const i = varint();
    const s = strings[i];
    if (s === undefined) throw new Error(`string ${i} is not in the table (${strings.length})`);
    return s;
  };
  const need = (n: number, what: string) => {
    if (at + n > end) throw new Error(`${what} (${n} bytes) runs past the end`);
  };

  const read = (): unknown => {
    if (at >= end) throw new Error('the bytes end before the value does');
    const start = at;
    const tag = bytes[at++]!;
    let value: unknown;
    switch (tag & ~SHARED) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Int:
        return zigzag(varint());
      case Tag.Float: {
        need(8, 'a number');
        const n = view.getFloat64(at, true);
        at += 8;
        return n;
      }
      case Tag.String:
        return string();
      case Tag.BigInt:
        return BigInt(string());
      case Tag.Ref: {
        const offset = varint();
        if (!shared.has(offset)) throw new Error(`a reference to byte ${offset}, where no shared object was decoded`);
        return shared.get(offset);
      }
      case Tag.Object: {
        const shape = varint();
        let reader = readers[shape];
        if (reader === undefined) {
          const keys = shapeKeys[shape];
          if (keys === undefined) throw new Error(`shape ${shape} is not in the table (${shapeKeys.length})`);
          // A shape met a few times only (an object used as a dictionary, whose keys are its own) is not
          // worth compiling a builder for.
          if (++uses[shape]! < COMPILE_AFTER) {
            value = assignedObject(keys, read);
            break;
          }
          reader = readers[shape] = shapeReader(keys);
        }
        value = reader(read);
        break;
      }
      case Tag.Array: {
        const length = varint();
        if (length > end - at) throw new Error(`an array of ${length} elements runs past the end`);
        // Built by push, so that an array without holes is packed, as the engine's own arrays are (one made
        // with `new Array(length)` stays "holey", slower to read, for good).
        const array: unknown[] = [];
        for (let i = 0; i < length; i++) {
          if (bytes[at] === Tag.Hole) {
            at++;
            array.length = i + 1;
          } else array.push(read());
        }
        value = array;
        break;
      }
      case Tag.IntArray: {
        const length = varint();
        if (length > end - at) throw new Error(`an array of ${length} integers runs past the end`);
        const array: number[] = [];
        for (let i = 0; i < length; i++) array.push(zigzag(varint()));
        value = array;
        break;
      }
      case Tag.FloatArray: {
        const length = varint();
        need(8 * length, `an array of ${length} numbers`);
        const array: number[] = [];
        for (let i = 0; i < length; i++) {
          array.push(view.getFloat64(at, true));
          at += 8;
        }
        value = array;
        break;
      }
      case Tag.StringArray: {
        const length = varint();
        if (length > end - at) throw new Error(`an array of ${length} strings runs past the end`);
        const array: string[] = [];
        for (let i = 0; i < length; i++) array.push(string());
        value = array;
        break;
      }
      case Tag.RunStringArray: {
        const length = varint();
        if (nextRun + length > runStrings.length) throw new Error(`an array of ${length} strings runs past the run table (${runStrings.length - nextRun} left)`);
        const array: string[] = [];
        for (let i = 0; i < length; i++) array.push(runStrings[nextRun++]!);
        value = array;
        break;
      }
      case Tag.Map: {
        const size = varint();
        const map = new Map<unknown, unknown>();
        for (let i = 0; i < size; i++) {
          const k = read();
          map.set(k, read());
        }
        value = map;
        break;
      }
      case Tag.Set: {
        const size = varint();
        const set = new Set<unknown>();
        for (let i = 0; i < size; i++) set.add(read());
        value = set;
        break;
      }
      case Tag.Date: {
        need(8, 'a date');
        value = new Date(view.getFloat64(at, true));
        at += 8;
        break;
      }
      case Tag.TypedArray: {
        if (bytes[at] === BUFFER_KIND) {
          at++;
          const length = varint();
          need(length, 'a buffer');
          // A copy: not keeping the document's bytes alive.
          value = Buffer.from(bytes.subarray(at, at + length));
          at += length;
          break;
        }
        const kind = TYPED_ARRAYS[bytes[at++]!];
        if (kind === undefined) throw new Error(`typed array kind ${bytes[at - 1]} is unknown`);
        const length = varint();
        need(length, 'a typed array');
        if (length % kind.BYTES_PER_ELEMENT !== 0) throw new Error(`a typed array of ${length} bytes is not a whole number of ${kind.name} elements`);
        // Copied into its own buffer: aligned, and not keeping the document's bytes alive.
        const typed = new kind(length / kind.BYTES_PER_ELEMENT);
        new Uint8Array(typed.buffer).set(bytes.subarray(at, at + length));
        at += length;
        value = typed;
        break;
      }
      case Tag.V8: {
        const length = varint();
        need(length, 'a V8-serialized value');
        value = deserialize(bytes.subarray(at, at + length));
        at += length;
        break;
      }
      default:
        throw new Error(`unknown tag ${tag} at byte ${start - base} of the value`);
    }
    if (tag & SHARED) shared.set(start - base, value);
    return value;
  };

  const value = read();
  if (at !== end) throw new Error(`${end - at} bytes after the value`);
  if (nextRun !== runStrings.length) throw new Error(`${runStrings.length - nextRun} strings of the run table left over`);
  return value;
}
