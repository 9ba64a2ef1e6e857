import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  ACTOR_KINDS,
  CASE_EVENT_TYPES,
  CATALOG_EVENT_TYPES,
  CHANNELS,
  catalogDataSchemas,
  catalogRegistry,
  createEventRegistry,
  defineEventType,
  envelopeSchema,
  identitySchema,
  instantSchema,
  parseEvent,
  parseEventOrThrow,
  parseEventWithSchemas,
  refSchema,
  type EventRegistry,
  type ParseEventResult,
} from '../src/index.js';
import { fastParseCatalogEvent } from '../src/fast-path/index.js';
import { actorFields, catalogFieldTable, identityFields, sourceFields, type FieldSpec, type FieldTable } from '../src/fast-path/table.js';
import { input } from './examples.js';

// The fast path must be invisible: for any input, parseEvent (fast path first) and parseEventWithSchemas
// (zod only) give the same result, down to key order and the wording of every issue.

/** A zod schema described in the fast-path table's terms, so the table can be checked against the schemas. */
function describeZod(schema: z.ZodType): FieldSpec {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const type = def.type as string;
  const checks = ((def.checks ?? []) as { _zod: { def: Record<string, unknown> } }[]).map((c) => c._zod.def);
  if (type === 'optional') return { ...describeZod(def.innerType as z.ZodType), optional: true };
  if (type === 'default') return { ...describeZod(def.innerType as z.ZodType), default: def.defaultValue as string | boolean };
  if (schema === refSchema) return { kind: 'ref' };
  if (schema === instantSchema) return { kind: 'instant' };
  if (schema === identitySchema) return { kind: 'identity' };
  switch (type) {
    case 'string':
      return checks.some((c) => c.check === 'min_length' && c.minimum === 1) ? { kind: 'ref' } : checks.length === 0 ? { kind: 'text' } : { kind: 'object' /* unknown: fails the comparison */ };
    case 'boolean':
      return { kind: 'bool' };
    case 'number': {
      const spec: { kind: 'int' | 'finite'; min?: number; max?: number } = { kind: def.format === 'safeint' ? 'int' : 'finite' };
      for (const c of checks) {
        if (c.check === 'greater_than') spec.min = c.value as number;
        if (c.check === 'less_than') spec.max = c.value as number;
        if ((c.check === 'greater_than' || c.check === 'less_than') && c.inclusive !== true) throw new Error('exclusive bound');
      }
      return spec;
    }
    case 'enum': {
      const values = Object.values(def.entries as Record<string, string>);
      return values.join() === CHANNELS.join() ? { kind: 'channel' } : { kind: 'enum', values };
    }
    case 'array':
      return def.element === identitySchema ? { kind: 'identities' } : { kind: 'object' };
    case 'pipe': {
      const inner = (def.in as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (inner.type === 'record') return { kind: 'record' };
      const innerChecks = ((inner.checks ?? []) as { _zod: { def: Record<string, unknown> } }[]).map((c) => c._zod.def);
      if (inner.type === 'string' && innerChecks.length === 1 && String(innerChecks[0]!.pattern) === '/^[A-Za-z]{3}$/') return { kind: 'currency' };
      return { kind: 'object' };
    }
    case 'object':
      return { kind: 'object', fields: describeShape((schema as unknown as z.ZodObject).shape) };
    default:
      return { kind: 'object' };
  }
}

function describeShape(shape: Record<string, z.ZodType>): FieldTable {
  const out: Record<string, FieldSpec> = {};
  for (const key of Object.keys(shape)) out[key] = describeZod(shape[key]!);
  return out;
}

/** A table with the same meaning in canonical form (no `undefined` members, enum values as arrays). */
function canonical(table: FieldTable): unknown {
  return JSON.parse(JSON.stringify(Object.entries(table).map(([key, spec]) => [key, { ...spec, values: spec.values ? [...spec.values] : undefined, fields: spec.fields ? canonical(spec.fields) : undefined }])));
}

describe('fast-path field table', () => {
  it.each(CATALOG_EVENT_TYPES)('%s matches its zod schema (keys in order, kinds, optional, defaults, ranges)', (type) => {
    const schema = catalogDataSchemas[type] as unknown as z.ZodObject;
    expect(canonical(catalogFieldTable[type].fields)).toEqual(canonical(describeShape(schema.shape)));
    // A superRefine on the object is a cross-field rule the table must name.
    const hasRefinement = ((schema._zod.def.checks ?? []) as unknown[]).length > 0;
    expect(catalogFieldTable[type].rule !== undefined).toBe(hasRefinement);
  });

  it('envelope parts match their zod schemas', () => {
    const shape = envelopeSchema.shape;
    expect(canonical(identityFields)).toEqual(canonical(describeShape(identitySchema.shape)));
    const actor = describeZod(shape.actor);
    expect(canonical(actorFields)).toEqual(canonical(actor.fields!));
    expect(actor.default).toEqual({ kind: 'system' });
    expect(canonical(sourceFields)).toEqual(canonical(describeZod(shape.source).fields!));
    expect([...ACTOR_KINDS]).toEqual(actorFields.kind!.values);
  });

  it('the envelope key order of the schema is the order of the output', () => {
    const full = input('CaseClosed', {}, {
      schemaVersion: 1,
      identities: [{ type: 'email', value: 'a@b.io', verified: true }],
      channel: 'email',
      actor: { kind: 'agent', id: 'a1' },
      correlationId: 'c',
      causationId: 'd',
      source: { system: 's', externalId: 'x' },
    });
    const r = parseEvent(full);
    expect(r.success && Object.keys(r.event)).toEqual(Object.keys(envelopeSchema.shape));
  });
});

// ---- arbitraries: valid events from the zod shapes, then mutations ----

const refArb = fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom('c1', 'k-2', 'x'));
const textArb = fc.oneof(fc.string({ maxLength: 6 }), fc.constant(''));
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** RFC 3339 instants in the forms producers send: normalised ISO and other valid forms (offsets, no seconds, long fractions). */
const validInstantArb = fc.oneof(
  { weight: 3, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        date: fc.date({ min: new Date('0002-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
        seconds: fc.boolean(),
        frac: fc.option(fc.stringMatching(/^[0-9]{1,6}$/)),
        sep: fc.constantFrom('T', 't', ' '),
        off: fc.constantFrom('Z', 'z', '+00:00', '-04:30', '+14:00', '-23:59'),
      })
      .map(({ date, seconds, frac, sep, off }) => {
        const iso = date.toISOString();
        return `${iso.slice(0, 10)}${sep}${iso.slice(11, 16)}${seconds ? `${iso.slice(16, 19)}${frac === null ? '' : `.${frac}`}` : ''}${off}`;
      }),
  },
);
/** Any instant-like text, impossible dates and missing offsets included. */
const instantArb = fc.oneof(
  { weight: 2, arbitrary: validInstantArb },
  {
    weight: 2,
    arbitrary: fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 24 }),
        mi: fc.integer({ min: 0, max: 60 }),
        s: fc.option(fc.integer({ min: 0, max: 60 })),
        frac: fc.option(fc.stringMatching(/^[0-9]{1,6}$/)),
        sep: fc.constantFrom('T', 't', ' '),
        off: fc.constantFrom('Z', 'z', '+00:00', '-04:30', '+14:00', '+24:00', ''),
      })
      .map(({ y, mo, d, h, mi, s, frac, sep, off }) => `${pad(y, 4)}-${pad(mo)}-${pad(d)}${sep}${pad(h)}:${pad(mi)}${s === null ? '' : `:${pad(s)}${frac === null ? '' : `.${frac}`}`}${off}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('2024-02-30T10:00:00.000Z', '2023-02-29T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2024-03-01T10:00:00', '0000-01-01T00:00:00+00:01', 'yesterday', '') },
);
const identityValueArb = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a@b.io', ' Ann@Example.com ', '+14155550100', '0033612345678', 'guest', '0', '-', 'null', ' ', 'dev-1'));
const identityTypeArb = fc.oneof(fc.constantFrom('email', 'phone', 'user_id', 'device_id', 'anonymous_id', 'whatsapp', ' email ', ''), refArb);
const identityArb = fc.record(
  { type: identityTypeArb, value: identityValueArb, verified: fc.boolean() },
  { requiredKeys: ['type', 'value'], noNullPrototype: true },
);
const unsafeKeyArb = fc.constantFrom('__proto__', 'constructor', 'prototype');
/** A free record; keys are defined as own data properties, as JSON.parse makes them (so `__proto__` is a key). */
const recordArb = fc
  .array(fc.tuple(fc.oneof({ weight: 20, arbitrary: fc.string({ maxLength: 5 }) }, { weight: 1, arbitrary: unsafeKeyArb }, { weight: 1, arbitrary: fc.constantFrom('1', '0', 'a') }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 })
  .map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });

function arbitraryFor(spec: FieldSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'ref':
      return refArb;
    case 'text':
      return textArb;
    case 'bool':
      return fc.boolean();
    case 'int':
      // Unbounded ints are survey scores: stay near their ranges so many are valid.
      return fc.oneof(fc.integer({ min: spec.min ?? -2, max: spec.max ?? (spec.min === undefined ? 12 : 1e9) }), fc.constantFrom(spec.min ?? 0, spec.max ?? 2 ** 53 - 1));
    case 'finite':
      return fc.double({ min: spec.min ?? -1e6, max: spec.max ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'enum':
      return fc.constantFrom(...spec.values!);
    case 'channel':
      return fc.constantFrom(...CHANNELS);
    case 'instant':
      return fc.oneof({ weight: 9, arbitrary: validInstantArb }, { weight: 1, arbitrary: instantArb });
    case 'currency':
      return fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z]{3}$/) }, { weight: 1, arbitrary: fc.constantFrom('{ab', 'ab`', '@bc', 'a[c', 'éur', 'EU', 'EURO') });
    case 'identity':
      return identityArb;
    case 'identities':
      return fc.array(identityArb, { maxLength: 3 });
    case 'record':
      return recordArb;
    case 'object':
      return objectArbitrary(spec.fields!);
  }
}

