import { z } from 'zod';
import { describe, expectTypeOf, it } from 'vitest';
import {
  catalogRegistry,
  createEventRegistry,
  defineEventType,
  type CatalogEventInput,
  type EventInputOfDefinition,
  type InputOfEvents,
  parseEvent,
  parseEventOrThrow,
  type Actor,
  type CatalogEvent,
  type CatalogEventType,
  type Channel,
  type EventData,
  type EventOf,
  type ParseEventResult,
  type ValidationError,
  type ValidationIssue,
} from '../src/index.js';

describe('public types of @omnitrail/events', () => {
  it('catalog events are typed from their schemas', () => {
    expectTypeOf<EventOf<'OrderPlaced'>['data']['amount']>().toEqualTypeOf<number>();
    expectTypeOf<EventOf<'OrderPlaced'>['data']['currency']>().toEqualTypeOf<string>();
    expectTypeOf<EventOf<'OrderPlaced'>['data']['salesChannel']>().toEqualTypeOf<'web' | 'app' | 'store' | 'phone' | 'marketplace'>();
    expectTypeOf<EventOf<'OrderPlaced'>['type']>().toEqualTypeOf<'OrderPlaced'>();
    expectTypeOf<EventData<'SurveyAnswered'>['score']>().toEqualTypeOf<number>();
    expectTypeOf<EventData<'SurveyAnswered'>['kind']>().toEqualTypeOf<'csat' | 'nps' | 'ces'>();
    expectTypeOf<EventData<'MessageReceived'>['public']>().toEqualTypeOf<boolean>();
    expectTypeOf<EventData<'MessageReceived'>['text']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<EventData<'CaseOpened'>['handledBy']>().toEqualTypeOf<'human' | 'bot'>();
    expectTypeOf<EventData<'CaseStatusChanged'>['to']>().toEqualTypeOf<'open' | 'pending_customer' | 'on_hold' | 'snoozed'>();
    expectTypeOf<EventOf<'CaseClosed'>['caseId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<CatalogEvent['type']>().toEqualTypeOf<CatalogEventType>();
  });

  it('envelope fields', () => {
    expectTypeOf<CatalogEvent['id']>().toEqualTypeOf<string>();
    expectTypeOf<CatalogEvent['occurredAt']>().toEqualTypeOf<string>();
    expectTypeOf<CatalogEvent['schemaVersion']>().toEqualTypeOf<number>();
    expectTypeOf<CatalogEvent['actor']>().toEqualTypeOf<Actor>();
    expectTypeOf<CatalogEvent['channel']>().toEqualTypeOf<Channel | undefined>();
    expectTypeOf<Actor['kind']>().toEqualTypeOf<'customer' | 'agent' | 'bot' | 'automation' | 'system'>();
  });

  it('parseEvent options', () => {
    expectTypeOf(parseEvent({}, { uniformShape: true })).toEqualTypeOf<ParseEventResult<CatalogEvent>>();
    expectTypeOf<NonNullable<Parameters<typeof parseEvent>[1]>['uniformShape']>().toEqualTypeOf<boolean | undefined>();
  });

  it('parseEvent returns a discriminated result', () => {
    const r = parseEvent({});
    expectTypeOf(r).toEqualTypeOf<ParseEventResult<CatalogEvent>>();
    if (r.success) {
      expectTypeOf(r.event).toEqualTypeOf<CatalogEvent>();
      if (r.event.type === 'OrderPlaced') expectTypeOf(r.event.data.amount).toEqualTypeOf<number>();
    } else {
      expectTypeOf(r.error).toEqualTypeOf<ValidationError>();
      expectTypeOf(r.error.issues).toEqualTypeOf<readonly ValidationIssue[]>();
    }
    expectTypeOf(parseEventOrThrow({})).toEqualTypeOf<CatalogEvent>();
  });

  it('host-registered types are typed from their schema', () => {
    const Loyalty = defineEventType({ type: 'LoyaltyPointsEarned', data: z.object({ points: z.number() }) });
    expectTypeOf(Loyalty.type).toEqualTypeOf<'LoyaltyPointsEarned'>();
    const registry = createEventRegistry([Loyalty]);
    const r = parseEvent({}, { registry });
    if (r.success) {
      expectTypeOf(r.event.type).toEqualTypeOf<CatalogEventType | 'LoyaltyPointsEarned'>();
      if (r.event.type === 'LoyaltyPointsEarned') expectTypeOf(r.event.data.points).toEqualTypeOf<number>();
    }
  });

  it('a registry carries the input form of its events: the catalog\'s inputs and its host types\' schema inputs', () => {
    const Loyalty = defineEventType({ type: 'LoyaltyPointsEarned', data: z.object({ points: z.number(), tier: z.string().default('basic') }) });
    const registry = createEventRegistry([Loyalty]);
    type Input = NonNullable<(typeof registry)['__input']>;
    expectTypeOf<Extract<Input, { type: 'LoyaltyPointsEarned' }>>().toEqualTypeOf<EventInputOfDefinition<typeof Loyalty>>();
    expectTypeOf<Extract<Input, { type: 'LoyaltyPointsEarned' }>['data']>().toEqualTypeOf<{ points: number; tier?: string | undefined }>();
    expectTypeOf<Exclude<Input, { type: 'LoyaltyPointsEarned' }>>().toEqualTypeOf<CatalogEventInput>();
    expectTypeOf<NonNullable<(typeof catalogRegistry)['__input']>>().toEqualTypeOf<CatalogEventInput>();
    expectTypeOf<InputOfEvents<CatalogEvent>>().toEqualTypeOf<CatalogEventInput>();
    // A registry with host types is still accepted where any registry is (parseEvent's options).
    expectTypeOf(parseEvent).parameter(1).exclude<undefined>().toHaveProperty('registry');
    parseEvent({}, { registry: registry.with(defineEventType({ type: 'More', data: z.object({}) })) });
  });
});
