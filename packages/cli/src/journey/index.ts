import { journeyOf, type JourneyRequest, type JourneyResult } from '@omnitrail/journey';

export type { JourneyRequest } from '@omnitrail/journey';

/** Lays rows out in aligned columns, padded to the widest cell of each column. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const TIMELINE_HEADER = ['occurredAt', 'type', 'channel', 'actor', 'event id'];

/**
 * The customer's journey as plain text for a terminal: the timeline split into sessions, the stages by
 * cycle, channel transitions and the context-lost annotations with their evidence, all computed by
 * @omnitrail/journey's `journeyOf`.
 */
export function renderJourney(request: JourneyRequest): string {
  const result = journeyOf(request);
  if (!result) return `Customer ${request.customerId}: no events${request.tenant === undefined ? '' : ` in tenant ${request.tenant}`}\n`;
  return formatJourney(result);
}

/** A journey `journeyOf` found, as plain text for a terminal (see {@link renderJourney}). */
export function formatJourney(result: JourneyResult): string {
  const out: string[] = [];
  out.push(`Customer ${result.customerId} (tenant ${result.tenantId}): stage ${result.stage}, cycle ${result.cycle}, ${plural(result.timeline.length, 'event')} in ${plural(result.sessions.length, 'session')}`);
  for (const session of result.sessions) {
    out.push('', `Session ${session.index + 1}: ${session.start} to ${session.end} (${plural(session.events, 'event')}${session.channels.length > 0 ? `; ${session.channels.join(', ')}` : ''})`);
    const rows = result.timeline.filter((t) => t.session === session.index).map((t) => [t.occurredAt, t.type, t.channel ?? '', t.actor, t.eventId]);
    out.push(formatTable(TIMELINE_HEADER, rows));
  }
  out.push('', 'Stages');
  out.push(formatTable(['cycle', 'stage', 'at', 'event id'], result.cycles.flatMap((c) => c.stages.map((s) => [String(c.cycle), s.stage, s.at, s.eventId]))));
  out.push('', 'Channel transitions');
  out.push(result.transitions.length === 0 ? '(none)' : formatTable(['from', 'to', 'count', 'mean time between'], result.transitions.map((t) => [t.from, t.to, String(t.count), formatDuration(t.meanGapMs)])));
  out.push('', 'Context lost');
  out.push(result.contextLost.length === 0 ? '(none)' : formatTable(['kind', 'at', 'case', 'evidence'], result.contextLost.map((c) => [c.kind, c.at, c.caseId ?? '', c.evidence.join(', ')])));
  return `${out.join('\n')}\n`;
}

/** A duration for people: 45s, 12m, 3.5h, 2.1d. */
function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}

/** A count with its noun, for messages: `1 event`, `2 events`, `1,200 lines`. */
export function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
