import type { CaseEffects, CaseLookup, JourneyConfig, JourneyEvent } from '../model/index.js';
import { applyCustomerEventAt } from './fold.js';
import { cloneCustomerRecord, createCustomerRecord, type CustomerRecord, type CustomersState } from './record.js';

export type { CustomerRecord, CustomersState, SentimentFact, SurveyAnswerFact } from './record.js';
export { cloneCustomerRecord, createCustomerRecord } from './record.js';
export { CUSTOMER_PROJECTIONS, type CustomerProjectionStates } from './registry.js';
export { applyCustomerEventAt } from './fold.js';

export * from './codes.js';

/** A `CaseLookup` with no cases (a tenant without the cases projection, or tests). */
export const NO_CASES: CaseLookup = { getCase: () => undefined, casesOfCustomer: () => [] };

// ---- container -------------------------------------------------------------------------------------

/** An empty per-tenant customers state. */
export function createCustomersState(): CustomersState {
  return { customers: new Map() };
}

/** A deep copy of the state (for snapshots): continuing either copy never affects the other. */
export function cloneCustomersState(state: CustomersState): CustomersState {
  const customers = new Map<string, CustomerRecord>();
  for (const [id, r] of state.customers) customers.set(id, cloneCustomerRecord(r));
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
    rec = createCustomerRecord(customerId);
    state.customers.set(customerId, rec);
  }
  return rec;
}