function objectArbitrary(fields: FieldTable): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [key, spec] of Object.entries(fields)) {
    model[key] = arbitraryFor(spec);
    if (!spec.optional && spec.default === undefined) required.push(key);
  }
  return fc.record(model, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<Record<string, unknown>>;
}

// Data arbitraries come from the zod shapes (through describeZod), not from the table under test.
const dataArbs = Object.fromEntries(
  CATALOG_EVENT_TYPES.map((type) => [type, objectArbitrary(describeShape((catalogDataSchemas[type] as unknown as z.ZodObject).shape))]),
) as Record<string, fc.Arbitrary<Record<string, unknown>>>;

const caseTypes: ReadonlySet<string> = new Set(CASE_EVENT_TYPES);
const eventArb = fc.constantFrom(...CATALOG_EVENT_TYPES).chain((type) =>
  fc.record(
    {
      id: fc.oneof({ weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/) }, { weight: 1, arbitrary: fc.constantFrom('e-1', 'x'.repeat(128), 'x'.repeat(129), 'a b') }),
      type: fc.constant(type),
      schemaVersion: type === 'SurveyAnswered' ? fc.constantFrom(1, 2) : fc.constant(1),
      tenantId: refArb,
      occurredAt: fc.oneof({ weight: 9, arbitrary: validInstantArb }, { weight: 1, arbitrary: instantArb }),
      customerId: refArb,
      identities: fc.array(identityArb, { maxLength: 3 }),
      channel: fc.constantFrom(...CHANNELS),
      caseId: refArb,
      actor: fc.record({ kind: fc.constantFrom(...ACTOR_KINDS), id: textArb }, { requiredKeys: ['kind'], noNullPrototype: true }),
      correlationId: refArb,
      causationId: refArb,
      source: fc.record({ system: refArb, externalId: refArb }, { noNullPrototype: true }),
      data: dataArbs[type]!,
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ['id', 'type', 'tenantId', 'occurredAt', 'customerId', 'data', ...(caseTypes.has(type) ? ['caseId' as const] : [])], noNullPrototype: true },
  ),
);

