import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CatalogEvent } from '@omnitrail/events';
import {
  canonicalCustomerId,
  cloneIdentityState,
  createIdentityState,
  journalIdentityChanges,
  keepIdentityChanges,
  resolveIdentity,
  resolveTenantIdentities,
  shareIdentityState,
  undoIdentityChanges,
} from '../src/core/identity/index.js';
import { applyCaseEvent, casesOfCustomer, casesSection, createCasesState, getCase } from '../src/core/cases/index.js';
import { MIN, T0, ev, sortEvents, testConfig, type RawCaseEvent } from './helpers/cases-fixtures.js';

type Ids = { type: string; value: string; verified?: boolean }[];
const touch = (t: number, identities: Ids, extra: Partial<RawCaseEvent> = {}): RawCaseEvent => ({ type: 'PageViewed', t, identities, data: { url: '/' }, ...extra });
const withId = (t: number, customerId: string, identities?: Ids): RawCaseEvent => ({ type: 'PageViewed', t, customerId, data: { url: '/' }, ...(identities ? { identities } : {}) });

function run(raws: RawCaseEvent[]) {
  const events = raws.map((r) => {
    const event = ev(r);
    return { event, at: Date.parse(event.occurredAt) };
  });
  const res = resolveTenantIdentities(events, testConfig());
  return { ...res, events };
}

