// The customer 360 on the engine: engine.customer() and customer$() find a customer by its id, a merged id,
// or any identity it is known by, in any form normalisation accepts, and give the profile as frozen data.
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine } from '../src/index.js';

const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString();
const asOf = Date.UTC(2024, 2, 2);

describe('engine.customer', () => {
  it('finds a customer by id, merged id, email in any case and phone in any common format', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.record([
      { id: 'i1', type: 'CustomerIdentified', tenantId: 'acme', occurredAt: at(1), customerId: 'ann', actor: { kind: 'system' }, data: { identities: [{ type: 'email', value: 'Ann@Example.com' }, { type: 'phone', value: '+33 6 12 34 56 78' }] } },
      { id: 'm1', type: 'MessageReceived', tenantId: 'acme', occurredAt: at(2), customerId: 'ann', channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hello' } },
      { id: 'v1', type: 'PageViewed', tenantId: 'acme', occurredAt: at(3), customerId: 'ann-old', channel: 'web', actor: { kind: 'customer' }, data: { url: '/' } },
      { id: 'x1', type: 'CustomersMerged', tenantId: 'acme', occurredAt: at(4), customerId: 'ann', actor: { kind: 'agent' }, data: { survivorId: 'ann', mergedId: 'ann-old' } },
    ]);
    const byId = engine.customer('acme', 'ann');
    expect(byId?.customerId).toBe('ann');
    expect(byId?.openCases.map((c) => c.caseId)).toEqual(['k1']);
    for (const key of ['ann-old', 'ann@example.com', 'ANN@EXAMPLE.COM', '+33612345678', '+33 6 12 34 56 78', '0033 6 12 34 56 78']) {
      expect(engine.customer('acme', key)?.customerId, key).toBe('ann');
    }
    expect(engine.customer('acme', 'bob@example.com')).toBeUndefined();
    expect(engine.customer('other', 'ann')).toBeUndefined();
    expect(Object.isFrozen(byId)).toBe(true);
    expect(Object.isFrozen(byId!.openCases)).toBe(true);
    await engine.close();
  });

  it('customer$ emits the profile, then each change of it', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.record({ id: 'm1', type: 'MessageReceived', tenantId: 'acme', occurredAt: at(1), customerId: 'ann', channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hi' } });
    const profiles = firstValueFrom(engine.customer$('acme', 'ann').pipe(take(2), toArray()));
    await engine.record({ id: 'r1', type: 'CaseResolved', tenantId: 'acme', occurredAt: at(5), customerId: 'ann', caseId: 'k1', actor: { kind: 'agent' }, data: {} });
    const [before, after] = await profiles;
    expect(before?.openCases.map((c) => c.caseId)).toEqual(['k1']);
    expect(after?.openCases).toEqual([]);
    await engine.close();
  });
});