type Path = (string | number)[];
const DELETE = Symbol('delete');

/** Every path to a value inside `value` (object members and array elements), parents first. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      pathsOf((value as Record<string, unknown>)[key], path, out);
    }
  }
  return out;
}

const weirdValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', 'x', 0, -0, -1, 1, 0.5, 1.5, 11, 2 ** 53, 1e300, true, false, [], {}, 'EUR', 'e1r', 'email', 'customer', 'snoozed', 'csat', 'nps'),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, undefined),
  instantArb,
  fc.constantFrom('NotAType', 'Custom.Thing', 'SurveyAnswered', 'CaseStatusChanged', 'OrderPlaced'),
);
const mutationArb = fc.record({
  op: fc.constantFrom('delete', 'null', 'set', 'undefined', 'addKey', 'addUnsafe', 'nullPrototype'),
  at: fc.nat(),
  key: fc.constantFrom('rating', 'score', 'extra', 'customerId', 'caseId', 'actor', 'identities', 'schemaVersion', 'snoozedUntil', 'traits', 'kind', 'toString', 'valueOf', 'hasOwnProperty'),
  unsafe: unsafeKeyArb,
  value: weirdValueArb,
});
type Mutation = { op: string; at: number; key: string; unsafe: string; value: unknown };

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A mutated copy: a field removed, nulled, retyped or set undefined, or a (possibly unsafe) key added. */
function mutate(event: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const copy = structuredCloneOwn(event) as Record<string, unknown>;
  for (const m of mutations) {
    // A fresh copy per insertion: inserting one generated object twice could nest it in itself (a cycle).
    const value = structuredCloneOwn(m.value);
    const paths = pathsOf(copy);
    const objects: Path[] = [[], ...paths.filter((p) => isObject(get(copy, p)))];
    if (m.op === 'nullPrototype') {
      const target = get(copy, objects[m.at % objects.length]!) as object;
      if (!Array.isArray(target)) Object.setPrototypeOf(target, null);
      continue;
    }
    if (m.op === 'addKey' || m.op === 'addUnsafe') {
      const target = get(copy, objects[m.at % objects.length]!) as Record<string, unknown>;
      if (!Array.isArray(target)) defineOwn(target, m.op === 'addKey' ? m.key : m.unsafe, value);
      continue;
    }
    if (paths.length === 0) continue;
    const path = paths[m.at % paths.length]!;
    const parent = get(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (Array.isArray(parent)) parent[last as number] = m.op === 'null' ? null : m.op === 'undefined' ? undefined : value;
    else defineOwn(parent as Record<string, unknown>, String(last), m.op === 'null' ? null : m.op === 'undefined' ? undefined : value);
  }
  return copy;
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}
function get(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}
/** A deep copy that keeps own `__proto__` keys as keys (plain assignment would set the prototype instead). */
function structuredCloneOwn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(structuredCloneOwn);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) defineOwn(out, key, structuredCloneOwn((value as Record<string, unknown>)[key]));
  return out;
}

