import type { CaseEffects, CaseView, JourneyConfig, JourneyEvent } from '../model/index.js';
import type { EventOf } from '@omnitrail/events';
import { packTypedCode, typeCode, TYPE_CODE } from './codes.js';
import { applyJourneyEvent, cloneJourneyState, createJourneyState, type JourneyState } from '../journey-map/state.js';
import { applyProfileEvent, cloneProfileState, createProfileState, type ProfileState } from '../customer-profile/state.js';
import { applyChurnFacts, cloneChurnFacts, createChurnFacts, type ChurnFacts } from '../churn/state.js';

export * from './codes.js';

/** Read access to the cases projection, as the customer projections need it. */
export interface CaseLookup {
  getCase(caseId: string): CaseView | undefined;
  casesOfCustomer(customerId: string): readonly CaseView[];
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
  let rec = state.customers.get(je.customerId);
  if (rec === undefined) {
    rec = createRecord(je.customerId);
    state.customers.set(je.customerId, rec);
  }
  const e = je.event;
  // The type is mapped to its code once here and passed down to every sub-fold.
  const t = typeCode(e.type);
  rec.ids.push(e.id);
  rec.ats.push(je.at);
  rec.codes.push(packTypedCode(t, e.channel, e.actor.kind));

  switch (t) {
    case TYPE_CODE.SurveyAnswered: {
      const d = (e as EventOf<'SurveyAnswered'>).data;
      rec.surveys.push({ id: e.id, at: je.at, kind: d.kind, score: d.score });
      break;
    }
    case TYPE_CODE.SurveySent:
      if ((e as EventOf<'SurveySent'>).data.kind === 'csat') rec.csatSentAts.push(je.at);
      break;
    case TYPE_CODE.SentimentScored: {
      const d = (e as EventOf<'SentimentScored'>).data;
      const s: SentimentFact = { id: e.id, at: je.at, score: d.score };
      if (d.targetEventId !== undefined) s.targetEventId = d.targetEventId;
      rec.sentiments.push(s);
      break;
    }
    case TYPE_CODE.CustomerChurned:
      if (rec.firstChurnAt === null) rec.firstChurnAt = je.at;
      break;
    default:
      break;
  }

  applyJourneyEvent(rec.journey, rec, rec.ids.length - 1, je, t, effects, cases, config);
  applyProfileEvent(rec.profile, je, t);
  applyChurnFacts(rec.churn, je, t, effects, config);
}
