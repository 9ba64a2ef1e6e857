import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  CASE_EVENT_TYPES,
  CATALOG_EVENT_TYPES,
  catalogRegistry,
  createEventRegistry,
  defineEventType,
  parseEvent,
  parseEventOrThrow,
  parseInstant,
  ValidationError,
  type EventOf,
} from '../src/index.js';
import { input, validData } from './examples.js';

function issuesOf(raw: unknown) {
  const r = parseEvent(raw);
  expect(r.success).toBe(false);
  return r.error!.issues;
}

function ok(raw: unknown) {
  const r = parseEvent(raw);
  if (!r.success) throw r.error;
  return r.event;
}

describe('catalog', () => {
  it.each(CATALOG_EVENT_TYPES)('%s parses a valid example', (type) => {
    const event = ok(input(type));
    expect(event.type).toBe(type);
    expect(event.occurredAt).toBe('2024-03-01T10:00:00.000Z');
  });

  it('registry and catalog list the same types', () => {
    expect([...catalogRegistry.types].sort()).toEqual([...CATALOG_EVENT_TYPES].sort());
  });
});

describe('defaults', () => {
  it('schemaVersion, actor, public and handledBy', () => {
    const m = ok(input('MessageReceived', {})) as EventOf<'MessageReceived'>;
    expect(m.schemaVersion).toBe(1);
    expect(m.actor).toEqual({ kind: 'system' });
    expect(m.data.public).toBe(true);
    expect((ok(input('MessageSent', { senderKind: 'bot' })) as EventOf<'MessageSent'>).data.public).toBe(true);
    expect((ok(input('InternalNoteAdded', { text: 'x' })) as EventOf<'InternalNoteAdded'>).data.aiGenerated).toBe(false);
    expect((ok(input('CaseOpened', {})) as EventOf<'CaseOpened'>).data.handledBy).toBe('human');
    expect((ok(input('CaseOpened', { handledBy: 'bot' })) as EventOf<'CaseOpened'>).data.handledBy).toBe('bot');
    expect(ok(input('MessageReceived', {}, { actor: { kind: 'customer', id: 'u1' } })).actor).toEqual({ kind: 'customer', id: 'u1' });
  });

  it('currency is upper-cased and the SurveyAnswered version is the current one', () => {
    expect((ok(input('OrderPlaced')) as EventOf<'OrderPlaced'>).data.currency).toBe('EUR');
    expect(ok(input('SurveyAnswered')).schemaVersion).toBe(2);
  });
});

describe('occurredAt', () => {
  const at = (occurredAt: unknown) => parseEvent(input('MessageReceived', {}, { occurredAt }));
  it.each([
    ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T12:00:00+02:00', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T05:30:00-04:30', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T10:00Z', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T10:00:00.1Z', '2024-03-01T10:00:00.100Z'],
    ['2024-03-01T10:00:00.123456789Z', '2024-03-01T10:00:00.123Z'],
    ['2024-03-01t10:00:00.9999z', '2024-03-01T10:00:00.999Z'],
    ['2024-03-01 10:00:00Z', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T00:30:00+01:00', '2024-02-29T23:30:00.000Z'],
    ['2024-02-29T10:00:00Z', '2024-02-29T10:00:00.000Z'],
  ])('%s → %s', (text, iso) => {
    const r = at(text);
    expect(r.success && r.event.occurredAt).toBe(iso);
  });

  it.each([
    ['2024-03-01T10:00:00', /offset/],
    ['2023-02-29T10:00:00Z', /impossible day/],
    ['2024-13-01T10:00:00Z', /impossible month/],
    ['2024-03-01T24:00:00Z', /impossible hour/],
    ['2024-03-01T10:60:00Z', /impossible minute/],
    ['2024-03-01T10:00:60Z', /impossible second/],
    ['2024-03-01T10:00:00+24:00', /impossible offset/],
    ['March 1st', /RFC 3339/],
    ['', /RFC 3339/],
  ])('%s is rejected', (text, message) => {
    const r = at(text);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toContainEqual({ path: 'occurredAt', message: expect.stringMatching(message) });
  });

  it('a non-string or missing occurredAt is rejected with "is required" or a type message', () => {
    expect(issuesOf(input('MessageReceived', {}, { occurredAt: undefined }))).toContainEqual({ path: 'occurredAt', message: 'is required' });
    expect(issuesOf(input('MessageReceived', {}, { occurredAt: 1700000000000 })).some((i) => i.path === 'occurredAt')).toBe(true);
  });

  it('parseInstant agrees with Date for any valid instant (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: -23 * 60, max: 23 * 60 }), (d, offset) => {
        const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const parsed = parseInstant(text);
        if (typeof parsed === 'string') {
          // Only instants pushed outside 0000-9999 by the offset may fail.
          expect(parsed).toMatch(/range/);
        } else {
          expect(parsed.iso).toBe(d.toISOString());
        }
      }),
    );
  });
});

