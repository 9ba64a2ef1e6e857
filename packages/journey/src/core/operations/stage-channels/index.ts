import { codeChannel, isInboundCode } from '../../customers/codes.js';
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
    const t: StageChannelsTally = {};
    for (const rec of fold.customers()) {
      const { ats, codes } = rec;
      const stages = rec.journey.stages;
      let s = -1;
      for (let i = 0; i < ats.length; i++) {
        while (s + 1 < stages.length && stages[s + 1]!.pos <= i) s++;
        if (ats[i]! >= window.to) break;
        if (ats[i]! < window.from || !isInboundCode(codes[i]!) || s < 0) continue;
        const stage = stages[s]!.stage;
        if (!Object.prototype.hasOwnProperty.call(t, stage)) define(t, stage, {});
        bump(t[stage]!, codeChannel(codes[i]!)!);
      }
    }
    return sortedRecord(Object.fromEntries(Object.entries(t).map(([stage, row]) => [stage, sortedRecord(row)])));
  },
  mergeTallies(a, b) {
    const out: StageChannelsTally = {};
    for (const stage of new Set([...Object.keys(a), ...Object.keys(b)])) define(out, stage, addKeyed(a[stage] ?? {}, b[stage] ?? {}));
    return sortedRecord(out);
  },
  section: (t) => sortedRecord(Object.fromEntries(Object.entries(t).map(([stage, row]) => [stage, sortedRecord(row)]))),
};
