import type { CaseEffects, CaseView, JourneyConfig, JourneyEvent } from '../model/index.js';
import { applyCustomerEventAt } from './fold.js';
import { cloneJourneyState, createJourneyState, type JourneyState } from '../journey-map/state.js';
import { cloneProfileState, createProfileState, type ProfileState } from '../customer-profile/state.js';
import { cloneChurnFacts, createChurnFacts, type ChurnFacts } from '../churn/state.js';

export * from './codes.js';

/** Read access to the cases projection, as the customer projections need it. */
export interface CaseLookup {
  getCase(caseId: string): CaseView | undefined;
  casesOfCustomer(customerId: string): readonly CaseView[];
  /**
   * For `identity_gap`: whether the customer an event was attributed to was then known only by identities
   * and took part in a merge after that event (identity's `anonymousThenMerged` on the fold's graph). Without
   * it, the journey map counts a gap when that customer is no longer the event's customer (merged into another).
   */
  anonymousThenMerged?(attributedCustomerId: string, at: number, eventId: string): boolean;
}

/** A `CaseLookup` with no cases (a tenant without the cases projection, or tests). */
export const NO_CASES: CaseLookup = { getCase: () => undefined, casesOfCustomer: () => [] };

/** A survey answer, as the profile, health and metrics read it. */
export interface SurveyAnswerFact {
  id: string;
  at: number;
  kind: 'csat' | 'nps' | 'ces';
  score: number;
}

/** A `SentimentScored` fact. */
export interface SentimentFact {
  id: string;
  at: number;
  score: number;
  targetEventId?: string;
}

/**
 * Everything the customer projections keep about one customer. The timeline is three parallel arrays (event
 * id, instant, packed code: type, channel, actor) so a customer costs a few machine words per event and
 * every time-dependent view can be recomputed at any `asOf`.
 */
export interface CustomerRecord {
  customerId: string;
  ids: string[];
  ats: number[];
  codes: number[];
  surveys: SurveyAnswerFact[];
  /** Instants of csat `SurveySent` (response-rate denominator). */
  csatSentAts: number[];
  sentiments: SentimentFact[];
  /** First `CustomerChurned` instant ("churned before X" only needs the first). */
  firstChurnAt: number | null;
  journey: JourneyState;
  profile: ProfileState;
  churn: ChurnFacts;
}

/** The per-tenant container of per-customer states, keyed by canonical customer id. */
export interface CustomersState {
  customers: Map<string, CustomerRecord>;
}

// ---- container -------------------------------------------------------------------------------------

/** An empty per-tenant customers state. */
export function createCustomersState(): CustomersState {
  return { customers: new Map() };
}

function createRecord(customerId: string): CustomerRecord {
  return {
    customerId,
    ids: [],
    ats: [],
    codes: [],
    surveys: [],
    csatSentAts: [],
    sentiments: [],
    firstChurnAt: null,
    journey: createJourneyState(),
    profile: createProfileState(),
    churn: createChurnFacts(),
  };
}

/** A deep copy of the state (for snapshots): continuing either copy never affects the other. */
export function cloneCustomersState(state: CustomersState): CustomersState {
  const customers = new Map<string, CustomerRecord>();
  for (const [id, r] of state.customers) {
    customers.set(id, {
      customerId: r.customerId,
      ids: r.ids.slice(),
      ats: r.ats.slice(),
      codes: r.codes.slice(),
      // facts are immutable once recorded, so the arrays are copied shallowly
      surveys: r.surveys.slice(),
      csatSentAts: r.csatSentAts.slice(),
      sentiments: r.sentiments.slice(),
      firstChurnAt: r.firstChurnAt,
      journey: cloneJourneyState(r.journey),
      profile: cloneProfileState(r.profile),
      churn: cloneChurnFacts(r.churn),
    });
  }
  return { customers };
}

/** The canonical ids of every customer in the state, in first-seen order. */
export function customerIds(state: CustomersState): Iterable<string> {
  return state.customers.keys();
}

/** One customer's record, if the state has seen them. */
export function getCustomer(state: CustomersState, customerId: string): CustomerRecord | undefined {
  return state.customers.get(customerId);
}

/**
 * Folds one event into the customer projections (journey map, profile, churn facts, metric facts). Call it
 * in `(occurredAt, id)` order, once per distinct event, after the cases projection produced `effects`.
 */
export function applyCustomerEvent(
  state: CustomersState,
  je: JourneyEvent,
  effects: CaseEffects,
  cases: CaseLookup,
  config: JourneyConfig,
): void {
  const rec = customerRecord(state, je.customerId);
  applyCustomerEventAt(rec, rec.ids.length, je, effects, cases, config);
}

/** The record of a customer, created (in first-seen order) when the state has not seen them yet. */
export function customerRecord(state: CustomersState, customerId: string): CustomerRecord {
  let rec = state.customers.get(customerId);
  if (rec === undefined) {
    rec = createRecord(customerId);
    state.customers.set(customerId, rec);
  }
  return rec;
}
