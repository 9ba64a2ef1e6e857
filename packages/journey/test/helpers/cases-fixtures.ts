import { defaultJourneyConfig } from '../../src/core/config/index.js';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import type { CaseEffects, JourneyConfig, JourneyEvent } from '../../src/core/model/index.js';
import { applyCaseEvent, createCasesState, type CasesState } from '../../src/core/cases/index.js';

export const T0 = Date.parse('2024-03-01T10:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** ISO instant `ms` after T0. */
export function iso(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

/** The library's default configuration with overrides, for tests. */
export function testConfig(overrides: Partial<JourneyConfig> = {}): JourneyConfig {
  return { ...defaultJourneyConfig, ...overrides };
}

let seq = 0;
/** Raw event input with test defaults: tenant `t1`, customer `c1`, an increasing id, time T0 + `t`. */
export interface RawCaseEvent {
  type: string;
  t?: number;
  id?: string;
  caseId?: string;
  customerId?: string;
  channel?: string;
  actor?: { kind: string; id?: string };
  identities?: { type: string; value: string; verified?: boolean }[];
  data?: Record<string, unknown>;
  tenantId?: string;
}

/** Parses a raw test event with `parseEventOrThrow` (defaults applied as in production). */
export function ev(raw: RawCaseEvent): CatalogEvent {
  const { t = 0, id, data = {}, tenantId = 't1', customerId, identities, ...rest } = raw;
  const input: Record<string, unknown> = {
    ...rest,
    id: id ?? `e${String(++seq).padStart(6, '0')}`,
    tenantId,
    occurredAt: iso(t),
    data,
  };
  if (identities !== undefined) input.identities = identities;
  if (customerId !== undefined || identities === undefined) input.customerId = customerId ?? 'c1';
  return parseEventOrThrow(input);
}

/** A JourneyEvent whose customer is the event's own `customerId` (no identity resolution). */
export function je(event: CatalogEvent): JourneyEvent {
  const c = event.customerId ?? 'anon';
  return { event, at: Date.parse(event.occurredAt), customerId: c, attributedCustomerId: c };
}

/** Sorts by (occurredAt, id) like the replay does. */
export function sortEvents<E extends { event: CatalogEvent; at: number }>(list: E[]): E[] {
  return list.slice().sort((a, b) => a.at - b.at || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
}

/** Folds raw events (sorted first) into a fresh cases state; returns the state and each event's effects. */
export function foldCases(raws: RawCaseEvent[], config: JourneyConfig = testConfig(), state: CasesState = createCasesState()) {
  const events = sortEvents(raws.map((r) => je(ev(r))));
  const effects: CaseEffects[] = [];
  for (const e of events) effects.push(applyCaseEvent(state, e, config));
  return { state, effects, events };
}
