import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantMs, parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { assertProperty, fcParameters, tenantJourneysArbitrary } from '@omnitrail/testing';
import { replayReport, type ReplayOptions } from '../src/index.js';
import { foldLinkKeys, mergeReplayTallies, partitionEvents, replayResultOf, replayTally, type ReplayTally } from '../src/internal.js';

const params = fcParameters({ numRuns: 40 });

/** Journeys with every kind of link: shared devices, anonymous starts, late merges and unmerges, two tenants. */
const journeys = tenantJourneysArbitrary({
  customers: { min: 1, max: 10 },
  eventsPerCustomer: { min: 1, max: 25 },
  tenants: 2,
  sharedDeviceRate: 0.3,
  lateMergeRate: 0.3,
  unmergeRate: 0.3,
});

function boundsOf(events: readonly CatalogEvent[]): { minAt: number; maxAt: number } | undefined {
  if (events.length === 0) return undefined;
  let minAt = Infinity;
  let maxAt = -Infinity;
  for (const e of events) {
    const at = instantMs(e.occurredAt);
    if (at < minAt) minAt = at;
    if (at > maxAt) maxAt = at;
  }
  return { minAt, maxAt };
}

/** The report of the events folded in `parts` groups apart, their tallies merged. */
function replayInParts(events: readonly CatalogEvent[], parts: number, extra: Omit<ReplayOptions, 'events'> = {}) {
  const bounds = boundsOf(events);
  const groups = partitionEvents(events, parts);
  let tally: ReplayTally | undefined;
  for (const group of groups) {
    const t = replayTally({ events: group, ...extra, ...(bounds ? { bounds } : {}) });
    tally = tally === undefined ? t : mergeReplayTallies(tally, t);
  }
  return { groups, result: tally === undefined ? replayReport({ events: [], ...extra }) : replayResultOf(tally) };
}

