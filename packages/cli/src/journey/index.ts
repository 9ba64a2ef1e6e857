import type { CatalogEvent } from '@omnitrail/events';
import * as journey from '@omnitrail/journey';

/** What `omnitrail journey` shows for one customer. */
export interface JourneyRequest {
  events: readonly CatalogEvent[];
  customerId: string;
  tenant?: string;
  asOf?: number;
}

type Row = Record<string, unknown>;

/** Lays rows out in aligned columns, padded to the widest cell of each column. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(text).join(', ');
  return JSON.stringify(value);
}

function eventRow(e: Row): string[] {
  const event = (e.event as Row | undefined) ?? e;
  const actor = event.actor as { kind?: string; id?: string } | undefined;
  return [
    text(event.occurredAt ?? e.at),
    text(event.type),
    text(event.channel),
    actor ? `${actor.kind ?? ''}${actor.id ? `:${actor.id}` : ''}` : '',
    text(event.caseId ?? e.caseId),
    text(event.id),
  ];
}

const TIMELINE_HEADER = ['occurredAt', 'type', 'channel', 'actor', 'case', 'event id'];

/**
 * The customer's journey as plain text: the timeline split into sessions, the stages and the context-lost
 * annotations, all computed by @omnitrail/journey's `journeyOf`. Without it (an older engine), only the
 * timeline of the events attributed to that id is shown.
 */
export function renderJourney(request: JourneyRequest): string {
  const journeyOf = (journey as unknown as Record<string, unknown>).journeyOf as ((r: JourneyRequest) => Row | undefined) | undefined;
  const out: string[] = [];
  if (typeof journeyOf !== 'function') {
    const own = request.events
      .filter((e) => e.customerId === request.customerId && (request.tenant === undefined || e.tenantId === request.tenant))
      .filter((e) => request.asOf === undefined || Date.parse(e.occurredAt) <= request.asOf)
      .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    out.push(`Customer ${request.customerId}: ${own.length} events`, '', 'Timeline', formatTable(TIMELINE_HEADER, own.map((e) => eventRow(e as unknown as Row))));
    out.push('', '(stages and context-lost annotations need a @omnitrail/journey with journeyOf)');
    return `${out.join('\n')}\n`;
  }
  const result = journeyOf(request);
  if (!result) return `Customer ${request.customerId}: no events\n`;
  const tenant = result.tenantId ?? request.tenant;
  out.push(`Customer ${text(result.customerId ?? request.customerId)}${tenant ? ` (tenant ${text(tenant)})` : ''}${result.stage ? `, stage ${text(result.stage)}` : ''}`);
  const timeline = (result.timeline ?? result.events ?? []) as unknown[];
  const sessions = (result.sessions as unknown[] | undefined) ?? (timeline.length > 0 && Array.isArray((timeline[0] as Row).events) ? timeline : undefined);
  out.push('', 'Timeline');
  if (sessions) {
    sessions.forEach((s, i) => {
      const session = s as Row;
      const events = (session.events ?? []) as Row[];
      out.push(`Session ${i + 1}${session.start ? ` from ${text(session.start)}` : ''}${session.end ? ` to ${text(session.end)}` : ''}`);
      out.push(formatTable(TIMELINE_HEADER, events.map(eventRow)), '');
    });
  } else {
    out.push(formatTable(TIMELINE_HEADER, (timeline as Row[]).map(eventRow)), '');
  }
  const stages = result.stages as unknown;
  if (Array.isArray(stages) && stages.length > 0) {
    out.push('Stages', formatTable(['at', 'stage', 'event id'], (stages as Row[]).map((s) => [text(s.at ?? s.occurredAt), text(s.stage), text(s.eventId)])), '');
  } else if (stages && typeof stages === 'object') {
    out.push('Stages', formatTable(['stage', 'value'], Object.entries(stages as Row).map(([k, v]) => [k, text(v)])), '');
  }
  const lost = (result.contextLost ?? result.annotations ?? []) as unknown;
  const lostRows = Array.isArray(lost) ? (lost as Row[]) : [];
  out.push('Context lost');
  out.push(lostRows.length === 0 ? '(none)' : formatTable(['kind', 'at', 'events'], lostRows.map((a) => [text(a.kind ?? a.type), text(a.at), text(a.eventIds)])));
  return `${out.join('\n')}\n`;
}