/** Every key path in order, `undefined` members included: JSON.stringify alone would hide those. */
function shapeOf(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return [`${prefix}=${typeof value}`];
  const out: string[] = [];
  for (const key of Object.keys(value)) out.push(...shapeOf((value as Record<string, unknown>)[key], `${prefix}/${key}`));
  return out;
}

function expectSameResult(actual: ParseEventResult<unknown>, expected: ParseEventResult<unknown>): void {
  expect(actual.success).toBe(expected.success);
  if (actual.success && expected.success) {
    expect(JSON.stringify(actual.event)).toBe(JSON.stringify(expected.event));
    expect(shapeOf(actual.event)).toEqual(shapeOf(expected.event));
    expect(actual.event).toStrictEqual(expected.event);
  } else {
    expect(actual.error!.eventId).toBe(expected.error!.eventId);
    expect(JSON.stringify(actual.error!.issues)).toBe(JSON.stringify(expected.error!.issues));
    expect(actual.error!.message).toBe(expected.error!.message);
  }
}

const hostRegistry = createEventRegistry([
  defineEventType({ type: 'Custom.Thing', data: z.object({ n: z.number() }), requiresCase: true }),
]);
// A hand-made registry that gives a catalog name another schema: the fast path must step aside for it.
const overridingRegistry: EventRegistry<unknown> = {
  get: (type) => (type === 'OrderPlaced' ? { type, data: z.object({ orderId: z.string() }) } : catalogRegistry.get(type)),
  types: catalogRegistry.types,
  with: () => {
    throw new Error('not needed');
  },
};