describe('replay in parts', () => {
  it('folding independent parts apart and merging their tallies gives the byte-identical report', async () => {
    let split = 0;
    await assertProperty(
      fc.property(journeys, fc.integer({ min: 2, max: 4 }), (j, parts) => {
        const events = j.events.map((e) => parseEventOrThrow(e));
        const { groups, result } = replayInParts(events, parts);
        if (groups.length > 1) split++;
        expect(groups.flat().length).toBe(events.length);
        expect(JSON.stringify(result)).toBe(JSON.stringify(replayReport({ events })));
      }),
      params,
    );
    // The property is only worth something if the events were really split.
    expect(split).toBeGreaterThan(params.numRuns / 2);
  });

  it('holds with an explicit as-of instant and metrics period', async () => {
    await assertProperty(
      fc.property(journeys, fc.nat(), fc.nat(), (j, a, b) => {
        const events = j.events.map((e) => parseEventOrThrow(e));
        const ats = events.map((e) => instantMs(e.occurredAt));
        const asOf = ats[a % ats.length]!;
        const from = Math.min(asOf, ats[b % ats.length]!);
        const window = { asOf, from, to: asOf };
        expect(JSON.stringify(replayInParts(events, 3, window).result)).toBe(JSON.stringify(replayReport({ events, ...window })));
      }),
      params,
    );
  });

  it('keeps a customer, its identities, merges and cases together', () => {
    const base = { tenantId: 't', occurredAt: '2024-03-01T10:00:00.000Z', actor: { kind: 'customer' } };
    const events = [
      { ...base, id: 'e1', type: 'MessageReceived', customerId: 'a', channel: 'email', caseId: 'k1', data: { text: 'hi' } },
      { ...base, id: 'e2', type: 'PageViewed', identities: [{ type: 'email', value: 'B@Example.com' }], data: { url: '/x' } },
      { ...base, id: 'e3', type: 'CustomerIdentified', customerId: 'b', data: { identities: [{ type: 'email', value: 'b@example.com' }] } },
      { ...base, id: 'e4', type: 'CustomersMerged', customerId: 'c', actor: { kind: 'agent', id: 'x' }, data: { survivorId: 'c', mergedId: 'd' } },
      { ...base, id: 'e5', type: 'MessageReceived', customerId: 'd', channel: 'sms', caseId: 'k2', data: { text: 'yo' } },
      { ...base, id: 'e6', type: 'CasesMerged', customerId: 'e', caseId: 'k3', actor: { kind: 'agent', id: 'x' }, data: { sourceCaseId: 'k3', targetCaseId: 'k1' } },
      { ...base, id: 'e7', type: 'MessageReceived', tenantId: 'u', customerId: 'a', channel: 'email', data: { text: 'other tenant' } },
    ].map((e) => parseEventOrThrow(e));
    // Identities are keyed normalised, as identity resolution sees them.
    expect(foldLinkKeys(events[1]!)).toContain('i:email:b@example.com');
    const groups = partitionEvents(events, 8).map((g) => g.map((e) => e.id).sort());
    expect(groups.sort()).toEqual([['e1', 'e6'], ['e2', 'e3'], ['e4', 'e5'], ['e7']]);
  });

  it('keeps a follow-up case with the event it is named after, and a customer named like an identity with that identity', () => {
    const at = (h: number) => new Date(Date.UTC(2024, 2, 1, h)).toISOString();
    const raw = [
      { id: 'a1', type: 'MessageReceived', customerId: 'a', caseId: 'k1', channel: 'email', occurredAt: at(1), actor: { kind: 'customer' }, data: { text: 'help' } },
      { id: 'a2', type: 'CaseClosed', customerId: 'a', caseId: 'k1', occurredAt: at(2), actor: { kind: 'agent', id: 'x' }, data: {} },
      // A message on a closed case opens a follow-up case named after the message: "a3".
      { id: 'a3', type: 'MessageReceived', customerId: 'a', caseId: 'k1', channel: 'email', occurredAt: at(3), actor: { kind: 'customer' }, data: { text: 'again' } },
      // Another customer writes on case "a3": the follow-up, if it is folded with a3.
      { id: 'b1', type: 'MessageReceived', customerId: 'b', caseId: 'a3', channel: 'sms', occurredAt: at(4), actor: { kind: 'customer' }, data: { text: 'me too' } },
      // A visitor known only by e-mail becomes the customer "id:email:v@example.com", which this event names.
      { id: 'v1', type: 'PageViewed', identities: [{ type: 'email', value: 'v@example.com' }], occurredAt: at(5), data: { url: '/p' } },
      { id: 'v2', type: 'MessageReceived', customerId: 'id:email:v@example.com', channel: 'email', occurredAt: at(6), actor: { kind: 'customer' }, data: { text: 'hi' } },
    ];
    const events = raw.map((e) => parseEventOrThrow({ tenantId: 't', ...e }));
    const { groups, result } = replayInParts(events, 8);
    expect(groups.map((g) => g.map((e) => e.id))).toEqual([['a1', 'a2', 'a3', 'b1'], ['v1', 'v2']]);
    expect(JSON.stringify(result)).toBe(JSON.stringify(replayReport({ events })));
  });

  it('rejects a part count that is not a positive integer', () => {
    expect(() => partitionEvents([], 0)).toThrow(/parts must be a positive integer/);
    expect(() => partitionEvents([], 1.5)).toThrow(/parts must be a positive integer/);
  });

  it('refuses to merge tallies folded with different windows', () => {
    const event = parseEventOrThrow({ id: 'x', type: 'PageViewed', tenantId: 't', occurredAt: '2024-03-01T10:00:00.000Z', customerId: 'c', data: { url: '/' } });
    const a = replayTally({ events: [event] });
    const b = replayTally({ events: [event], asOf: Date.parse('2024-04-01T00:00:00Z') });
    expect(() => mergeReplayTallies(a, b)).toThrow(/different windows/);
  });
});
