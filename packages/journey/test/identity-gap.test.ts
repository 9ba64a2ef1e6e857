import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, replayReport } from '../src/index.js';

// domain.md: `identity_gap` is "a case opened before the customer was identified and merged later".
const T = 't1';
const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 10, minute)).toISOString();
const ev = (id: string, minute: number, rest: Record<string, unknown>): CatalogEvent =>
  parseEventOrThrow({ id, tenantId: T, occurredAt: at(minute), actor: { kind: 'customer' }, data: {}, ...rest });
const device = [{ type: 'device_id', value: 'dev-1' }];
const email = [{ type: 'email', value: 'ann@example.com' }];
const openAnonymously = (id: string, minute: number) => ev(id, minute, { type: 'CaseOpened', caseId: `k-${id}`, channel: 'web_chat', identities: device });

// An older named customer; an anonymous visitor opens a case; a login links the visitor's device to her.
const linkedToNamedLater = [
  ev('e0', 0, { type: 'CustomerIdentified', customerId: 'ann', data: { identities: email } }),
  openAnonymously('e1', 1),
  ev('e2', 5, { type: 'IdentitiesLinked', identities: device, data: { a: device[0], b: email[0], evidence: 'login' } }),
];

const scenarios: { name: string; events: CatalogEvent[]; asOf?: string; gaps: number }[] = [
  {
    // The anonymous visitor is the older customer, so it survives the merge: the usual story.
    name: 'an anonymous visitor opens a case, later identifies (the visitor survives the merge)',
    events: [openAnonymously('e1', 0), ev('e2', 5, { type: 'CustomerIdentified', customerId: 'ann', data: { identities: [...device, ...email] } })],
    gaps: 1,
  },
  {
    name: 'an anonymous visitor opens a case, later linked to an older named customer (absorbed into it)',
    events: linkedToNamedLater,
    gaps: 1,
  },
  {
    name: 'a case opened through the identities of a customer the host had named, later merged by the host',
    events: [
      ev('e0', 0, { type: 'CustomerIdentified', customerId: 'ann', data: { identities: email } }),
      ev('e1', 1, { type: 'CaseOpened', caseId: 'k1', channel: 'email', identities: email }),
      ev('e2', 2, { type: 'PageViewed', customerId: 'old', data: { url: '/' } }),
      ev('e3', 5, { type: 'CustomersMerged', customerId: 'old', data: { survivorId: 'old', mergedId: 'ann' } }),
    ],
    gaps: 0,
  },
  {
    name: 'the opening event itself identifies the visitor (no later merge)',
    events: [ev('e0', 0, { type: 'PageViewed', identities: device, data: { url: '/' } }), ev('e1', 1, { type: 'CaseOpened', caseId: 'k1', channel: 'web_chat', customerId: 'ann', identities: device })],
    gaps: 0,
  },
  {
    name: 'an anonymous visitor merged before opening the case',
    events: [
      ev('e0', 0, { type: 'PageViewed', identities: device, data: { url: '/' } }),
      ev('e1', 1, { type: 'CustomerIdentified', customerId: 'ann', data: { identities: [...device, ...email] } }),
      openAnonymously('e2', 2),
    ],
    gaps: 0,
  },
  {
    name: 'the merge is undone later (unmerge restores the state as if it never happened)',
    events: [...linkedToNamedLater, ev('e3', 9, { type: 'CustomersUnmerged', customerId: 'ann', data: { customerId: 'id:device_id:dev-1', identities: device } })],
    gaps: 0,
  },
  {
    name: 'the merge comes after asOf',
    events: [openAnonymously('e1', 0), ev('e2', 5, { type: 'CustomerIdentified', customerId: 'ann', data: { identities: [...device, ...email] } })],
    asOf: at(3),
    gaps: 0,
  },
];

describe('identity_gap', () => {
  it.each(scenarios)('$name: $gaps', async ({ events, asOf, gaps }) => {
    const options = asOf === undefined ? { events } : { events, asOf: Date.parse(asOf) };
    const report = replayReport(options);
    expect(report.tenants[T]!.journeys.contextLost.identity_gap).toBe(gaps);
    // The live engine gets the events one at a time, in order, so a later merge has to re-fold the cases
    // the anonymous customer opened before it (also when that customer survives the merge).
    const engine = createJourneyEngine({ clock: () => Date.parse(report.asOf!) });
    for (const e of events) await engine.record(e);
    expect(engine.report(T, { asOf: Date.parse(report.asOf!) }).journeys.contextLost).toEqual(report.tenants[T]!.journeys.contextLost);
    await engine.close();
  });
});
