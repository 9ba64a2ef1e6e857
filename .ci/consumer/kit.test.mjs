// The testing kit from node:test, with no vitest installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { journeyArbitrary, generateWorkload, assertProperty, fcParameters } from '@omnitrail/testing';
import { parseEvent } from '@omnitrail/events';

test('generated journeys are valid events', async () => {
  await assertProperty(fc.property(journeyArbitrary(), (j) => j.events.every((e) => parseEvent(e).success)), fcParameters({ numRuns: 20, seed: 1 }));
});

test('the workload generator is seeded', () => {
  const a = JSON.stringify([...generateWorkload({ seed: 5, customers: 10, events: 100 })]);
  const b = JSON.stringify([...generateWorkload({ seed: 5, customers: 10, events: 100 })]);
  assert.equal(a, b);
});
