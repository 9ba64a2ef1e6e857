import type { Channel } from '@omnitrail/events';
import type { JourneyRates, RawEvent } from '@omnitrail/workload';

/** A range of sizes, both ends included. */
export interface SizeRange {
  min?: number;
  max?: number;
}

/** Options of `journeyArbitrary`. */
export interface JourneyOptions {
  /** Tenant of the journey. Default `tenant-a`. */
  tenantId?: string;
  /** Customer id (host id). Default `cust-1`. */
  customerId?: string;
  /** Conversation channels the customer writes on. Default: email, web_chat, whatsapp, sms, messenger, in_app_chat, voice, instagram_dm. */
  channels?: readonly Channel[];
  /** Probabilities, merged over `DEFAULT_JOURNEY_RATES`. */
  rates?: Partial<JourneyRates>;
  /** Events per customer: journeys have at least `min` steps and are cut after `max` events. Default 1-40. */
  eventsPerCustomer?: SizeRange;
  /** The earliest instant of the journey (ISO string, Date or ms). Default `2024-01-01T00:00:00Z`. */
  start?: string | number | Date;
  /** Journeys start at a generated offset within this many ms after `start`. Default 30 days. */
  startSpreadMs?: number;
  /** Another customer's device id this customer also uses (a shared device); set by `tenantJourneysArbitrary`. */
  sharedDeviceId?: string;
}

/** One customer's generated journey: valid raw events in causal (time) order. */
export interface Journey {
  tenantId: string;
  customerId: string;
  events: RawEvent[];
}