describe('fast path agrees with the schemas (property)', () => {
  it('valid events of every catalog type, as is and round-tripped through JSON', () => {
    let fast = 0;
    let total = 0;
    fc.assert(
      fc.property(eventArb, fc.boolean(), (event, viaJson) => {
        const raw = viaJson ? (JSON.parse(JSON.stringify(event)) as Record<string, unknown>) : event;
        const before = JSON.stringify(raw);
        total++;
        if (fastParseCatalogEvent(raw, catalogRegistry) !== undefined) fast++;
        expectSameResult(parseEvent(raw), parseEventWithSchemas(raw));
        expect(JSON.stringify(raw)).toBe(before);
      }),
      { numRuns: 6000 },
    );
    // The generator must mostly produce events the fast path accepts, or the property proves little.
    expect(fast / total).toBeGreaterThan(0.3);
  });

  it('mutated events: missing, extra, null, undefined and retyped fields, unsafe keys, unknown types', () => {
    let fast = 0;
    let slow = 0;
    fc.assert(
      fc.property(eventArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.boolean(), (event, mutations, viaJson) => {
        const mutated = mutate(event, mutations);
        const raw = viaJson ? (JSON.parse(JSON.stringify(mutated)) as Record<string, unknown>) : mutated;
        if (fastParseCatalogEvent(raw, catalogRegistry) !== undefined) fast++;
        else slow++;
        expectSameResult(parseEvent(raw), parseEventWithSchemas(raw));
      }),
      { numRuns: 6000 },
    );
    expect(fast).toBeGreaterThan(300);
    expect(slow).toBeGreaterThan(300);
  });

  it('with a host registry, and with one that redefines a catalog type', () => {
    fc.assert(
      fc.property(eventArb, fc.array(mutationArb, { maxLength: 2 }), fc.constantFrom(hostRegistry, overridingRegistry), (event, mutations, registry) => {
        const raw = mutate(event, mutations);
        const options = { registry: registry as EventRegistry<unknown> };
        expectSameResult(parseEvent(raw, options), parseEventWithSchemas(raw, options));
      }),
      { numRuns: 2000 },
    );
    const custom = input('Custom.Thing', { n: 1 });
    expect(fastParseCatalogEvent(custom, hostRegistry as EventRegistry<unknown>)).toBeUndefined();
    expect(parseEvent(custom, { registry: hostRegistry }).success).toBe(true);
    expect(fastParseCatalogEvent(input('OrderPlaced'), overridingRegistry)).toBeUndefined();
    expect(fastParseCatalogEvent(input('OrderPlaced'), hostRegistry as EventRegistry<unknown>)).toBeDefined();
  });

  it('arbitrary JSON and arbitrary objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.object({ withNullPrototype: true, withObjectString: true })), (value) => {
        expectSameResult(parseEvent(value), parseEventWithSchemas(value));
      }),
      { numRuns: 1000 },
    );
  });
});

/** Values that probe every check: each type's wrong values, boundaries, non-ASCII, NaN and infinities. */
const PROBES: readonly unknown[] = [
  undefined, null, '', ' ', 'x', 'é', 'a b', 'x'.repeat(128), 'x'.repeat(129), 'EUR', 'eur', 'eUr', 'e{r', 'EU', '€UR',
  0, -0, 1, -1, 0.5, 1.5, 5, 6, 7, 8, 10, 11, -1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
  true, false, [], [{}], [null], {}, { a: 1 }, { a: null }, JSON.parse('{"__proto__":{"x":1}}'),
  '2024-03-01T10:00:00Z', '2024-03-01T10:00:00.000Z', '2024-02-30T10:00:00.000Z', '2024-03-01T10:00:00', '2024-03-01T10:00:00.123456+01:00',
  'email', 'snoozed', 'csat', 'nps', 'ces', 'agent', 'customer', 'human', 'bot', 'web',
];

