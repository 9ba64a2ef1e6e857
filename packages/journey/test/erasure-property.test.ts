import fc from 'fast-check';
import { fcParameters } from '@omnitrail/testing';
import { createInMemoryEventStore, createInMemoryKeyStore } from '@omnitrail/eventstore';
import { ERASED_IDENTITY_PREFIX, ERASED_VALUE } from '@omnitrail/events';
import { createJourneyEngine } from '@omnitrail/journey';
import { describe, expect, it } from 'vitest';

const T0 = Date.parse('2026-05-04T08:00:00Z');
const clock = () => T0 + 30 * 24 * 3600_000;
const CUSTOMERS = ['c0', 'c1', 'c2', 'c3'];

/** One customer's event, from a template; its personal texts carry `secret-of-<customer>` so they can be told apart. */
const eventArbitrary = fc.record({
  customer: fc.constantFrom(...CUSTOMERS),
  tenant: fc.constantFrom('t1', 't1', 't2'),
  minute: fc.nat({ max: 5000 }),
  kind: fc.constantFrom('identified', 'message', 'anonymous-message', 'case', 'survey', 'order', 'profile'),
  word: fc.stringMatching(/^[a-z]{1,8}$/),
});

interface Template {
  customer: string;
  tenant: string;
  minute: number;
  kind: string;
  word: string;
}

function toEvent(t: Template, index: number): Record<string, unknown> {
  const base = { id: `e-${index}`, tenantId: t.tenant, occurredAt: new Date(T0 + t.minute * 60_000).toISOString(), channel: 'email' };
  const secret = `secret-of-${t.customer} ${t.word}`;
  const email = `${t.customer}@example.org`;
  switch (t.kind) {
    case 'identified':
      return { ...base, type: 'CustomerIdentified', customerId: t.customer, identities: [{ type: 'email', value: email }], data: { identities: [], traits: { note: secret } } };
    case 'message':
      return { ...base, type: 'MessageReceived', customerId: t.customer, caseId: `case-${t.customer}`, data: { text: secret } };
    case 'anonymous-message':
      return { ...base, type: 'MessageReceived', identities: [{ type: 'email', value: email }], data: { text: secret } };
    case 'case':
      return { ...base, type: 'CaseOpened', customerId: t.customer, caseId: `case-${t.customer}`, data: { subject: secret, topic: 'billing' } };
    case 'survey':
      return { ...base, type: 'SurveyAnswered', customerId: t.customer, data: { kind: 'csat', score: 1 + (t.minute % 5), comment: secret } };
    case 'order':
      return { ...base, type: 'OrderPlaced', customerId: t.customer, data: { orderId: `o-${index}`, salesChannel: 'web', amount: t.minute % 300, currency: 'EUR' } };
    default:
      return { ...base, type: 'CustomerProfileUpdated', customerId: t.customer, data: { locale: secret, region: 'EU' } };
  }
}

/** A value with the erased customer's personal values (and what they read as once erased) blanked out. */
function blank(value: unknown, erased: string): unknown {
  return JSON.parse(JSON.stringify(value ?? null), (_key, v) =>
    // Ids derived from an identity (an anonymous customer's `id:email:<value>`) carry the value, then its hash.
    typeof v === 'string' && (v === ERASED_VALUE || v.includes(ERASED_IDENTITY_PREFIX) || v.includes(`secret-of-${erased}`) || v.includes(`${erased}@example.org`)) ? '<personal>' : v,
  );
}

describe('erasure, as a property', () => {
  it("erasing one customer never changes another customer's readable data, another tenant's report, or any count", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArbitrary, { minLength: 1, maxLength: 30 }), fc.constantFrom(...CUSTOMERS), async (templates, erased) => {
        const store = createInMemoryEventStore();
        const keys = createInMemoryKeyStore();
        const engine = createJourneyEngine({ store, keys, clock });
        await engine.record(templates.map(toEvent) as never);
        const asOf = clock();
        const reports = { t1: engine.report('t1', { asOf }), t2: engine.report('t2', { asOf }) };
        const others = CUSTOMERS.filter((c) => c !== erased).map((c) => engine.customer('t1', c));
        const known = engine.customer('t1', erased) !== undefined;
        if (known) await engine.erase('t1', erased);
        expect(blank(engine.report('t1', { asOf }), erased)).toEqual(blank(reports.t1, erased));
        expect(engine.report('t2', { asOf })).toEqual(reports.t2);
        expect(CUSTOMERS.filter((c) => c !== erased).map((c) => engine.customer('t1', c))).toEqual(others);
        if (known) {
          // Its events (an anonymous message counts once its email is linked to it) hold no personal value.
          expect(JSON.stringify(engine.fold('t1')!.events.filter((e) => e.customerId === erased))).not.toContain(`secret-of-${erased}`);
          expect(engine.customer('t1', `${erased}@example.org`)?.customerId).not.toBe(erased);
        }
        // A new engine reading the log from the start sees what the erasing one sees.
        const reader = createJourneyEngine({ store, keys, clock });
        await reader.ready();
        expect(reader.report('t1', { asOf })).toEqual(engine.report('t1', { asOf }));
        expect(reader.report('t2', { asOf })).toEqual(reports.t2);
        await reader.close();
        await engine.close();
      }),
      fcParameters({ numRuns: 40 }),
    );
  });
});
