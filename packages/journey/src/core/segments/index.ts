/**
 * Customer segments (operations.md, segments): the at-risk customers (red health band at `asOf`) with what a
 * team needs to reach out, and the filtered lists of `omnitrail segment`. A view of the fold at `asOf`
 * (health, journey stage, orders, identities): its tenant-wide projection keeps no state of its own.
 */
import type { Channel } from '@omnitrail/events';
import { customerHealth, type CustomerHealth, type HealthBand } from '../churn/index.js';
import { codeActor, codeChannel, isActivityCode, type CustomerRecord, type CustomersState } from '../customers/index.js';
import { stageAt } from '../journey-map/index.js';
import type { JourneyStage } from '../journey-map/state.js';
import type { CaseLookup, JourneyConfig, TenantProjection } from '../model/index.js';

const DAY_MS = 86_400_000;

/** One at-risk customer (operations.md): the report's and the engine's row. */
export interface AtRiskCustomer {
  customerId: string;
  /** Health score at `asOf`, unrounded. */
  score: number;
  /** Journey stage at `asOf`. */
  stage: JourneyStage | null;
  /** The customer's latest event at or before `asOf` (ISO). */
  lastSeenAt: string;
  /** Lifetime value per currency: orders minus returned amounts, cancelled orders left out, keys sorted. */
  value: Record<string, number>;
  /** The (up to) three signals that pull the score down most, largest first. */
  signals: string[];
}

/** A customer of a segment: the at-risk fields, the band, and the email and phone identities to reach them. */
export interface SegmentCustomer extends Omit<AtRiskCustomer, 'score'> {
  /** `null` when no signal applies (band `na`). */
  score: number | null;
  band: HealthBand;
  /** Email and phone identities seen at or before `asOf`, sorted. */
  emails: string[];
  phones: string[];
}

/** The filters of `omnitrail segment`: a customer matches every one given. */
export interface SegmentFilter {
  band?: Exclude<HealthBand, 'na'>;
  stage?: JourneyStage;
  /** No activity in the last `inactiveDays` days before `asOf` (at least that long since the latest activity). */
  inactiveDays?: number;
  /** At least one inbound touchpoint (an event by the customer) on this channel at or before `asOf`. */
  channel?: Channel;
}

/** What the segments read of a fold at `asOf` (a `TenantFold` has all of it). */
export interface SegmentsInput {
  customers: CustomersState;
  caseLookup: CaseLookup;
  config: JourneyConfig;
}

/** The three signals with the largest weighted shortfall `weight × (100 − score)`, ties by name; none at 100. */
export function largestNegativeSignals(health: CustomerHealth, count = 3): string[] {
  return health.contributions
    .filter((c) => c.score < 100)
    .map((c) => ({ signal: c.signal, pull: c.weight * (100 - c.score) }))
    .sort((a, b) => b.pull - a.pull || (a.signal < b.signal ? -1 : a.signal > b.signal ? 1 : 0))
    .slice(0, count)
    .map((c) => c.signal);
}

/** Lifetime value per currency at `asOf`, keys sorted (as the profile computes it). */
export function lifetimeValueAt(rec: CustomerRecord, asOf: number): Record<string, number> {
  const value: Record<string, number> = {};
  for (const o of rec.profile.orders) {
    if (o.at > asOf) continue;
    value[o.currency] = (value[o.currency] ?? 0) + (o.cancelled ? 0 : o.amount - o.returned);
  }
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function lastIndexAtOrBefore(rec: CustomerRecord, asOf: number): number {
  let i = rec.ats.length - 1;
  while (i >= 0 && rec.ats[i]! > asOf) i--;
  return i;
}

function segmentCustomer(input: SegmentsInput, rec: CustomerRecord, asOf: number, band: SegmentFilter['band']): SegmentCustomer | undefined {
  const last = lastIndexAtOrBefore(rec, asOf);
  if (last < 0) return undefined;
  const health = customerHealth(input.customers, rec.customerId, asOf, input.caseLookup, input.config)!;
  // The band is known first: the rest of the row is built only for the customers it keeps.
  if (band !== undefined && health.band !== band) return undefined;
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const i of rec.profile.identities.values()) {
    if (i.firstSeen > asOf) continue;
    if (i.type === 'email') emails.add(i.value);
    else if (i.type === 'phone') phones.add(i.value);
  }
  return {
    customerId: rec.customerId,
    score: health.score,
    band: health.band,
    stage: stageAt(rec, asOf)?.stage ?? null,
    lastSeenAt: new Date(rec.ats[last]!).toISOString(),
    value: lifetimeValueAt(rec, asOf),
    signals: largestNegativeSignals(health),
    emails: [...emails].sort(),
    phones: [...phones].sort(),
  };
}

