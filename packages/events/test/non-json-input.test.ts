// Input a host hands over that is not JSON (found by the fuzzing campaign, issue 22): an object that refers
// to itself, one that shares its parts over and over, a bigint, a Map, values nested very deep. parseEvent
// answers at once, says what is wrong and where, and agrees with its schema-only reference; the content
// hash refuses what it cannot walk instead of overflowing the stack.
import { describe, expect, it } from 'vitest';
import { jsonContentHash, parseEvent, parseEventWithSchemas } from '../src/index.js';
import { input } from './examples.js';

function both(raw: unknown) {
  const fast = parseEvent(raw);
  const reference = parseEventWithSchemas(raw);
  expect(fast.success).toBe(reference.success);
  if (!fast.success && !reference.success) expect(fast.error.issues).toEqual(reference.error.issues);
  return fast;
}

/** An object `levels` deep where every level holds the next one twice: 2^levels paths, `levels` objects. */
function sharedTower(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < levels; i++) node = { left: node, right: node };
  return node;
}

describe('parseEvent on input that is not JSON', () => {
  it('rejects an event that refers to itself from two fields, without walking it forever', () => {
    const raw = input('SlaApplied', { policyId: 'sla-1' });
    raw.customerId = raw;
    (raw.data as Record<string, unknown>).resolutionMs = raw;
    const result = both(raw);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['customerId', 'data.resolutionMs']));
  });

  it('names a trait that refers to itself, a bigint, a Map or NaN as not JSON data', () => {
    const cyclic: Record<string, unknown> = { plan: 'pro' };
    cyclic.self = cyclic;
    for (const [value, reason] of [
      [cyclic, 'self: refers to itself, which JSON cannot hold'],
      [10n, 'a bigint is not JSON data'],
      [new Map([['a', 1]]), 'a Map is not JSON data'],
      [Number.NaN, 'NaN is not a JSON number'],
      [{ list: [1, () => 2] }, 'list: [1]: a function is not JSON data'],
    ] as const) {
      const result = both(input('CustomerIdentified', { identities: [{ type: 'email', value: 'a@b.co' }], traits: { tier: value } }));
      expect(result.success).toBe(false);
      if (!result.success) {
        expect(result.error.issues).toHaveLength(1);
        expect(result.error.issues[0]!.path).toBe('data.traits.tier');
        expect(result.error.issues[0]!.message).toContain(`must be JSON data: ${reason}`);
      }
    }
  });

  it('accepts a trait that shares its parts (valid JSON, however long its text), walking each part once', () => {
    const result = both(input('CustomerIdentified', { identities: [{ type: 'email', value: 'a@b.co' }], traits: { tower: sharedTower(60) } }));
    expect(result.success).toBe(true);
  });

  it('drops an unknown field that refers to itself and keeps the event', () => {
    const raw = input('CaseClosed', {}, { caseId: 'case-1' });
    raw.extra = raw;
    raw.shared = sharedTower(60);
    expect(both(raw).success).toBe(true);
  });
});

describe('jsonContentHash on values it cannot walk', () => {
  it('throws a RangeError saying why for a value that refers to itself or nests deeper than 256 levels', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.b = [cyclic];
    expect(() => jsonContentHash(cyclic)).toThrow(new RangeError('not JSON content: nested deeper than 256 levels, or refers to itself'));
    let deep: unknown = 'leaf';
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(() => jsonContentHash(deep)).toThrow(RangeError);
  });

  it('still hashes values up to 256 levels deep, the same each time', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 255; i++) deep = { next: deep };
    expect(jsonContentHash(deep)).toBe(jsonContentHash(JSON.parse(JSON.stringify(deep))));
  });
});

describe('parseEvent on arrays a host has tampered with', () => {
  it('reads identities from an array whose constructor was replaced, without calling it', () => {
    const identities = [{ type: 'email', value: 'a@b.co' }];
    Object.defineProperty(identities, 'constructor', { value: 'not a constructor', enumerable: true });
    const raw = input('MessageReceived', { text: 'hi' }, { identities, channel: 'email' });
    delete raw.customerId;
    // Found by the fuzzing campaign: Array.prototype.slice threw "object.constructor[Symbol.species] is not a constructor".
    const result = both(raw);
    expect(result.success).toBe(true);
  });
});