describe('unknown fields, nulls and required data', () => {
  it('drops unknown fields at the top level and in data', () => {
    const e = ok({ ...input('OrderPlaced', { ...validData.OrderPlaced, coupon: 'X' }), extra: 1, nested: { a: 1 } });
    expect(e).not.toHaveProperty('extra');
    expect(e).not.toHaveProperty('nested');
    expect(e.data).not.toHaveProperty('coupon');
  });

  it('an optional field given as null is the same as absent', () => {
    const withNulls = ok(input('MessageReceived', { text: null, threadRef: null, public: null }, { channel: null, actor: null, correlationId: null, source: null }));
    const without = ok(input('MessageReceived', {}));
    expect(withNulls).toEqual(without);
  });

  it('data is required, even when empty, and must be an object', () => {
    const withData = (data: unknown) => ({ ...input('CaseClosed'), data });
    for (const data of [undefined, null, [], 'x', 1]) {
      expect(issuesOf(withData(data))).toContainEqual({ path: 'data', message: expect.stringMatching(/is required and must be an object/) });
    }
    expect(ok(withData({})).data).toEqual({});
  });

  it('a required data field that is missing is named', () => {
    expect(issuesOf(input('OrderPlaced', { orderId: 'o1', salesChannel: 'web', currency: 'EUR' }))).toContainEqual({ path: 'data.amount', message: 'is required' });
    expect(issuesOf(input('CaseStatusChanged', { to: 'snoozed' }))).toContainEqual({ path: 'data.snoozedUntil', message: expect.stringMatching(/required/) });
  });

  it('fields have the types the catalog implies', () => {
    expect(issuesOf(input('OrderPlaced', { ...validData.OrderPlaced, amount: '12' })).map((i) => i.path)).toContain('data.amount');
    expect(issuesOf(input('OrderPlaced', { ...validData.OrderPlaced, amount: Number.NaN })).map((i) => i.path)).toContain('data.amount');
    expect(issuesOf(input('CallEnded', { ...validData.CallEnded, talkMs: -1 })).map((i) => i.path)).toContain('data.talkMs');
    expect(issuesOf(input('MessageReceived', {}, { channel: 'pigeon' })).map((i) => i.path)).toContain('channel');
    expect(issuesOf(input('MessageReceived', {}, { actor: { id: 'x' } })).map((i) => i.path)).toContain('actor.kind');
    expect(issuesOf(input('MessageReceived', {}, { actor: { kind: 'agent', id: 5 } })).map((i) => i.path)).toContain('actor.id');
    expect(issuesOf(input('MessageReceived', {}, { schemaVersion: 1.5 })).map((i) => i.path)).toContain('schemaVersion');
    expect(issuesOf(input('MessageReceived', {}, { schemaVersion: 0 })).map((i) => i.path)).toContain('schemaVersion');
  });
});

