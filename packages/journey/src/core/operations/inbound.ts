// Inbound touchpoints of the customers' timelines in a period, counted per channel without a string per
// event: the views that read every timeline at tally time (byChannel, stageChannels, costs) use it.
import { CHANNELS } from '@omnitrail/events';
import { isInboundCode } from '../customers/codes.js';

/** Counts per packed channel number (a timeline code's channel field, 1-based over `CHANNELS`). */
export type ChannelCounts = Float64Array;

/** Zero counts for every channel. */
export function createChannelCounts(): ChannelCounts {
  return new Float64Array(CHANNELS.length + 1);
}

/** Adds one inbound touchpoint of a packed timeline code, if it is one. */
export function countInbound(counts: ChannelCounts, code: number): void {
  if (isInboundCode(code)) counts[(code >> 4) & 31]!++;
}

/** Adds the inbound touchpoints of a timeline in `[from, to)`. */
export function countInboundIn(counts: ChannelCounts, ats: readonly number[], codes: readonly number[], from: number, to: number): void {
  for (let i = 0; i < ats.length; i++) {
    const at = ats[i]!;
    if (at >= to) break;
    if (at >= from) countInbound(counts, codes[i]!);
  }
}

/** Each channel with a count, by name, in `CHANNELS` order. */
export function channelCountEntries(counts: ChannelCounts): [string, number][] {
  const out: [string, number][] = [];
  for (let c = 1; c < counts.length; c++) if (counts[c]! > 0) out.push([CHANNELS[c - 1]!, counts[c]!]);
  return out;
}