describe('identity resolution', () => {
  it('normalises emails and phones, and an unseen identity creates a deterministic customer of its strongest identity', () => {
    const r = run([
      touch(0, [{ type: 'device_id', value: 'D1' }, { type: 'email', value: '  Ann@Example.COM ' }]),
      touch(1, [{ type: 'email', value: 'ann@example.com' }]),
      touch(2, [{ type: 'phone', value: '+33 6 12 34 56 78' }]),
      touch(3, [{ type: 'phone', value: '+33612345678' }]),
    ]);
    expect(r.attributed).toEqual(['id:email:ann@example.com', 'id:email:ann@example.com', 'id:phone:+33612345678', 'id:phone:+33612345678']);
  });

  it('blocked values such as "0" never identify', () => {
    const r = run([touch(0, [{ type: 'device_id', value: '0' }, { type: 'email', value: 'a@x.io' }]), touch(1, [{ type: 'device_id', value: '0' }, { type: 'email', value: 'b@x.io' }])]);
    expect(r.attributed).toEqual(['id:email:a@x.io', 'id:email:b@x.io']);
    expect(r.mergedCustomers).toBe(0);
  });

  it('events with customerId are attributed to it and link their identities', () => {
    const r = run([withId(0, 'cust-1', [{ type: 'email', value: 'a@x.io' }]), touch(1, [{ type: 'email', value: 'A@x.io' }, { type: 'device_id', value: 'D' }]), touch(2, [{ type: 'device_id', value: 'D' }])]);
    expect(r.attributed).toEqual(['cust-1', 'cust-1', 'cust-1']);
  });

  it('an event whose identities belong to two customers merges them into the older', () => {
    const r = run([
      touch(0, [{ type: 'device_id', value: 'D' }]),
      touch(1, [{ type: 'email', value: 'a@x.io' }]),
      touch(2, [{ type: 'email', value: 'a@x.io' }, { type: 'device_id', value: 'D' }]),
    ]);
    expect(r.attributed).toEqual(['id:device_id:D', 'id:email:a@x.io', 'id:device_id:D']);
    expect(r.canonical('id:email:a@x.io')).toBe('id:device_id:D');
    expect(r.mergedCustomers).toBe(1);
  });

  it('same first-seen instant: the survivor is chosen by id', () => {
    const s = createIdentityState(testConfig());
    resolveIdentity(s, ev(touch(0, [{ type: 'email', value: 'z@x.io' }])), T0);
    resolveIdentity(s, ev(touch(0, [{ type: 'phone', value: '+33612345678' }])), T0);
    const r = resolveIdentity(s, ev(touch(1, [{ type: 'email', value: 'z@x.io' }, { type: 'phone', value: '+33612345678' }])), T0 + 1);
    expect(r.merges).toEqual([{ survivorId: 'id:email:z@x.io', mergedId: 'id:phone:+33612345678', reason: 'identity' }]);
  });

  it('two verified user ids are never merged: MergeRejected both_identified', () => {
    const r = run([
      touch(0, [{ type: 'user_id', value: 'u1', verified: true }, { type: 'email', value: 'a@x.io' }]),
      touch(1, [{ type: 'user_id', value: 'u2', verified: true }]),
      { ...touch(2, [{ type: 'user_id', value: 'u2' }, { type: 'user_id', value: 'u1' }]), id: 'clash' },
    ]);
    expect(r.rejections).toEqual([{ eventId: 'clash', at: T0 + 2, reason: 'both_identified', customerIds: ['id:user_id:u1', 'id:user_id:u2'] }]);
    expect(r.mergedCustomers).toBe(0);
    expect(r.canonical('id:user_id:u2')).toBe('id:user_id:u2');
  });

  it('a merge over the per-type limit drops the weakest identity and tries again', () => {
    // Two unverified user ids: user_id limit 1.
    const r = run([touch(0, [{ type: 'user_id', value: 'u1' }]), touch(1, [{ type: 'user_id', value: 'u2' }]), touch(2, [{ type: 'user_id', value: 'u1' }, { type: 'user_id', value: 'u2' }])]);
    expect(r.mergedCustomers).toBe(0);
    expect(r.attributed[2]).toBe('id:user_id:u1');
    // Emails: 3 + 3 > 5; the phone (weakest) that links them is dropped, no merge.
    const emails = (p: string) => [1, 2, 3].map((i) => ({ type: 'email', value: `${p}${i}@x.io` }));
    const r2 = run([
      touch(0, [...emails('a'), { type: 'phone', value: '+33611111111' }]),
      touch(1, emails('b')),
      touch(2, [{ type: 'email', value: 'b1@x.io' }, { type: 'phone', value: '+33611111111' }]),
    ]);
    expect(r2.mergedCustomers).toBe(0);
    expect(r2.attributed[2]).toBe('id:email:b1@x.io');
  });

  it('a shared device links and merges the people who use it: domain.md lists the only exceptions (two verified user_ids, the per-type limits)', () => {
    // A new email with a known device: the device's owner gets the email.
    const r = run([
      touch(0, [{ type: 'device_id', value: 'TABLET' }, { type: 'email', value: 'ann@x.io' }]),
      touch(1, [{ type: 'device_id', value: 'TABLET' }, { type: 'email', value: 'bob@x.io' }]),
      touch(2, [{ type: 'email', value: 'bob@x.io' }]),
      touch(3, [{ type: 'device_id', value: 'TABLET' }]),
    ]);
    expect(r.attributed).toEqual(['id:email:ann@x.io', 'id:email:ann@x.io', 'id:email:ann@x.io', 'id:email:ann@x.io']);
    expect(r.mergedCustomers).toBe(0);
    // Two known customers on one event: merged into the older (the oracle audit's case; the project once
    // kept them apart with a guard of its own that the spec does not have).
    const m = run([
      withId(0, 'Ann', [{ type: 'email', value: 'ann@x.io' }, { type: 'device_id', value: 'TABLET' }]),
      touch(1, [{ type: 'email', value: 'bob@x.io' }]),
      touch(2, [{ type: 'email', value: 'bob@x.io' }, { type: 'device_id', value: 'TABLET' }]),
    ]);
    expect(m.attributed).toEqual(['Ann', 'id:email:bob@x.io', 'Ann']);
    expect(m.mergedCustomers).toBe(1);
    expect(m.canonical('id:email:bob@x.io')).toBe('Ann');
  });

  it('the same device with a second email of a customer who already has it links fine', () => {
    const r = run([
      withId(0, 'cust', [{ type: 'email', value: 'a@x.io' }, { type: 'email', value: 'a2@x.io' }]),
      touch(1, [{ type: 'device_id', value: 'D' }, { type: 'email', value: 'a2@x.io' }]),
      touch(2, [{ type: 'device_id', value: 'D' }]),
    ]);
    expect(r.attributed).toEqual(['cust', 'cust', 'cust']);
  });

  it('IdentitiesLinked links two identities and may merge', () => {
    const r = run([
      touch(0, [{ type: 'email', value: 'a@x.io' }]),
      touch(1, [{ type: 'phone', value: '+33612345678' }]),
      { type: 'IdentitiesLinked', t: 2, customerId: 'id:email:a@x.io', data: { a: { type: 'email', value: 'a@x.io' }, b: { type: 'phone', value: '+33 6 12 34 56 78' }, evidence: 'otp' } },
    ]);
    expect(r.canonical('id:phone:+33612345678')).toBe('id:email:a@x.io');
  });

  it('CustomersMerged: explicit survivor, twice, chains A←B←C and cycles end in one customer', () => {
    const merge = (t: number, survivorId: string, mergedId: string): RawCaseEvent => ({ type: 'CustomersMerged', t, customerId: survivorId, data: { survivorId, mergedId } });
    const r = run([withId(0, 'A'), withId(1, 'B'), withId(2, 'C'), merge(3, 'B', 'C'), merge(4, 'A', 'B'), merge(5, 'A', 'B'), merge(6, 'C', 'A')]);
    expect(['A', 'B', 'C'].map(r.canonical)).toEqual(['A', 'A', 'A']);
    expect(r.mergedCustomers).toBe(2);
  });

  it('a late merge moves earlier events (the batch canonical mapping)', () => {
    const r = run([
      touch(0, [{ type: 'anonymous_id', value: 'anon-1' }]),
      withId(MIN, 'cust-1', [{ type: 'email', value: 'a@x.io' }]),
      touch(2 * MIN, [{ type: 'email', value: 'a@x.io' }, { type: 'anonymous_id', value: 'anon-1' }]),
    ]);
    expect(r.attributed[0]).toBe('id:anonymous_id:anon-1');
    expect(r.canonical(r.attributed[0]!)).toBe('id:anonymous_id:anon-1'); // the older customer survives
    expect(r.canonical('cust-1')).toBe('id:anonymous_id:anon-1');
    expect(new Set(r.attributed.map(r.canonical)).size).toBe(1);
  });

  it('CustomersUnmerged restores the merged customer with its identities and events', () => {
    const r = run([
      withId(0, 'A', [{ type: 'email', value: 'a@x.io' }]),
      withId(1, 'B', [{ type: 'email', value: 'b@x.io' }, { type: 'phone', value: '+33612345678' }]),
      { type: 'CustomersMerged', t: 2, customerId: 'A', data: { survivorId: 'A', mergedId: 'B' } },
      touch(3, [{ type: 'email', value: 'b@x.io' }]),
      { type: 'CustomersUnmerged', t: 4, customerId: 'A', data: { customerId: 'B', identities: [] } },
      touch(5, [{ type: 'phone', value: '+33612345678' }]),
      touch(6, [{ type: 'email', value: 'a@x.io' }]),
    ]);
    expect(r.canonical('B')).toBe('B');
    expect(r.attributed[1]).toBe('B');
    expect(r.attributed[3]).toBe('A'); // attributed while merged: stays with the survivor (docs/identity.md)
    expect(r.attributed[5]).toBe('B');
    expect(r.attributed[6]).toBe('A');
    expect(r.mergedCustomers).toBe(0);
  });

  it('customers and their ids are scoped by tenant (one state per tenant)', () => {
    const a = run([{ ...touch(0, [{ type: 'email', value: 'a@x.io' }]), tenantId: 't1' }]);
    const b = run([{ ...touch(0, [{ type: 'email', value: 'a@x.io' }]), tenantId: 't2' }]);
    expect(a.attributed).toEqual(b.attributed); // same deterministic id, separate graphs
  });

  it('cloneIdentityState is independent', () => {
    const s = createIdentityState(testConfig());
    resolveIdentity(s, ev(touch(0, [{ type: 'email', value: 'a@x.io' }])), T0);
    resolveIdentity(s, ev(touch(0, [{ type: 'device_id', value: 'D' }])), T0);
    const c = cloneIdentityState(s);
    resolveIdentity(c, ev(touch(1, [{ type: 'email', value: 'a@x.io' }, { type: 'device_id', value: 'D' }])), T0 + 1);
    expect(canonicalCustomerId(c, 'id:email:a@x.io')).toBe('id:device_id:D'); // same first-seen: smaller id survives
    expect(canonicalCustomerId(s, 'id:email:a@x.io')).toBe('id:email:a@x.io');
    expect(canonicalCustomerId(s, 'id:device_id:D')).toBe('id:device_id:D');
  });

  it('a merge while a case is open: the case belongs to the survivor', () => {
    const raws: RawCaseEvent[] = [
      withId(0, 'B'), // B is older
      { type: 'MessageReceived', t: 1, caseId: 'K', channel: 'email', actor: { kind: 'customer' }, identities: [{ type: 'email', value: 'a@x.io' }] },
      withId(2, 'B', [{ type: 'email', value: 'a@x.io' }]),
      { type: 'MessageSent', t: 3, caseId: 'K', customerId: 'B', channel: 'email', data: { senderKind: 'agent' } },
    ];
    const sorted = sortEvents(raws.map((r) => { const event = ev(r); return { event, at: Date.parse(event.occurredAt) }; }));
    const ids = resolveTenantIdentities(sorted, testConfig());
    const cases = createCasesState();
    sorted.forEach((e, i) => {
      const attributed = ids.attributed[i]!;
      applyCaseEvent(cases, { event: e.event, at: e.at, attributedCustomerId: attributed, customerId: ids.canonical(attributed) }, testConfig());
    });
    expect(getCase(cases, 'K')).toMatchObject({ customerId: 'B', attributedCustomerId: 'id:email:a@x.io', firstResponseAt: T0 + 3 });
    expect(casesOfCustomer(cases, 'B').map((c) => c.caseId)).toEqual(['K']);
    expect(casesSection(cases, { asOf: T0 + 10, from: T0, to: T0 + 10 }, ids.canonical).open[0]!.customerId).toBe('B');
  });
});