describe('ids and references', () => {
  it.each(['a', 'A-z_0.9:x', '01HZY3V6Q9J5T8X2M4N7P0R1S3', 'x'.repeat(128)])('accepts id %s', (id) => {
    expect(parseEvent(input('CaseClosed', {}, { id })).success).toBe(true);
  });
  it.each(['', 'x'.repeat(129), 'a b', 'é', 'a/b', 'a#b', 'a\n'])('rejects id %j', (id) => {
    const issues = issuesOf(input('CaseClosed', {}, { id }));
    expect(issues).toContainEqual({ path: 'id', message: expect.stringMatching(/1-128 characters/) });
  });
  it('quotes a short wrong value in the message, never a long one', () => {
    expect(issuesOf(input('PageViewed', { url: '/' }, { channel: 'fax' }))).toContainEqual({ path: 'channel', message: expect.stringMatching(/^Invalid option: expected one of .*"email".* \(got "fax"\)$/) });
    expect(issuesOf(input('SurveyAnswered', { kind: 'stars', score: 4 }))).toContainEqual({ path: 'data.kind', message: expect.stringMatching(/\(got "stars"\)$/) });
    const long = 'f'.repeat(100);
    const issue = issuesOf(input('PageViewed', { url: '/' }, { channel: long })).find((i) => i.path === 'channel');
    expect(issue?.message).toMatch(/^Invalid option: expected one of /);
    expect(issue?.message).not.toContain(long);
  });
  it('references must be non-empty strings; free text may be empty', () => {
    expect(issuesOf(input('CaseClosed', {}, { tenantId: '' }))).toContainEqual({ path: 'tenantId', message: 'must be a non-empty string' });
    expect(issuesOf(input('OrderCancelled', { orderId: '' }))).toContainEqual({ path: 'data.orderId', message: 'must be a non-empty string' });
    expect(ok(input('MessageReceived', { text: '' })).data).toEqual({ text: '', public: true });
  });
  it('an error names the input id when it had one', () => {
    const r = parseEvent(input('OrderCancelled', {}, { id: 'evt-9' }));
    expect(r.error).toBeInstanceOf(ValidationError);
    expect(r.error!.eventId).toBe('evt-9');
    expect(r.error!.code).toBe('VALIDATION_FAILED');
    expect(r.error!.message).toMatch(/evt-9.*data\.orderId: is required.*Fix the named fields/);
    expect(parseEvent(input('OrderCancelled', {}, { id: 7 })).error!.eventId).toBeNull();
  });
});

describe('case and customer requirements', () => {
  it.each(CASE_EVENT_TYPES)('%s requires caseId', (type) => {
    expect(issuesOf(input(type, undefined, { caseId: undefined }))).toContainEqual({ path: 'caseId', message: `is required for ${type}` });
  });
  it('non-case types do not need caseId', () => {
    expect(parseEvent(input('MessageReceived', {}, { caseId: undefined })).success).toBe(true);
  });
  it('needs customerId or a usable identity', () => {
    const noCustomer = { customerId: undefined };
    expect(issuesOf(input('MessageReceived', {}, noCustomer))).toContainEqual({ path: 'customerId', message: expect.stringMatching(/usable identity/) });
    expect(parseEvent(input('MessageReceived', {}, { ...noCustomer, identities: [{ type: 'email', value: 'a@b.io' }] })).success).toBe(true);
    expect(parseEvent(input('MessageReceived', {}, { ...noCustomer, identities: [{ type: 'guest', value: 'g' }, { type: 'phone', value: '+33 6 12 34 56 78' }] })).success).toBe(true);
  });
  it('an identity event is identified by the identities in its data too (CustomerIdentified, IdentitiesLinked)', () => {
    const noCustomer = { customerId: undefined, identities: undefined };
    expect(parseEvent(input('CustomerIdentified', { identities: [{ type: 'email', value: 'a@b.io' }] }, noCustomer)).success).toBe(true);
    expect(parseEvent(input('IdentitiesLinked', { a: { type: 'email', value: 'a@b.io' }, b: { type: 'device_id', value: 'd1' }, evidence: 'login' }, noCustomer)).success).toBe(true);
    // placeholders only: still nobody
    expect(issuesOf(input('CustomerIdentified', { identities: [{ type: 'email', value: 'guest' }] }, noCustomer))).toContainEqual({ path: 'customerId', message: expect.stringMatching(/usable identity/) });
  });
  it.each(['0', 'guest', ' ', '', 'test@test.com', 'TEST@test.com', 'null', 'undefined', 'NaN', 'anonymous', 'unknown', '[object Object]', '-1', '000', '0-0'])(
    'blocked identity value %j does not count',
    (value) => {
      const issues = issuesOf(input('MessageReceived', {}, { customerId: undefined, identities: [{ type: 'email', value }] }));
      expect(issues.map((i) => i.path)).toContain('customerId');
    },
  );
});

describe('survey scores', () => {
  const survey = (kind: string, score: unknown) => parseEvent(input('SurveyAnswered', { kind, score }));
  it.each([
    ['csat', 1, 5],
    ['nps', 0, 10],
    ['ces', 1, 7],
  ])('%s accepts %i..%i and nothing outside', (kind, lo, hi) => {
    for (let s = lo; s <= hi; s++) expect(survey(kind as string, s).success).toBe(true);
    for (const s of [lo - 1, hi + 1, lo + 0.5]) {
      const r = survey(kind as string, s);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path)).toContain('data.score');
    }
    expect(survey(kind as string, String(lo)).success).toBe(false);
  });
  it('names the range in the message', () => {
    expect(survey('csat', 6).error!.issues).toContainEqual({ path: 'data.score', message: 'a csat score must be an integer from 1 to 5' });
  });
  it('sentiment is within -1..1', () => {
    expect(issuesOf(input('SentimentScored', { score: 1.5, model: 'm', modelVersion: '1' }))).toContainEqual({ path: 'data.score', message: 'must be between -1 and 1' });
  });
});

