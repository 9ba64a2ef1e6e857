import { churnFactsProjection } from '../churn/state.js';
import { customerProfileProjection } from '../customer-profile/state.js';
import { journeyMapProjection } from '../journey-map/state.js';
import type { StateOfCustomerProjection } from '../model/index.js';

/**
 * The standard projections folded per customer, in the order each event goes through them, by the field of
 * the customer record that holds each one's state. Adding one is a folder with its module and one line here;
 * the record's type, snapshots and both drivers follow from this list.
 */
export const CUSTOMER_PROJECTIONS = [journeyMapProjection, customerProfileProjection, churnFactsProjection] as const;

type Registered = (typeof CUSTOMER_PROJECTIONS)[number];

/** Each per-customer projection's state, under its key: part of every customer record. */
export type CustomerProjectionStates = { [P in Registered as P['key']]: StateOfCustomerProjection<P> };
