import { channelCountEntries, countInbound, createChannelCounts, type ChannelCounts } from '../inbound.js';
import type { TenantProjection } from '../../model/index.js';
import { addKeyed, bump, define, sortedRecord } from '../period.js';

/** Inbound touchpoints per journey stage, then per channel. */
export type StageChannelsTally = Record<string, Record<string, number>>;

/** The `operations.stageChannels` section (operations.md): `{ <stage>: { <channel>: n } }`, keys sorted. */
export type StageChannelsSection = StageChannelsTally;

/**
 * Where customers reach the team at each journey stage (operations.md, stageChannels): the period's inbound
 * touchpoints by the customer's stage once the touchpoint is applied, and by channel. It keeps no state: the
 * stages are the journey map's, read from each customer's record at tally time (after merges, so a merged
 * customer's touchpoints count at the survivor's stages, as the journey map shows them).
 */
export const stageChannelsProjection: TenantProjection<null, StageChannelsTally, StageChannelsSection> = {
  name: 'stageChannels',
  create: () => null,
  clone: () => null,
  apply() {},
  tally(_state, window, _canonical, fold) {
    const byStage = new Map<string, ChannelCounts>();
    for (const rec of fold.customerRecords()) {
      const { ats, codes } = rec;
      const stages = rec.journey.stages;
      let s = -1;
      let counts: ChannelCounts | undefined;
      for (let i = 0; i < ats.length; i++) {
        if (ats[i]! >= window.to) break;
        if (s + 1 < stages.length && stages[s + 1]!.pos <= i) {
          while (s + 1 < stages.length && stages[s + 1]!.pos <= i) s++;
          counts = undefined;
        }
        if (ats[i]! < window.from || s < 0) continue;
        if (counts === undefined) {
          const stage = stages[s]!.stage;
          counts = byStage.get(stage);
          if (counts === undefined) byStage.set(stage, (counts = createChannelCounts()));
        }
        countInbound(counts, codes[i]!);
      }
    }
    const t: StageChannelsTally = {};
    for (const [stage, counts] of byStage) {
      const row: Record<string, number> = {};
      for (const [channel, n] of channelCountEntries(counts)) bump(row, channel, n);
      if (Object.keys(row).length > 0) define(t, stage, sortedRecord(row));
    }
    return sortedRecord(t);
  },
  mergeTallies(a, b) {
    const out: StageChannelsTally = {};
    for (const stage of new Set([...Object.keys(a), ...Object.keys(b)])) define(out, stage, addKeyed(a[stage] ?? {}, b[stage] ?? {}));
    return sortedRecord(out);
  },
  section: (t) => sortedRecord(Object.fromEntries(Object.entries(t).map(([stage, row]) => [stage, sortedRecord(row)]))),
};