describe('upcasting and versions', () => {
  it('SurveyAnswered v1 `rating` becomes v2 `score`', () => {
    const e = ok(input('SurveyAnswered', { kind: 'csat', rating: 4 }, { schemaVersion: 1 })) as EventOf<'SurveyAnswered'>;
    expect(e.schemaVersion).toBe(2);
    expect(e.data).toEqual({ kind: 'csat', score: 4 });
    expect(e.data).not.toHaveProperty('rating');
  });
  it('a v1 event without schemaVersion is upcast too (the default is 1)', () => {
    expect((ok(input('SurveyAnswered', { kind: 'nps', rating: 0 })) as EventOf<'SurveyAnswered'>).data.score).toBe(0);
  });
  it('an upcast value is still validated', () => {
    expect(issuesOf(input('SurveyAnswered', { kind: 'csat', rating: 9 }, { schemaVersion: 1 })).map((i) => i.path)).toContain('data.score');
  });
  it('a v2 event is not upcast', () => {
    expect(issuesOf(input('SurveyAnswered', { kind: 'csat', rating: 4 }, { schemaVersion: 2 }))).toContainEqual({ path: 'data.score', message: 'is required' });
  });
  it('a schemaVersion newer than known is rejected', () => {
    expect(issuesOf(input('SurveyAnswered', undefined, { schemaVersion: 3 }))).toContainEqual({ path: 'schemaVersion', message: expect.stringMatching(/newer.*upgrade/) });
    expect(issuesOf(input('CaseClosed', {}, { schemaVersion: 2 }))).toContainEqual({ path: 'schemaVersion', message: expect.stringMatching(/newer/) });
  });
});

describe('prototype pollution', () => {
  it('__proto__, constructor and prototype keys cannot pollute, and never appear in the output', () => {
    const raw = JSON.parse(
      '{"id":"e","type":"CustomerIdentified","tenantId":"t","occurredAt":"2024-01-01T00:00:00Z","customerId":"c",' +
        '"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},' +
        '"data":{"identities":[],"__proto__":{"polluted":3},"traits":{"__proto__":{"polluted":4},"constructor":{"x":1},"prototype":1,"ok":true}}}',
    ) as unknown;
    const e = ok(raw) as EventOf<'CustomerIdentified'>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.keys(e.data.traits!)).toEqual(['ok']);
    expect(Object.prototype.hasOwnProperty.call(e.data.traits, '__proto__')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(e.data.traits, 'constructor')).toBe(false);
    expect(Object.getPrototypeOf(e.data.traits)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(e, '__proto__')).toBe(false);
  });
  it('profile consent and utm records are cleaned too', () => {
    const raw = JSON.parse('{"consent":{"__proto__":{"x":1},"email":true}}') as unknown;
    const e = ok(input('CustomerProfileUpdated', raw)) as EventOf<'CustomerProfileUpdated'>;
    expect(Object.keys(e.data.consent!)).toEqual(['email']);
  });
});