describe('uniformShape', () => {
  const ENVELOPE_KEYS = ['id', 'type', 'schemaVersion', 'tenantId', 'occurredAt', 'customerId', 'identities', 'channel', 'caseId', 'actor', 'correlationId', 'causationId', 'source', 'data'];

  it('gives every envelope key in one order, JSON-equal to the default event, on both paths (property)', () => {
    fc.assert(
      fc.property(eventArb, fc.array(mutationArb, { maxLength: 2 }), (event, mutations) => {
        const raw = mutate(event, mutations);
        const plain = parseEvent(raw);
        for (const uniform of [parseEvent(raw, { uniformShape: true }), parseEventWithSchemas(raw, { uniformShape: true })]) {
          expect(uniform.success).toBe(plain.success);
          if (!uniform.success || !plain.success) {
            expect(JSON.stringify(uniform.error?.issues)).toBe(JSON.stringify(plain.error?.issues));
            continue;
          }
          expect(Object.keys(uniform.event)).toEqual(ENVELOPE_KEYS);
          expect(JSON.stringify(uniform.event)).toBe(JSON.stringify(plain.event));
          // The absent fields, and only those, are present as undefined.
          const absent = ENVELOPE_KEYS.filter((k) => !(k in plain.event));
          expect(absent.every((k) => (uniform.event as unknown as Record<string, unknown>)[k] === undefined)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives events that share one hidden class whatever fields they carry', () => {
    const base = { id: 'e1', type: 'PageViewed', tenantId: 't', occurredAt: '2026-01-01T00:00:00Z', data: { url: '/' } };
    const a = parseEventOrThrow({ ...base, customerId: 'c' }, { uniformShape: true });
    const b = parseEventOrThrow({ ...base, identities: [{ type: 'email', value: 'a@b.co' }], channel: 'web', correlationId: 'x' }, { uniformShape: true });
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(a.identities).toBeUndefined();
    expect(b.customerId).toBeUndefined();
  });
});

describe('fast path agrees with the schemas (every field × probe values)', () => {
  it.each(CATALOG_EVENT_TYPES)('%s', (type) => {
    const base = input(type, undefined, {
      schemaVersion: 1,
      identities: [{ type: 'email', value: 'a@b.io', verified: true }],
      channel: 'email',
      actor: { kind: 'agent', id: 'a1' },
      correlationId: 'c',
      causationId: 'd',
      source: { system: 's', externalId: 'x' },
    });
    for (const path of pathsOf(base)) {
      for (const probe of [...PROBES, DELETE]) {
        const raw = structuredCloneOwn(base) as Record<string, unknown>;
        const parent = get(raw, path.slice(0, -1)) as Record<string | number, unknown>;
        const last = path[path.length - 1]!;
        if (probe === DELETE) delete parent[last];
        else parent[last] = probe;
        expectSameResult(parseEvent(raw), parseEventWithSchemas(raw));
      }
    }
  });
});

describe('fast path examples', () => {
  it.each(CATALOG_EVENT_TYPES)('%s: the example takes the fast path and matches the schemas', (type) => {
    const raw = input(type);
    expect(fastParseCatalogEvent(raw, catalogRegistry)).toBeDefined();
    expectSameResult(parseEvent(raw), parseEventWithSchemas(raw));
  });

  it('steps aside for nulls, unsafe keys in records, upcasts that fail, and case events without caseId', () => {
    const aside = [
      input('MessageReceived', { text: null }),
      input('MessageReceived', {}, { customerId: null }),
      input('CustomerIdentified', JSON.parse('{"identities":[],"traits":{"__proto__":{"x":1}}}')),
      input('CustomerIdentified', { identities: [], traits: { a: { b: null } } }),
      input('SurveyAnswered', { kind: 'csat', rating: 9 }, { schemaVersion: 1 }),
      input('SurveyAnswered', undefined, { schemaVersion: 3 }),
      input(CASE_EVENT_TYPES[0], {}, { caseId: undefined }),
      input('MessageReceived', { text: undefined }),
      input('MessageReceived', {}, { customerId: undefined }),
    ];
    for (const raw of aside) {
      expect(fastParseCatalogEvent(raw, catalogRegistry)).toBeUndefined();
      expectSameResult(parseEvent(raw), parseEventWithSchemas(raw));
    }
  });

  it('upcasts SurveyAnswered v1 on the fast path', () => {
    const raw = input('SurveyAnswered', { kind: 'csat', rating: 4 }, { schemaVersion: 1 });
    expect(fastParseCatalogEvent(raw, catalogRegistry)).toMatchObject({ schemaVersion: 2, data: { kind: 'csat', score: 4 } });
    expectSameResult(parseEvent(raw), parseEventWithSchemas(raw));
  });
});

describe('fast path regressions found by the property', () => {
  it('leaves a free record holding a null-prototype object to the schemas when an unsafe key sits elsewhere', () => {
    const inner = Object.create(null) as object;
    const input: Record<string, unknown> = { id: '_', type: 'CustomerProfileUpdated', tenantId: 'c1', occurredAt: '1970-01-01T00:00Z', customerId: 'c1', data: { locale: '', consent: { '': inner } } };
    Object.defineProperty(input, '__proto__', { value: [], enumerable: true, configurable: true, writable: true });
    expect(parseEvent(input)).toStrictEqual(parseEventWithSchemas(input));
  });
});
