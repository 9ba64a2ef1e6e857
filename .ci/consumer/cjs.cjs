// The same from CommonJS.
const { createJourneyEngine, replayReport } = require('@omnitrail/journey');
const { parseEventOrThrow } = require('@omnitrail/events');
const { generateWorkload } = require('@omnitrail/workload');

(async () => {
  const engine = createJourneyEngine({ clock: () => Date.UTC(2024, 2, 2) });
  const event = { id: 'm1', type: 'MessageReceived', tenantId: 'acme', occurredAt: '2024-03-01T10:00:00Z', customerId: 'ann', channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hi' } };
  await engine.record(event);
  const live = engine.report('acme', { asOf: Date.UTC(2024, 2, 2) });
  const batch = replayReport({ events: [parseEventOrThrow(event)], asOf: Date.UTC(2024, 2, 2) }).tenants.acme;
  if (JSON.stringify(live.cases) !== JSON.stringify(batch.cases)) throw new Error('live and batch differ');
  await engine.close();
  // The workload generator from CommonJS: seeded, every event valid.
  const a = [...generateWorkload({ seed: 4, customers: 10, events: 300 })];
  if (JSON.stringify(a) !== JSON.stringify([...generateWorkload({ seed: 4, customers: 10, events: 300 })])) throw new Error('workload not seeded');
  a.forEach((e) => parseEventOrThrow(e));
  console.log('cjs ok');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
