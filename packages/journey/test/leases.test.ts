import { createInMemoryEventStore, type DocumentStore } from '@omnitrail/eventstore';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLeaseKeeper, leaseKey, LeaseOptionsError, type LeaseKeeper } from '../src/live/leases/index.js';

function fakeClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

function sharedDocuments(): DocumentStore {
  return createInMemoryEventStore().documents;
}

describe('leases on store.documents', () => {
  it('acquires a free lease, refuses it to another worker until it expires, then lets it be taken over', async () => {
    const documents = sharedDocuments();
    const clock = fakeClock();
    const a = createLeaseKeeper({ documents, owner: 'a', leaseMs: 100, clock: clock.now });
    const b = createLeaseKeeper({ documents, owner: 'b', leaseMs: 100, clock: clock.now });

    const first = await a.acquire('tenant:t1');
    expect(first.status).toBe('held');
    expect(first.lease).toMatchObject({ name: 'tenant:t1', owner: 'a', expiresAt: 1_100 });
    expect(a.holds('tenant:t1')).toBe(true);

    clock.advance(99);
    const refused = await b.acquire('tenant:t1');
    expect(refused).toMatchObject({ status: 'taken', lease: { owner: 'a', expiresAt: 1_100 } });
    expect(b.holds('tenant:t1')).toBe(false);

    clock.advance(1);
    expect(a.holds('tenant:t1')).toBe(false);
    const takeover = await b.acquire('tenant:t1');
    expect(takeover).toMatchObject({ status: 'held', lease: { owner: 'b', expiresAt: 1_200 } });
    expect(takeover.lease.version > first.lease.version).toBe(true);

    // The old holder's renew fails: the version it wrote is gone, and it learns who holds the lease.
    expect(await a.renew('tenant:t1')).toMatchObject({ status: 'taken', lease: { owner: 'b' } });
    expect(a.holds('tenant:t1')).toBe(false);
    expect(await a.release('tenant:t1')).toBe(false);
    expect(await a.read('tenant:t1')).toMatchObject({ owner: 'b', expiresAt: 1_200 });
  });

  it('renews a held lease to a later expiry and releases it so another worker can take it at once', async () => {
    const documents = sharedDocuments();
    const clock = fakeClock();
    const a = createLeaseKeeper({ documents, owner: 'a', leaseMs: 100, clock: clock.now });
    const b = createLeaseKeeper({ documents, owner: 'b', leaseMs: 100, clock: clock.now });
    await a.acquire('x');
    clock.advance(60);
    expect(await a.renew('x')).toMatchObject({ status: 'held', lease: { owner: 'a', expiresAt: 1_160 } });
    clock.advance(60);
    expect(a.holds('x')).toBe(true);
    expect(await b.acquire('x')).toMatchObject({ status: 'taken' });
    expect(await a.release('x')).toBe(true);
    expect(a.holds('x')).toBe(false);
    expect(await a.read('x')).toBeUndefined();
    expect(await b.acquire('x')).toMatchObject({ status: 'held', lease: { owner: 'b' } });
    // A renew of a lease never held answers undefined.
    expect(await a.renew('x')).toBeUndefined();
  });

  it('lets exactly one of two racing workers win a free lease', async () => {
    const documents = sharedDocuments();
    const clock = fakeClock();
    const keepers = ['a', 'b', 'c'].map((owner) => createLeaseKeeper({ documents, owner, leaseMs: 50, clock: clock.now }));
    const outcomes = await Promise.all(keepers.map((keeper) => keeper.acquire('race')));
    const winners = outcomes.filter((outcome) => outcome.status === 'held');
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) expect(outcome.lease.owner).toBe(winners[0]!.lease.owner);
    expect(keepers.filter((keeper) => keeper.holds('race'))).toHaveLength(1);
  });

  it('rejects bad options naming the field, and a lease document somebody else wrote', async () => {
    const documents = sharedDocuments();
    expect(() => createLeaseKeeper({ documents, owner: '', leaseMs: 10 })).toThrow(/'owner'/);
    expect(() => createLeaseKeeper({ documents, owner: 'a', leaseMs: 0 })).toThrow(LeaseOptionsError);
    expect(() => createLeaseKeeper({ documents, owner: 'a', leaseMs: 1.5 })).toThrow(/'leaseMs'/);
    expect(() => createLeaseKeeper({ documents: {} as DocumentStore, owner: 'a', leaseMs: 10 })).toThrow(/'documents'/);
    const a = createLeaseKeeper({ documents, owner: 'a', leaseMs: 10 });
    await expect(a.acquire('')).rejects.toThrow(/'name'/);
    await documents.write(leaseKey('odd'), new TextEncoder().encode('{"who":1}'), { expectedVersion: 'absent' });
    await expect(a.acquire('odd')).rejects.toMatchObject({ code: 'CORRUPT_LEASE' });
  });

  // Several simulated workers share one store and one fake clock; each step runs some of them at once
  // (acquire, renew or release, racing on the CAS) or moves the clock; stopped workers do nothing more.
  type Step =
    | { kind: 'ops'; ops: { worker: number; op: 'acquire' | 'renew' | 'release' }[] }
    | { kind: 'tick'; ms: number }
    | { kind: 'stop'; worker: number };
  const WORKERS = 4;
  const LEASE_MS = 100;
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('ops' as const), ops: fc.array(fc.record({ worker: fc.nat(WORKERS - 1), op: fc.constantFrom('acquire' as const, 'acquire' as const, 'renew' as const, 'release' as const) }), { minLength: 1, maxLength: 4 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 60 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), worker: fc.nat(WORKERS - 1) }) },
  );

  it('never lets two workers hold a lease at the same instant, and a stopped holder is taken over within the lease time (property)', async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        const documents = sharedDocuments();
        const clock = fakeClock();
        const keepers: LeaseKeeper[] = Array.from({ length: WORKERS }, (_, i) => createLeaseKeeper({ documents, owner: `w${i}`, leaseMs: LEASE_MS, clock: clock.now }));
        const stopped = new Set<number>();
        const holders = (): number[] => keepers.flatMap((keeper, i) => (!stopped.has(i) && keeper.holds('L') ? [i] : []));
        for (const step of steps) {
          if (step.kind === 'tick') clock.advance(step.ms);
          else if (step.kind === 'stop') stopped.add(step.worker);
          else await Promise.all(step.ops.filter(({ worker }) => !stopped.has(worker)).map(({ worker, op }) => keepers[worker]![op]('L')));
          // Safety: at this instant at most one worker (stopped ones included: they may still believe) holds it.
          expect(keepers.filter((keeper) => keeper.holds('L')).length).toBeLessThanOrEqual(1);
          expect(holders().length).toBeLessThanOrEqual(1);
        }
        // Liveness: stop whoever holds it now; a live worker trying every 10 ms holds it within the lease time.
        const live = keepers.findIndex((_, i) => !stopped.has(i) && !keepers[i]!.holds('L'));
        if (live < 0) return;
        for (const [i, keeper] of keepers.entries()) if (i !== live && keeper.holds('L')) stopped.add(i);
        const stoppedAt = clock.now();
        while (!keepers[live]!.holds('L')) {
          await keepers[live]!.acquire('L');
          if (keepers[live]!.holds('L')) break;
          expect(clock.now() - stoppedAt).toBeLessThanOrEqual(LEASE_MS);
          clock.advance(10);
        }
        expect(keepers.filter((keeper) => keeper.holds('L'))).toEqual([keepers[live]]);
      }),
      fcParameters({ numRuns: 150 }),
    );
  });
});
