import type { EventStore } from '@omnitrail/eventstore';
import { createEventRegistry, defineEventType, type CatalogEvent, type CatalogEventInput, type EventOfDefinition } from '@omnitrail/events';
import { z } from 'zod';
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import { createJourneyEngine, defineJourneyProjection, replayReport, type CallbacksSection, type OperationsViewName, type PendingCallback, type SlaBreach, type VoiceSection, type JourneyProjectionEvent, type StateOfJourneyProjection, type CaseSnapshot, type CaseView, type JourneyEngine, type RecordResult, type ReplayResult, type TenantFold, type TenantReport, type JourneyMemoryStats, type JourneyMemoryOptions } from '../src/index.js';
import type { CustomerRecord } from '../src/core/customers/index.js';
import type { CaseRecord } from '../src/core/cases/index.js';
import { anonymousThenMerged, createIdentityState, resolveIdentity, type IdentityState, foldLinkKeys, mergeReplayTallies, partitionEvents, replayResultOf, replayTally, type ReplayTally, type TenantTally, type ReplayEventLog, type SpilledEventReader } from '../src/internal.js';

describe('public type surface of @omnitrail/journey', () => {
  it('replayReport takes parsed events (a list or a replay event log) and returns the report sections', () => {
    expectTypeOf(replayReport).parameter(0).toHaveProperty('events').toEqualTypeOf<readonly CatalogEvent[] | ReplayEventLog>();
    expectTypeOf<ReplayEventLog['add']>().parameter(0).toEqualTypeOf<CatalogEvent>();
    expectTypeOf<SpilledEventReader['read']>().parameter(1).parameter(1).toEqualTypeOf<CatalogEvent>();
    expectTypeOf(replayReport).returns.toEqualTypeOf<ReplayResult>();
    expectTypeOf<ReplayResult['tenants']>().toEqualTypeOf<Record<string, TenantReport>>();
    expectTypeOf<TenantReport['metrics']['nps']['score']>().toEqualTypeOf<number | null>();
    expectTypeOf<TenantReport['cases']['open'][number]['waitingSince']>().toEqualTypeOf<string | null>();
  });

  it('a replay can be folded in parts: tallies of plain data that merge, then the report', () => {
    expectTypeOf(replayTally).returns.toEqualTypeOf<ReplayTally>();
    expectTypeOf(replayTally).parameter(0).toHaveProperty('bounds').toEqualTypeOf<{ minAt: number; maxAt: number } | undefined>();
    expectTypeOf(mergeReplayTallies).parameters.toEqualTypeOf<[ReplayTally, ReplayTally]>();
    expectTypeOf(replayResultOf).returns.toEqualTypeOf<ReplayResult>();
    expectTypeOf<ReplayTally['tenants']>().toEqualTypeOf<Record<string, TenantTally>>();
    expectTypeOf<TenantTally['cases']['firstResponseMs']>().toEqualTypeOf<number[]>();
    expectTypeOf(foldLinkKeys).returns.toEqualTypeOf<string[]>();
    expectTypeOf(partitionEvents).returns.toEqualTypeOf<CatalogEvent[][]>();
  });

  it('identity resolution works on a plain-data graph, and tells whether an anonymous customer was merged later', () => {
    expectTypeOf(createIdentityState).returns.toEqualTypeOf<IdentityState>();
    expectTypeOf(resolveIdentity).parameters.toEqualTypeOf<[IdentityState, CatalogEvent, number]>();
    expectTypeOf(anonymousThenMerged).parameters.toEqualTypeOf<[IdentityState, string, number, string]>();
    expectTypeOf(anonymousThenMerged).returns.toEqualTypeOf<boolean>();
  });

  it('the engine records unknown input and serves typed state streams', () => {
    expectTypeOf(createJourneyEngine).parameter(0).exclude<undefined>().toHaveProperty('store').toEqualTypeOf<EventStore | undefined>();
    expectTypeOf(createJourneyEngine()).toEqualTypeOf<JourneyEngine>();
    expectTypeOf<JourneyEngine['record']>().returns.resolves.toEqualTypeOf<RecordResult>();
    expectTypeOf<JourneyEngine['case$']>().returns.toEqualTypeOf<Observable<CaseSnapshot | undefined>>();
    // Views are frozen plain data: arrays and ISO instants, no Set, no epoch number.
    expectTypeOf<CaseSnapshot['channels']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<CaseSnapshot['openedAt']>().toEqualTypeOf<string>();
    expectTypeOf<CaseSnapshot['waitingSince']>().toEqualTypeOf<string | null>();
    expectTypeOf<JourneyEngine['getCase']>().returns.toEqualTypeOf<CaseSnapshot | undefined>();
    // @ts-expect-error a snapshot cannot be written to
    ({} as CaseSnapshot).status = 'closed';
    expectTypeOf<JourneyEngine['tenant$']>().returns.toEqualTypeOf<Observable<TenantFold | undefined>>();
    expectTypeOf<CaseView['status']>().toEqualTypeOf<'bot' | 'open' | 'pending_customer' | 'on_hold' | 'snoozed' | 'resolved' | 'closed' | 'merged'>();
  });
  it('host projections infer their state type and give typed state queries and streams', () => {
    const touchpoints = defineJourneyProjection({
      name: 'touchpoints',
      partitionBy: 'customer',
      initialState: () => ({ count: 0, channels: [] as string[] }),
      evolve: (s, e) => {
        expectTypeOf(e).toEqualTypeOf<JourneyProjectionEvent>();
        return { count: s.count + 1, channels: e.event.channel && !s.channels.includes(e.event.channel) ? [...s.channels, e.event.channel] : s.channels };
      },
      clone: false,
    });
    type State = { count: number; channels: string[] };
    expectTypeOf<StateOfJourneyProjection<typeof touchpoints>>().toEqualTypeOf<State>();
    const view = createJourneyEngine({ projections: [touchpoints], standardProjections: false }).projection(touchpoints);
    expectTypeOf(view.state('acme', 'cust-1')).toEqualTypeOf<State | undefined>();
    expectTypeOf(view.stateAt('acme', 'cust-1', 0)).toEqualTypeOf<State | undefined>();
    expectTypeOf(view.state$('acme', 'cust-1')).toEqualTypeOf<Observable<State | undefined>>();
    expectTypeOf(view.keys('acme')).toEqualTypeOf<string[]>();
    // @ts-expect-error partitionBy is one of the named partitionings or a function
    defineJourneyProjection({ name: 'x', partitionBy: 'store', initialState: () => 0, evolve: (s: number) => s });
  });

  it('types record() with the catalog: a misspelt type or a wrong data field does not compile', () => {
    const engine = createJourneyEngine();
    const base = { tenantId: 'acme', occurredAt: '2024-03-01T10:00:00Z', customerId: 'ann' } as const;
    // Valid: id, schemaVersion and actor may be left out; optional data fields too.
    void engine.record({ ...base, type: 'MessageReceived', channel: 'email', caseId: 'k1', data: { text: 'hi' } });
    void engine.record([{ ...base, type: 'PageViewed', channel: 'web', actor: { kind: 'customer' }, data: { url: '/' } }]);
    // @ts-expect-error a misspelt event type
    void engine.record({ ...base, type: 'MessageRecieved', data: { text: 'hi' } });
    // @ts-expect-error a data field of the wrong type
    void engine.record({ ...base, type: 'PageViewed', data: { url: 42 } });
    // @ts-expect-error a required data field missing
    void engine.record({ ...base, type: 'CallStarted', data: { direction: 'inbound' } });
    // @ts-expect-error an unknown channel
    void engine.record({ ...base, type: 'PageViewed', channel: 'fax', data: { url: '/' } });
    // Data of unknown shape (a webhook's body) is validated at run time.
    expectTypeOf(engine.recordUnknown).parameter(0).toEqualTypeOf<unknown>();
  });

  it('types record() with the host types of the engine\'s registry: a misspelt host type or wrong host data does not compile', () => {
    const LoyaltyPointsEarned = defineEventType({ type: 'LoyaltyPointsEarned', data: z.object({ points: z.number().int().positive(), program: z.string(), tier: z.string().default('basic') }) });
    const engine = createJourneyEngine({ registry: createEventRegistry([LoyaltyPointsEarned]) });
    const base = { tenantId: 'acme', occurredAt: '2024-03-01T10:00:00Z', customerId: 'ann' } as const;
    // Host types and catalog types both compile; a defaulted field of the host schema may be left out.
    void engine.record({ ...base, type: 'LoyaltyPointsEarned', data: { points: 10, program: 'gold' } });
    void engine.record([
      { ...base, type: 'LoyaltyPointsEarned', data: { points: 5, program: 'gold', tier: 'silver' } },
      { ...base, type: 'PageViewed', channel: 'web', data: { url: '/' } },
    ]);
    // @ts-expect-error a misspelt host type
    void engine.record({ ...base, type: 'LoyaltyPointEarned', data: { points: 10, program: 'gold' } });
    // @ts-expect-error host data of the wrong type
    void engine.record({ ...base, type: 'LoyaltyPointsEarned', data: { points: '10', program: 'gold' } });
    // @ts-expect-error a required host data field missing
    void engine.record({ ...base, type: 'LoyaltyPointsEarned', data: { points: 10 } });
    // @ts-expect-error a catalog type still checks its own data
    void engine.record({ ...base, type: 'PageViewed', data: { points: 10 } });
    // What record() gives back is typed with the host events too (the parsed form: the default filled in).
    type Loyalty = EventOfDefinition<typeof LoyaltyPointsEarned>;
    expectTypeOf(engine.record).returns.resolves.toEqualTypeOf<RecordResult<CatalogEvent | Loyalty>>();
    expectTypeOf<Loyalty['data']['tier']>().toEqualTypeOf<string>();
    // An engine of the catalog alone does not know the host type.
    // @ts-expect-error LoyaltyPointsEarned is not registered with this engine
    void createJourneyEngine().record({ ...base, type: 'LoyaltyPointsEarned', data: { points: 10, program: 'gold' } });
    expectTypeOf<Parameters<JourneyEngine['record']>[0]>().toEqualTypeOf<CatalogEventInput | readonly CatalogEventInput[]>();
    // A host projection folds the host events typed: narrowing on the host type gives its data.
    const points = defineJourneyProjection({
      name: 'points',
      partitionBy: 'customer',
      initialState: () => 0,
      evolve: (total, e: JourneyProjectionEvent<CatalogEvent | Loyalty>) => {
        if (e.event.type !== 'LoyaltyPointsEarned') return total;
        expectTypeOf(e.event.data).toEqualTypeOf<{ points: number; program: string; tier: string }>();
        return total + e.event.data.points;
      },
    });
    expectTypeOf<StateOfJourneyProjection<typeof points>>().toEqualTypeOf<number>();
    expectTypeOf(createJourneyEngine({ registry: createEventRegistry([LoyaltyPointsEarned]), projections: [points] }).projection(points).state('acme', 'ann')).toEqualTypeOf<number | undefined>();
  });

  it('bounded memory says what it holds and did, as frozen numbers; a fold reads every customer record as one', () => {
    expectTypeOf<ReturnType<JourneyEngine['memoryStats']>>().toEqualTypeOf<JourneyMemoryStats>();
    expectTypeOf<JourneyMemoryStats['horizonMs']>().toEqualTypeOf<number | null>();
    expectTypeOf<Pick<JourneyMemoryStats, 'packedRecords' | 'packedRecordBytes' | 'recordsPacked' | 'recordsUnpacked' | 'heldEvents' | 'evictedEvents'>>().toEqualTypeOf<{
      readonly packedRecords: number;
      readonly packedRecordBytes: number;
      readonly recordsPacked: number;
      readonly recordsUnpacked: number;
      readonly heldEvents: number;
      readonly evictedEvents: number;
    }>();
    expectTypeOf<Pick<JourneyMemoryStats, 'packedFactChunks' | 'packedFactChunkBytes'>>().toEqualTypeOf<{
      readonly packedFactChunks: number;
      readonly packedFactChunkBytes: number;
    }>();
    expectTypeOf<Pick<JourneyMemoryStats, 'packedCases' | 'packedCaseBytes' | 'spilledCases' | 'spilledCaseBytes'>>().toEqualTypeOf<{
      readonly packedCases: number;
      readonly packedCaseBytes: number;
      readonly spilledCases: number;
      readonly spilledCaseBytes: number;
    }>();
    expectTypeOf<Pick<JourneyMemoryStats, 'spilledRecords' | 'spilledRecordBytes' | 'spillFileBytes' | 'spillReads' | 'spillError'>>().toEqualTypeOf<{
      readonly spilledRecords: number;
      readonly spilledRecordBytes: number;
      readonly spillFileBytes: number;
      readonly spillReads: number;
      readonly spillError: string | null;
    }>();
    // Spilling is on by default; false keeps settled records in memory, or a directory says where.
    expectTypeOf<NonNullable<JourneyMemoryOptions['spill']>>().toEqualTypeOf<false | { directory?: string }>();
    // Packed or not, a fold's customers and cases are whole records (the packed forms are internal).
    expectTypeOf<TenantFold['cases']['cases']>().toEqualTypeOf<Map<string, CaseRecord>>();
    expectTypeOf<TenantFold['customers']['customers']>().toEqualTypeOf<Map<string, CustomerRecord>>();
  });

  it('the operational views are typed by name (issue 20)', () => {
    const engine = createJourneyEngine();
    expectTypeOf(engine.operations('t', 'voice')).toEqualTypeOf<VoiceSection>();
    expectTypeOf(engine.operations('t', 'callbacks', { asOf: 1 })).toEqualTypeOf<CallbacksSection>();
    expectTypeOf(engine.operations).parameter(1).toEqualTypeOf<OperationsViewName>();
    // @ts-expect-error: not a view's name
    engine.operations('t', 'queue');
    expectTypeOf(engine.callbacks$('t')).toEqualTypeOf<Observable<readonly PendingCallback[]>>();
    expectTypeOf(engine.slaBreaches$('t')).toEqualTypeOf<Observable<readonly SlaBreach[]>>();
  });
});
