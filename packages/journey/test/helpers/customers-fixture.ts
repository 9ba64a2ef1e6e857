import { parseEventOrThrow, type CatalogEvent, type Channel } from '@omnitrail/events';
import type { CaseEffects, CaseLookup, CaseView, JourneyConfig, JourneyEvent } from '../../src/core/model/index.js';
import { applyCustomerEvent, createCustomersState, type CustomersState } from '../../src/core/customers/index.js';
import { defaultJourneyConfig } from '../../src/core/config/index.js';

export const T0 = Date.parse('2024-03-01T10:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

let seq = 0;

/** A raw event input: everything optional except `type`. */
export interface RawInput {
  type: string;
  id?: string;
  at?: number;
  customerId?: string;
  /** The attributed customer before merges (defaults to customerId). */
  attributedTo?: string;
  channel?: Channel;
  caseId?: string;
  actor?: string;
  identities?: { type: string; value: string; verified?: boolean }[];
  /** The event names no customer: it carries a device identity only (resolved, not identified by the host). */
  anonymous?: boolean;
  data?: Record<string, unknown>;
}

/** Parses a raw event through the real schemas and wraps it as a JourneyEvent. */
export function je(raw: RawInput): JourneyEvent {
  const id = raw.id ?? `e${String(++seq).padStart(6, '0')}`;
  const input: Record<string, unknown> = {
    id,
    type: raw.type,
    tenantId: 't1',
    occurredAt: new Date(raw.at ?? T0).toISOString(),
    data: raw.data ?? {},
  };
  if (raw.anonymous) input.identities = [{ type: 'device_id', value: `dev-${raw.attributedTo ?? 'anon'}` }];
  else input.customerId = raw.customerId ?? 'c1';
  if (raw.channel !== undefined) input.channel = raw.channel;
  if (raw.caseId !== undefined) input.caseId = raw.caseId;
  if (raw.actor !== undefined) input.actor = { kind: raw.actor };
  if (raw.identities !== undefined) input.identities = raw.identities;
  const event = parseEventOrThrow(input) as CatalogEvent;
  const customerId = raw.customerId ?? 'c1';
  return { event, at: Date.parse(event.occurredAt), customerId, attributedCustomerId: raw.attributedTo ?? customerId };
}

/** A step of a hand-built fold: the event and what the cases projection said about it. */
export interface Step {
  je: JourneyEvent;
  effects?: CaseEffects;
}

/** A mutable fake of the cases projection. */
export interface FakeCases extends CaseLookup {
  cases: Map<string, CaseView>;
  put(c: Partial<CaseView> & { caseId: string }): CaseView;
}

export function fakeCases(): FakeCases {
  const cases = new Map<string, CaseView>();
  return {
    cases,
    getCase: (id) => cases.get(id),
    casesOfCustomer: (cid) => [...cases.values()].filter((c) => c.customerId === cid),
    put(c) {
      const full = caseView(c);
      cases.set(full.caseId, full);
      return full;
    },
  };
}

/** A CaseView with sensible defaults. */
export function caseView(c: Partial<CaseView> & { caseId: string }): CaseView {
  return {
    tenantId: 't1',
    customerId: 'c1',
    attributedCustomerId: c.customerId ?? 'c1',
    status: 'open',
    handledBy: 'human',
    openedAt: T0,
    openedEventId: `open-${c.caseId}`,
    openedBy: 'explicit',
    channels: new Set<Channel>(),
    reopenCount: 0,
    waitingSince: null,
    firstResponseAt: null,
    resolvedAt: null,
    closedAt: null,
    snoozedUntil: null,
    hasFollowUp: false,
    lastActivityAt: c.openedAt ?? T0,
    cycleStart: c.openedAt ?? T0,
    firstResponseClockStart: c.openedAt ?? T0,
    resolutions: [],
    customerMessageAfterFirstReply: false,
    ...c,
  };
}

/** Folds the steps (already in order) into a fresh state. */
export function fold(steps: readonly (Step | JourneyEvent)[], cases: CaseLookup = fakeCases(), config: JourneyConfig = defaultJourneyConfig): CustomersState {
  const state = createCustomersState();
  for (const s of steps) {
    const step: Step = 'je' in s ? s : { je: s };
    applyCustomerEvent(state, step.je, step.effects ?? {}, cases, config);
  }
  return state;
}

/** Continues folding into an existing state. */
export function foldInto(state: CustomersState, steps: readonly (Step | JourneyEvent)[], cases: CaseLookup = fakeCases(), config: JourneyConfig = defaultJourneyConfig): CustomersState {
  for (const s of steps) {
    const step: Step = 'je' in s ? s : { je: s };
    applyCustomerEvent(state, step.je, step.effects ?? {}, cases, config);
  }
  return state;
}
