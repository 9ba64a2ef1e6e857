// The snapshot codec on its own (live/snapshot-codec, the structured part of an engine snapshot): any plain
// data decodes to what V8's structured serializer (the format before it) gave back: the same kinds, key,
// Map and Set order, holes, -0, NaN, bigints, Dates, typed arrays, and the same objects shared; and what
// it refuses to write or to read.
import { deserialize, serialize } from 'node:v8';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSnapshotValue, encodeSnapshotValue, encodeSnapshotValueInSlices } from '../src/internal.js';

const roundTrip = (value: unknown): unknown => decodeSnapshotValue(Buffer.concat(encodeSnapshotValue(value)));

/**
 * Where two values differ (undefined: nowhere): kinds and prototypes, primitives by `Object.is`, key order,
 * Map and Set order, array holes, typed array bytes, and which objects are one object (the sharing of `a`
 * and of `b` must pair up one to one).
 */
function difference(a: unknown, b: unknown): string | undefined {
  const pairs = new Map<object, object>();
  const reverse = new Map<object, object>();
  const go = (x: unknown, y: unknown, path: string): string | undefined => {
    if (typeof x !== typeof y) return `${path}: ${typeof x} against ${typeof y}`;
    if (x === null || typeof x !== 'object' || y === null) return Object.is(x, y) ? undefined : `${path}: ${String(x)} against ${String(y)}`;
    const yo = y as object;
    const paired = pairs.get(x);
    if (paired !== undefined || reverse.has(yo)) return paired === yo ? undefined : `${path}: shared differently`;
    pairs.set(x, yo);
    reverse.set(yo, x);
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(yo)) return `${path}: another prototype`;
    if (x instanceof Map) {
      const xs = [...x];
      const ys = [...(yo as Map<unknown, unknown>)];
      if (xs.length !== ys.length) return `${path}: ${xs.length} entries against ${ys.length}`;
      for (let i = 0; i < xs.length; i++) {
        const found = go(xs[i]![0], ys[i]![0], `${path}.<key ${i}>`) ?? go(xs[i]![1], ys[i]![1], `${path}.<value ${i}>`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (x instanceof Set) {
      const xs = [...x];
      const ys = [...(yo as Set<unknown>)];
      if (xs.length !== ys.length) return `${path}: ${xs.length} elements against ${ys.length}`;
      for (let i = 0; i < xs.length; i++) {
        const found = go(xs[i], ys[i], `${path}.<element ${i}>`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (x instanceof Date) return Object.is(x.getTime(), (yo as Date).getTime()) ? undefined : `${path}: another date`;
    if (ArrayBuffer.isView(x)) {
      const yv = yo as ArrayBufferView;
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(yv.buffer, yv.byteOffset, yv.byteLength)) ? undefined : `${path}: other bytes`;
    }
    if (x instanceof RegExp || x instanceof Number || x instanceof String || x instanceof Boolean) {
      return String(x) === String(yo) && Object.is(x.valueOf(), (yo as typeof x).valueOf()) ? undefined : `${path}: ${String(x)} against ${String(yo)}`;
    }
    if (Array.isArray(x)) {
      const ya = yo as unknown[];
      if (x.length !== ya.length) return `${path}: length ${x.length} against ${ya.length}`;
      for (let i = 0; i < x.length; i++) {
        if (i in x !== i in ya) return `${path}.${i}: a hole on one side only`;
        const found = go(x[i], ya[i], `${path}.${i}`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const xk = Object.keys(x);
    const yk = Object.keys(yo);
    if (xk.join('\u0000') !== yk.join('\u0000')) return `${path}: keys [${xk.join(', ')}] against [${yk.join(', ')}]`;
    for (const k of xk) {
      const found = go((x as Record<string, unknown>)[k], (yo as Record<string, unknown>)[k], `${path}.${k}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return go(a, b, 'value');
}

/** Plain data of every kind the codec writes, V8-serializable, without cycles. */
const plainData = fc.anything({
  maxDepth: 4,
  maxKeys: 6,
  withMap: true,
  withSet: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withBoxedValues: true,
  withUnicodeString: true,
});

/** Data as the live state holds it: records of one shape, timelines (distinct ids, instants, codes), columns of a few repeating values. */
const stateLike = fc
  .record({
    ids: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 0, maxLength: 60 }),
    codes: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 30 }),
    ats: fc.array(fc.oneof(fc.double(), fc.constantFrom(-0, NaN, -Infinity, 0.5)), { maxLength: 30 }),
    column: fc.array(fc.constantFrom('agent-1', 'agent-2', 'agent-3', 'é-agent', ''), { maxLength: 80 }),
    records: fc.array(fc.record({ caseId: fc.string(), status: fc.constantFrom('open', 'closed'), openedAt: fc.double(), note: fc.option(fc.string(), { nil: undefined }) }), { maxLength: 10 }),
  })
  .map((s) => ({ ...s, byId: new Map(s.records.map((r, i) => [`${r.caseId}#${i}`, r])) }));

describe('the snapshot codec', () => {
  it('decodes any plain data to what V8 serialization gives back, sharing the same objects (property)', async () => {
    await assertProperty(
      fc.property(plainData, stateLike, fc.array(fc.nat(), { maxLength: 6 }), (data, state, picks) => {
        // Shared objects: some of the values, placed again elsewhere (as the head and the base share records).
        const pool: unknown[] = [data, state.records, state.byId, ...state.records];
        const shared = picks.map((p) => pool[p % pool.length]);
        const value = { data, state, again: shared, map: new Map<unknown, unknown>(shared.map((s, i) => [i, s])), set: new Set(shared) };
        const expected = deserialize(serialize(value)) as unknown;
        const found = difference(expected, roundTrip(value));
        if (found !== undefined) throw new Error(found);
      }),
      fcParameters({ numRuns: 150 }),
    );
  });

  it('writes the same bytes in slices as in one go, pausing between slices (property)', async () => {
    await assertProperty(
      fc.asyncProperty(plainData, stateLike, fc.array(fc.nat(), { maxLength: 6 }), async (data, state, picks) => {
        const pool: unknown[] = [data, state.records, state.byId, ...state.records];
        const shared = picks.map((p) => pool[p % pool.length]);
        const value = { data, state, again: shared, nested: { deeper: { still: { map: new Map<unknown, unknown>(shared.map((s, i) => [i, s])) } } }, set: new Set(shared) };
        let pauses = 0;
        // A slice of 0 ms stops at every look at the clock: the most pauses a value can have.
        const sliced = await encodeSnapshotValueInSlices(value, 0, async () => {
          pauses++;
          await Promise.resolve();
        });
        expect(Buffer.concat(sliced.parts).equals(Buffer.concat(encodeSnapshotValue(value)))).toBe(true);
        expect(sliced.slices).toBe(pauses + 1);
      }),
      fcParameters({ numRuns: 100 }),
    );
    // A large value is cut into many slices, and still decodes to itself.
    const large = { customers: new Map(Array.from({ length: 5000 }, (_, i) => [`c${i}`, { id: `c${i}`, ats: [i, i + 1], tags: new Set([`t${i % 7}`]) }])) };
    let pauses = 0;
    const sliced = await encodeSnapshotValueInSlices(large, 0, async () => {
      pauses++;
    });
    expect(pauses).toBeGreaterThan(50);
    expect(difference(large, decodeSnapshotValue(Buffer.concat(sliced.parts)))).toBeUndefined();
  });

  it('keeps the details V8 kept: -0, NaN, holes, undefined fields, bigints, key order with integer keys, __proto__ as a key', () => {
    const proto = JSON.parse('{"__proto__": 1, "b": 2}') as Record<string, number>;
    // eslint-disable-next-line no-sparse-arrays
    const value = { buffer: Buffer.from('bytes'), view: new Float32Array([1.5, -0]), zero: -0, zeros: [0.5, -0, NaN, -0], nan: NaN, big: -(2n ** 70n), holes: [1, , 3, ,], missing: undefined, keys: { b: 1, 2: 'two', a: 3, 1: 'one' }, proto, huge: 2 ** 53, tiny: -(2 ** 31), date: new Date(NaN) };
    const back = roundTrip(value) as typeof value;
    expect(difference(deserialize(serialize(value)), back)).toBeUndefined();
    expect(Buffer.isBuffer(back.buffer) && back.buffer.toString()).toBe('bytes');
    expect(Object.is(back.zero, -0)).toBe(true);
    expect(Object.is(back.zeros[1], -0)).toBe(true);
    expect(Object.keys(back.keys)).toEqual(['1', '2', 'b', 'a']);
    expect(Object.getPrototypeOf(back.proto)).toBe(Object.prototype);
    expect(Object.keys(back.proto)).toEqual(['__proto__', 'b']);
    expect(1 in back.holes).toBe(false);
    // Many objects of one shape go through its compiled builder: `__proto__` stays an own key there too.
    const many = roundTrip(Array.from({ length: 20 }, (_, i) => JSON.parse(`{"__proto__": ${i}, "b": 2}`) as unknown)) as Record<string, unknown>[];
    expect(many.map((o) => [Object.getPrototypeOf(o) === Object.prototype, Object.keys(o).join(','), o['__proto__']])).toEqual(Array.from({ length: 20 }, (_, i) => [true, '__proto__,b', i]));
    expect(back.holes).toHaveLength(4);
  });

  it('writes strings of Latin-1 characters (binary data held as strings) one byte each, and others through JSON', () => {
    const everyByte = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const binary = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    const latin1 = { everyByte, binary, accented: 'é-agent', ids: ['a', 'b'] };
    const bytes = Buffer.concat(encodeSnapshotValue(latin1));
    expect(roundTrip(latin1)).toEqual(latin1);
    // One byte a character: the table holds the 4,256 characters, not their JSON (escapes, UTF-8 pairs).
    expect(bytes.length).toBeLessThan(everyByte.length + binary.length + 200);
    // A character from U+0100 on (and a lone surrogate) still round-trips, through the JSON table.
    const wide = { binary, wide: 'Ā-agent 🙂', lone: '\ud800' };
    expect(roundTrip(wide)).toEqual(wide);
  });

  it('decodes arrays without holes as packed arrays (pushed, not made with a length)', () => {
    const back = roundTrip({ timeline: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9'], ats: [1.5, 2.5], codes: [1, 2, 3], mixed: [1, 'a', null] }) as Record<string, unknown[]>;
    for (const array of Object.values(back)) for (let i = 0; i < array.length; i++) expect(i in array).toBe(true);
    expect(back.timeline).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  });

  it('refuses functions and symbols, naming where they are, and cycles', () => {
    expect(() => encodeSnapshotValue({ host: { states: [1, () => 2] } })).toThrow(/a function at host\.states\.1/);
    expect(() => encodeSnapshotValue(new Map([['k', { s: Symbol('x') }]]))).toThrow(/a symbol at k\.s/);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.inner = { back: cycle };
    expect(() => encodeSnapshotValue(cycle)).toThrow(/cycle/);
  });

  it('throws on bytes it did not write: cut short anywhere, an unknown tag, bytes left over', () => {
    const bytes = Buffer.concat(encodeSnapshotValue({ list: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], n: 3.25, map: new Map([[1, { x: 'a' }]]) }));
    for (let cut = 0; cut < bytes.length; cut++) expect(() => decodeSnapshotValue(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow();
    expect(() => decodeSnapshotValue(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/after the value/);
    // The value 1 is its last two bytes: the Int tag and the zigzag varint 2.
    const one = Buffer.concat(encodeSnapshotValue(1));
    one[one.length - 2] = 0x3f;
    expect(() => decodeSnapshotValue(one)).toThrow(/unknown tag 63/);
  });
});