describe('identity properties', () => {
  const idArb = fc.record({
    type: fc.constantFrom('user_id', 'email', 'phone', 'device_id', 'anonymous_id', 'x_handle'),
    n: fc.integer({ min: 0, max: 4 }),
    verified: fc.boolean(),
  });
  const eventArb = fc.record({
    t: fc.integer({ min: 0, max: 20 }),
    ids: fc.array(idArb, { minLength: 1, maxLength: 3 }),
    customer: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: undefined }),
    kind: fc.constantFrom('touch', 'touch', 'touch', 'merge', 'link'),
  });
  const value = (type: string, n: number) => (type === 'email' ? `p${n}@x.io` : type === 'phone' ? `+3361234567${n}` : `${type}-${n}`);
  function build(list: { t: number; ids: { type: string; n: number; verified: boolean }[]; customer: string | undefined; kind: string }[]) {
    return list.map((x, i) => {
      const identities = x.ids.map((d) => ({ type: d.type, value: value(d.type, d.n), verified: d.verified }));
      const raw: RawCaseEvent =
        x.kind === 'merge'
          ? { type: 'CustomersMerged', t: x.t, customerId: x.customer ?? 'c1', data: { survivorId: x.customer ?? 'c1', mergedId: `id:${identities[0]!.type}:${identities[0]!.value}` } }
          : x.kind === 'link' && identities.length >= 2
            ? { type: 'IdentitiesLinked', t: x.t, identities, data: { a: identities[0], b: identities[1], evidence: 'login' } }
            : { type: 'PageViewed', t: x.t, identities, data: { url: '/' }, ...(x.customer ? { customerId: x.customer } : {}) };
      const event: CatalogEvent = ev({ ...raw, id: `ev${String(i).padStart(3, '0')}` });
      return { event, at: Date.parse(event.occurredAt) };
    });
  }

  it('batch resolution does not depend on input order', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), fc.integer(), (list, seed) => {
        const events = build(list);
        const shuffled = events.slice();
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = resolveTenantIdentities(events, testConfig());
        const b = resolveTenantIdentities(shuffled, testConfig());
        const byIdA = new Map(events.map((e, i) => [e.event.id, a.canonical(a.attributed[i]!)]));
        const byIdB = new Map(shuffled.map((e, i) => [e.event.id, b.canonical(b.attributed[i]!)]));
        expect(byIdB).toEqual(byIdA);
        expect(b.mergedCustomers).toBe(a.mergedCustomers);
        expect(b.rejections).toEqual(a.rejections);
      }),
      { numRuns: 200 },
    );
  });

  it('a shared graph (copy on write) stays as it was while the head and a working copy of it resolve on', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (list, cuts) => {
        const events = sortEvents(build(list));
        const whole = createIdentityState(testConfig());
        const expected = events.map((e) => resolveIdentity(whole, e.event, e.at));
        // The head shares itself at several points (as a live tenant's fold snapshots do), each kept with a
        // deep copy taken at the same moment; a working copy restored from each resolves the rest too.
        const points = [...new Set(cuts.map((c) => (events.length === 0 ? 0 : c % events.length)))].sort((a, b) => a - b);
        const head = createIdentityState(testConfig());
        const shared: { at: number; graph: ReturnType<typeof createIdentityState>; frozen: ReturnType<typeof createIdentityState> }[] = [];
        const got: unknown[] = [];
        for (let i = 0; i < events.length; i++) {
          if (points.includes(i)) {
            const graph = shareIdentityState(head);
            shared.push({ at: i, graph, frozen: cloneIdentityState(graph) });
          }
          got.push(resolveIdentity(head, events[i]!.event, events[i]!.at));
        }
        expect(got).toEqual(expected);
        expect(head).toEqual(whole);
        for (const { at, graph, frozen } of shared) {
          const working = shareIdentityState(graph);
          const rest = events.slice(at).map((e) => resolveIdentity(working, e.event, e.at));
          expect(rest).toEqual(expected.slice(at));
          expect(working).toEqual(whole);
          // Neither the head nor the working copy changed what was shared.
          expect(graph).toEqual(frozen);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a journaled graph undone is the graph it was, maps in the same order, and resolves on as before', () => {
    const order = (g: ReturnType<typeof createIdentityState>) => ({ owner: [...g.owner.keys()], customers: [...g.customers.keys()], verified: [...g.verifiedUserIds] });
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), fc.nat(), fc.nat(), (list, cut, shareAt) => {
        const events = sortEvents(build(list));
        const k = events.length === 0 ? 0 : cut % (events.length + 1);
        const whole = createIdentityState(testConfig());
        const expected = events.map((e) => resolveIdentity(whole, e.event, e.at));
        const head = createIdentityState(testConfig());
        for (const e of events.slice(0, k)) resolveIdentity(head, e.event, e.at);
        const before = cloneIdentityState(head);
        const beforeOrder = order(head);
        // A batch resolved under the journal (a fold snapshot shared in the middle of it, as a live tenant's
        // identity pass does), then undone.
        journalIdentityChanges(head);
        const snapshotAt = k + (events.length - k === 0 ? 0 : shareAt % (events.length - k));
        let snapshot: ReturnType<typeof createIdentityState> | undefined;
        let frozen: ReturnType<typeof createIdentityState> | undefined;
        for (let i = k; i < events.length; i++) {
          if (i === snapshotAt) {
            snapshot = shareIdentityState(head);
            frozen = cloneIdentityState(snapshot);
          }
          resolveIdentity(head, events[i]!.event, events[i]!.at);
        }
        undoIdentityChanges(head);
        expect(head).toEqual(before);
        expect(order(head)).toEqual(beforeOrder);
        if (snapshot !== undefined) expect(snapshot).toEqual(frozen);
        // Resolved again (kept this time): the same answers as a graph that never went back.
        journalIdentityChanges(head);
        const again = events.slice(k).map((e) => resolveIdentity(head, e.event, e.at));
        keepIdentityChanges(head);
        expect(again).toEqual(expected.slice(k));
        expect(head).toEqual(whole);
        expect(order(head)).toEqual(order(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('resolving from a cloned state equals resolving on', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), fc.nat(), (list, cut) => {
        const events = sortEvents(build(list));
        const k = events.length === 0 ? 0 : cut % events.length;
        const whole = createIdentityState(testConfig());
        const head = createIdentityState(testConfig());
        const out1 = events.map((e) => resolveIdentity(whole, e.event, e.at));
        const out2 = events.slice(0, k).map((e) => resolveIdentity(head, e.event, e.at));
        const restored = cloneIdentityState(head);
        for (const e of events.slice(k)) out2.push(resolveIdentity(restored, e.event, e.at));
        expect(out2).toEqual(out1);
        expect(restored).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