describe('robustness', () => {
  it('never throws for arbitrary JSON input (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = parseEvent(value);
        expect(typeof r.success).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
  it('never throws for arbitrary objects shaped like events (property)', () => {
    const anything = fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withDate: true, withMap: true, maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.record({ id: fc.oneof(fc.string(), anything), type: fc.oneof(fc.constantFrom(...CATALOG_EVENT_TYPES, '__proto__', 'toString'), anything), tenantId: anything, occurredAt: fc.oneof(fc.string(), anything), customerId: anything, identities: anything, caseId: anything, actor: anything, schemaVersion: fc.oneof(fc.integer(), anything), data: fc.oneof(fc.object(), anything) }, { requiredKeys: [] }),
        (value) => {
          const r = parseEvent(value);
          if (!r.success) expect(r.error.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('a huge negative schemaVersion does not spin the upcast loop (regression; a spin would outlast the test timeout)', () => {
    expect(parseEvent(input('SurveyAnswered', undefined, { schemaVersion: -2_000_000_000, tenantId: 5 })).success).toBe(false);
  });
  it('a non-string field whose length is an object without valueOf fails validation instead of throwing (regression)', () => {
    // fast-check found it: zod's min-length check ran on the object and compared its length with a number.
    const r = parseEvent({ type: { length: Object.create(null) as object } });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues).toContainEqual({ path: 'type', message: expect.stringContaining('expected string') as string });
    for (const field of ['id', 'tenantId', 'customerId', 'caseId']) {
      const e = parseEvent({ ...input('MessageReceived'), [field]: { length: Object.create(null) as object } });
      expect(e.success).toBe(false);
    }
  });
  it('a non-object input is rejected with one issue at the root', () => {
    for (const v of [null, 1, 'x', [], true]) expect(parseEvent(v).error!.issues).toEqual([{ path: '', message: 'an event must be a JSON object' }]);
  });
  it('every issue has a path and a message, and all faults are listed at once', () => {
    const issues = issuesOf({ id: '', type: 'OrderPlaced', tenantId: '', occurredAt: 'x', data: { amount: 'x' } });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['id', 'tenantId', 'occurredAt', 'data.orderId', 'data.amount', 'customerId']));
    for (const i of issues) expect(i.message.length).toBeGreaterThan(3);
  });
  it('an unknown type is named', () => {
    expect(issuesOf(input('Nope', {}))).toContainEqual({ path: 'type', message: 'unknown event type "Nope"' });
    expect(issuesOf(input('toString', {}))).toContainEqual({ path: 'type', message: 'unknown event type "toString"' });
    expect(() => parseEventOrThrow(input('Nope', {}))).toThrow(ValidationError);
  });
});

describe('host-registered types', () => {
  const LoyaltyPointsEarned = defineEventType({
    type: 'LoyaltyPointsEarned',
    data: z.object({ points: z.int().min(1), program: z.string().min(1) }),
  });
  const Legacy = defineEventType({
    type: 'TicketRated',
    version: 2,
    data: z.object({ stars: z.int().min(1).max(5) }),
    upcasters: [{ fromVersion: 1, upcast: (d) => ({ stars: d.rating }) }],
    requiresCase: true,
  });
  const registry = createEventRegistry([LoyaltyPointsEarned, Legacy]);

  it('validate with their schema and the common envelope', () => {
    const r = parseEvent(input('LoyaltyPointsEarned', { points: 10, program: 'gold', extra: 1 }), { registry });
    expect(r.success).toBe(true);
    if (r.success && r.event.type === 'LoyaltyPointsEarned') expect(r.event.data).toEqual({ points: 10, program: 'gold' });
    expect(parseEvent(input('LoyaltyPointsEarned', { points: 0, program: 'gold' }), { registry }).error!.issues).toContainEqual(expect.objectContaining({ path: 'data.points' }));
    expect(parseEvent(input('LoyaltyPointsEarned', { points: 1, program: 'g' }, { occurredAt: '2024-01-01T00:00:00' }), { registry }).success).toBe(false);
  });
  it('are unknown to the plain catalog', () => {
    expect(parseEvent(input('LoyaltyPointsEarned', { points: 10, program: 'gold' })).success).toBe(false);
  });
  it('upcast and require a case when declared', () => {
    const e = parseEvent(input('TicketRated', { rating: 3 }, { schemaVersion: 1 }), { registry });
    expect(e.success && e.event.data).toEqual({ stars: 3 });
    expect(parseEvent(input('TicketRated', { stars: 3 }, { caseId: undefined }), { registry }).error!.issues).toContainEqual({ path: 'caseId', message: 'is required for TicketRated' });
  });
  it('reject bad definitions and redefinitions', () => {
    expect(() => defineEventType({ type: '9bad', data: z.object({}) })).toThrow(TypeError);
    expect(() => defineEventType({ type: 'V', version: 2, data: z.object({}) })).toThrow(/upcaster from version 1/);
    expect(() => createEventRegistry([defineEventType({ type: 'OrderPlaced', data: z.object({}) })])).toThrow(/already registered/);
    expect(() => registry.with(LoyaltyPointsEarned)).toThrow(/already registered/);
    expect(registry.with(defineEventType({ type: 'More', data: z.object({}) })).get('More')).toBeDefined();
  });
});

describe('instantMs', () => {
  it('decodes normalised instants exactly like Date.parse (property)', async () => {
    const { instantMs } = await import('../src/index.js');
    const fcm = (await import('fast-check')).default;
    fcm.assert(
      fcm.property(fcm.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(instantMs(iso)).toBe(Date.parse(iso));
      }),
      { numRuns: 2000 },
    );
  });
});
