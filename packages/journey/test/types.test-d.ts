import type { EventStore } from '@omnitrail/eventstore';
import type { CatalogEvent } from '@omnitrail/events';
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createJourneyEngine,
  replayReport,
  type CaseView,
  type JourneyEngine,
  type RecordResult,
  type ReplayResult,
  type TenantFold,
  type TenantReport,
} from '../src/index.js';

describe('public type surface of @omnitrail/journey', () => {
  it('replayReport takes parsed events and returns the report sections', () => {
    expectTypeOf(replayReport).parameter(0).toHaveProperty('events').toEqualTypeOf<readonly CatalogEvent[]>();
    expectTypeOf(replayReport).returns.toEqualTypeOf<ReplayResult>();
    expectTypeOf<ReplayResult['tenants']>().toEqualTypeOf<Record<string, TenantReport>>();
    expectTypeOf<TenantReport['metrics']['nps']['score']>().toEqualTypeOf<number | null>();
    expectTypeOf<TenantReport['cases']['open'][number]['waitingSince']>().toEqualTypeOf<string | null>();
  });

  it('the engine records unknown input and serves typed state streams', () => {
    expectTypeOf(createJourneyEngine).parameter(0).exclude<undefined>().toHaveProperty('store').toEqualTypeOf<EventStore | undefined>();
    expectTypeOf(createJourneyEngine).returns.toEqualTypeOf<JourneyEngine>();
    expectTypeOf<JourneyEngine['record']>().returns.resolves.toEqualTypeOf<RecordResult>();
    expectTypeOf<JourneyEngine['case$']>().returns.toEqualTypeOf<Observable<CaseView | undefined>>();
    expectTypeOf<JourneyEngine['tenant$']>().returns.toEqualTypeOf<Observable<TenantFold | undefined>>();
    expectTypeOf<CaseView['status']>().toEqualTypeOf<'bot' | 'open' | 'pending_customer' | 'on_hold' | 'snoozed' | 'resolved' | 'closed' | 'merged'>();
  });
});
