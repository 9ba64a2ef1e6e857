import { channelCountEntries, countInboundIn, createChannelCounts } from '../inbound.js';
import type { CostTable, TenantProjection } from '../../model/index.js';
import { bump, define, exactOrderSum, ratio, sortedRecord } from '../period.js';
import { resolvedInPeriod } from '../by-channel/index.js';

/** The `costs` view before products: the cost table, inbound touchpoints per channel, cases resolved. */
export interface CostsTally {
  table: CostTable | null;
  inbound: Record<string, number>;
  resolved: number;
}

/** The `operations.costs` section (operations.md); `null` when no cost table is configured. */
export type CostsSection = {
  currency: string;
  /** Inbound touchpoints × the channel's cost, for the channels the table prices, keys sorted. */
  byChannel: Record<string, number>;
  total: number;
  /** total / cases resolved in the period (`fcr.resolved`). */
  perResolvedCase: number | null;
} | null;

/**
 * What contact costs (operations.md, costs), from the tenant's cost table (`JourneyConfig.costTable`): the
 * period's inbound touchpoints priced per channel, their total, and the total per case resolved in the
 * period. `null` without a cost table.
 */
export const costsProjection: TenantProjection<{ table: CostTable | null }, CostsTally, CostsSection> = {
  name: 'costs',
  create: (config) => ({ table: config.costTable }),
  clone: (s) => ({ table: s.table }),
  apply() {},
  tally(state, window, _canonical, fold) {
    const t: CostsTally = { table: state.table, inbound: {}, resolved: 0 };
    if (state.table === null) return t;
    const inbound = createChannelCounts();
    for (const rec of fold.customerRecords()) countInboundIn(inbound, rec.ats, rec.codes, window.from, window.to);
    for (const [channel, n] of channelCountEntries(inbound)) bump(t.inbound, channel, n);
    for (const c of fold.allCases()) if (resolvedInPeriod(c, window)) t.resolved++;
    t.inbound = sortedRecord(t.inbound);
    return t;
  },
  mergeTallies(a, b) {
    const inbound: Record<string, number> = { ...a.inbound };
    for (const [channel, n] of Object.entries(b.inbound)) bump(inbound, channel, n);
    return { table: a.table ?? b.table, inbound: sortedRecord(inbound), resolved: a.resolved + b.resolved };
  },
  section(t) {
    if (t.table === null) return null;
    const byChannel: Record<string, number> = {};
    const prices = t.table.perTouchpoint as Record<string, number | undefined>;
    for (const channel of Object.keys(t.inbound).sort()) {
      const price = Object.prototype.hasOwnProperty.call(prices, channel) ? prices[channel] : undefined;
      if (price !== undefined) define(byChannel, channel, t.inbound[channel]! * price);
    }
    const total = exactOrderSum(Object.values(byChannel));
    return { currency: t.table.currency, byChannel, total, perResolvedCase: ratio(total, t.resolved) };
  },
};