function matches(rec: CustomerRecord, row: SegmentCustomer, asOf: number, f: SegmentFilter): boolean {
  if (f.band !== undefined && row.band !== f.band) return false;
  if (f.stage !== undefined && row.stage !== f.stage) return false;
  if (f.inactiveDays !== undefined || f.channel !== undefined) {
    let lastActivity = -Infinity;
    let onChannel = f.channel === undefined;
    for (let i = lastIndexAtOrBefore(rec, asOf); i >= 0; i--) {
      const code = rec.codes[i]!;
      if (lastActivity === -Infinity && isActivityCode(code)) lastActivity = rec.ats[i]!;
      if (!onChannel && codeActor(code) === 'customer' && codeChannel(code) === f.channel) onChannel = true;
      if (onChannel && (f.inactiveDays === undefined || lastActivity !== -Infinity)) break;
    }
    if (!onChannel) return false;
    if (f.inactiveDays !== undefined && asOf - lastActivity < f.inactiveDays * DAY_MS) return false;
  }
  return true;
}

function byScoreThenId(a: { score: number | null; customerId: string }, b: { score: number | null; customerId: string }): number {
  if (a.score !== b.score) {
    if (a.score === null) return 1;
    if (b.score === null) return -1;
    return a.score - b.score;
  }
  return a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0;
}

/**
 * The customers seen at or before `asOf` that match every filter, with their email and phone identities,
 * sorted by score ascending (no score last), then `customerId`.
 */
export function segmentCustomers(input: SegmentsInput, asOf: number, filter: SegmentFilter = {}): SegmentCustomer[] {
  const out: SegmentCustomer[] = [];
  for (const rec of input.customers.customers.values()) {
    const row = segmentCustomer(input, rec, asOf, filter.band);
    if (row !== undefined && matches(rec, row, asOf, filter)) out.push(row);
  }
  return out.sort(byScoreThenId);
}

/** The at-risk customers at `asOf`: the red band, sorted by score ascending, then `customerId`. */
export function atRiskCustomers(input: SegmentsInput, asOf: number): AtRiskCustomer[] {
  return segmentCustomers(input, asOf, { band: 'red' }).map(atRiskOf);
}

function atRiskOf(row: SegmentCustomer): AtRiskCustomer {
  return { customerId: row.customerId, score: row.score!, stage: row.stage, lastSeenAt: row.lastSeenAt, value: row.value, signals: row.signals };
}

/** The report's `operations.segments` section. */
export interface SegmentsSection {
  atRisk: AtRiskCustomer[];
}

/**
 * The `segments` section of `tenants.<id>.operations`: the at-risk customers at the window's `asOf`. No state
 * of its own; disjoint parts of a tenant have disjoint customers, so tallies concatenate and the section sorts.
 */
export const segmentsProjection: TenantProjection<null, AtRiskCustomer[], SegmentsSection, SegmentsInput> = {
  name: 'segments',
  create: () => null,
  clone: () => null,
  apply: () => undefined,
  tally: (_state, window, _canonical, fold) => atRiskCustomers(fold, window.asOf),
  mergeTallies: (a, b) => [...a, ...b],
  section: (tally) => ({ atRisk: tally.slice().sort(byScoreThenId) }),
};
