import { CUSTOMER_PROJECTIONS, type CustomerProjectionStates } from './registry.js';

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
  /** `SentimentScored.severity` (1..5) when given; health reads an absent one as 3. */
  severity?: number;
  targetEventId?: string;
}

/**
 * Everything the customer projections keep about one customer. The timeline is three parallel arrays (event
 * id, instant, packed code: type, channel, actor) so a customer costs a few machine words per event and
 * every time-dependent view can be recomputed at any `asOf`. The facts the metrics read sit next to it, and
 * each per-customer projection of the registry (`CUSTOMER_PROJECTIONS`) has its state under its key.
 */
export interface CustomerRecord extends CustomerProjectionStates {
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
}

/** The per-tenant container of per-customer states, keyed by canonical customer id. */
export interface CustomersState {
  customers: Map<string, CustomerRecord>;
}

type ProjectionFields = Record<string, unknown>;

/** A new customer's record: empty timeline and facts, each registered projection's initial state. */
export function createCustomerRecord(customerId: string): CustomerRecord {
  const rec = {
    customerId,
    ids: [],
    ats: [],
    codes: [],
    surveys: [],
    csatSentAts: [],
    sentiments: [],
    firstChurnAt: null,
  } as unknown as CustomerRecord;
  for (const p of CUSTOMER_PROJECTIONS) (rec as unknown as ProjectionFields)[p.key] = p.create();
  return rec;
}

/** A deep copy of a record (for snapshots). */
export function cloneCustomerRecord(r: CustomerRecord): CustomerRecord {
  const copy = {
    customerId: r.customerId,
    ids: r.ids.slice(),
    ats: r.ats.slice(),
    codes: r.codes.slice(),
    // facts are immutable once recorded, so the arrays are copied shallowly
    surveys: r.surveys.slice(),
    csatSentAts: r.csatSentAts.slice(),
    sentiments: r.sentiments.slice(),
    firstChurnAt: r.firstChurnAt,
  } as unknown as CustomerRecord;
  const from = r as unknown as ProjectionFields;
  for (const p of CUSTOMER_PROJECTIONS) (copy as unknown as ProjectionFields)[p.key] = (p.clone as (s: unknown) => unknown)(from[p.key]);
  return copy;
}
