import { barChart } from './charts.js';
import { channelColor, channelLabel, escapeHtml, fmt, formatDuration, formatInstant, humanLabel, rate, STAGE_COLORS } from './labels.js';
import { dataTable, text, type Cell } from './tables.js';

// The operational views (operations.md) are drawn from `tenants.<id>.operations`, whose sections come from
// projections registered elsewhere: each is read defensively, and a view that is absent or not of the shape
// operations.md gives is left out rather than breaking the page.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '—' : String(v));
const count = (v: unknown): string => {
  const n = num(v);
  return n === null ? '—' : fmt(n);
};
const numCell = (v: unknown): Cell => ({ html: escapeHtml(count(v)), sort: num(v) ?? -1 });
const durationCell = (stats: unknown, key = 'median'): Cell => {
  const v = isObj(stats) ? num(stats[key]) : null;
  return { html: escapeHtml(formatDuration(v)), sort: v ?? -1 };
};
const rateCell = (v: unknown, percent = false): Cell => ({ html: escapeHtml(rate(num(v), percent)), sort: num(v) ?? -1 });
const rows = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const money = (amounts: unknown): string =>
  isObj(amounts) && Object.keys(amounts).length > 0
    ? Object.keys(amounts)
        .sort()
        .map((c) => `${fmt(num(amounts[c]) ?? 0)} ${c}`)
        .join(', ')
    : '—';

function stat(label: string, value: string): string {
  return `<div class="stat"><div class="v">${escapeHtml(value)}</div><div class="l">${escapeHtml(label)}</div></div>`;
}

/** A limited list's note: "the first 50 of 1,234". */
function limited<T>(list: readonly T[], limit: number, what: string): { shown: readonly T[]; note?: string } {
  return list.length > limit ? { shown: list.slice(0, limit), note: `The first ${fmt(limit)} of ${fmt(list.length)} ${what}.` } : { shown: list };
}

function block(view: string, heading: string, content: string): string {
  return `<section class="ops" data-view="${escapeHtml(view)}"><h4>${escapeHtml(heading)}</h4>${content}</section>`;
}

const SLA_TARGETS = [
  ['firstResponse', 'First response'],
  ['nextResponse', 'Next response'],
  ['resolution', 'Resolution'],
] as const;

function slaView(sla: Obj): string {
  const targets = SLA_TARGETS.filter(([k]) => isObj(sla[k]));
  const table = dataTable(
    'ops-sla',
    [{ label: 'Target' }, { label: 'Met', numeric: true }, { label: 'Missed', numeric: true }, { label: 'Running', numeric: true }, { label: 'Attainment', numeric: true }],
    targets.map(([k, label]) => {
      const t = sla[k] as Obj;
      return [text(label), numCell(t.hit), numCell(t.missed), numCell(t.active), rateCell(t.attainment)];
    }),
  );
  const breaches = rows(sla.breaches);
  const { shown, note } = limited(breaches, 100, 'breaches, earliest due first');
  const breachTable =
    breaches.length === 0
      ? '<p class="note">No target missed in the period.</p>'
      : dataTable(
          'ops-sla-breaches',
          [{ label: 'Due' }, { label: 'Case' }, { label: 'Customer' }, { label: 'Target' }],
          shown.map((b) => [text(formatInstant(str(b.dueAt)), str(b.dueAt)), text(str(b.caseId)), text(str(b.customerId)), text(humanLabel(str(b.target)))]),
          { sortable: true, sortedBy: { column: 0, direction: 'ascending' }, ...(note === undefined ? {} : { note }) },
        );
  return block('sla', 'SLA attainment and breaches', `${table}<h5>Breaches</h5>${breachTable}`);
}

function voiceView(v: Obj): string {
  const out = isObj(v.byOutcome) ? v.byOutcome : {};
  return block(
    'voice',
    'Voice calls',
    `<div class="stats">${stat('calls', count(v.calls))}${stat('answered', count(out.answered))}${stat('missed', count(out.missed))}${stat('abandoned', count(out.abandoned))}${stat('voicemail', count(out.voicemail))}${stat('abandon rate', rate(num(v.abandonRate)))}${stat('median queue time', formatDuration(isObj(v.queueMs) ? num(v.queueMs.median) : null))}${stat('average handle time', formatDuration(isObj(v.handleMs) ? num(v.handleMs.mean) : null))}</div>`,
  );
}

function callbacksView(c: Obj): string {
  const pending = rows(c.pending);
  const { shown, note } = limited(pending, 100, 'pending callbacks, by window start');
  const table =
    pending.length === 0
      ? '<p class="note">No callback pending.</p>'
      : dataTable(
          'ops-callbacks-pending',
          [{ label: 'Window from' }, { label: 'Window to' }, { label: 'Customer' }, { label: 'Case' }, { label: 'Requested' }, { label: 'Overdue' }],
          shown.map((p) => [
            text(formatInstant(str(p.windowFrom)), str(p.windowFrom)),
            text(formatInstant(str(p.windowTo)), str(p.windowTo)),
            text(str(p.customerId)),
            text(str(p.caseId)),
            text(formatInstant(str(p.requestedAt)), str(p.requestedAt)),
            { html: p.overdue === true ? '<strong class="flag">overdue</strong>' : 'no', sort: p.overdue === true ? 1 : 0 },
          ]),
          { sortable: true, sortedBy: { column: 0, direction: 'ascending' }, ...(note === undefined ? {} : { note }) },
        );
  return block(
    'callbacks',
    'Callbacks',
    `<div class="stats">${stat('requested', count(c.requested))}${stat('completed', count(c.completed))}${stat('completed in window', count(c.completedInWindow))}${stat('missed', count(c.missed))}${stat('kept', rate(num(c.keptRate)))}</div><h5>Pending callbacks</h5>${table}`,
  );
}

function byChannelView(b: Obj): string {
  const channels = Object.keys(b).filter((k) => isObj(b[k])).sort();
  return block(
    'byChannel',
    'Per channel',
    dataTable(
      'ops-by-channel',
      [{ label: 'Channel' }, { label: 'Inbound', numeric: true }, { label: 'Cases opened', numeric: true }, { label: 'Median first response', numeric: true }, { label: 'Median resolution', numeric: true }, { label: 'CSAT', numeric: true }, { label: 'FCR', numeric: true }],
      channels.map((ch) => {
        const k = b[ch] as Obj;
        return [
          { html: `<span class="swatch" style="background:${channelColor(ch)}"></span>${escapeHtml(channelLabel(ch))}`, sort: channelLabel(ch) },
          numCell(k.inbound),
          numCell(k.casesOpened),
          durationCell(k.firstResponseMs),
          durationCell(k.resolutionMs),
          rateCell(isObj(k.csat) ? k.csat.percent : null, true),
          rateCell(isObj(k.fcr) ? k.fcr.rate : null),
        ];
      }),
      { sortable: true },
    ),
  );
}

function selfServiceView(s: Obj): string {
  const h = isObj(s.helpful) ? s.helpful : {};
  return block(
    'selfService',
    'Self-service',
    `<div class="stats">${stat('attempts', count(s.attempts))}${stat('deflected', count(s.deflected))}${stat('deflection rate', rate(num(s.rate)))}${stat('articles rated helpful', `${rate(num(h.rate))} of ${count(h.rated)}`)}</div>`,
  );
}

function contactDriversView(list: Obj[]): string {
  const { shown, note } = limited(list, 50, 'topics');
  return block(
    'contactDrivers',
    'Contact drivers',
    dataTable(
      'ops-contact-drivers',
      [{ label: 'Topic' }, { label: 'Cases', numeric: true }, { label: 'Share', numeric: true }, { label: 'Previous period', numeric: true }, { label: 'Median resolution', numeric: true }, { label: 'Channels' }],
      shown.map((d) => [
        text(str(d.topic)),
        numCell(d.cases),
        rateCell(d.share),
        numCell(d.previousCases),
        durationCell(d.resolutionMs),
        text(isObj(d.byChannel) ? Object.keys(d.byChannel).sort().map((c) => `${channelLabel(c)} ${count((d.byChannel as Obj)[c])}`).join(', ') : '—'),
      ]),
      { sortable: true, sortedBy: { column: 1, direction: 'descending' }, ...(note === undefined ? {} : { note }) },
    ),
  );
}

function agentsView(list: Obj[]): string {
  const { shown, note } = limited(list, 100, 'agents, by id');
  return block(
    'agents',
    'Agents',
    dataTable(
      'ops-agents',
      [{ label: 'Agent' }, { label: 'Replies', numeric: true }, { label: 'First responses', numeric: true }, { label: 'Median first response', numeric: true }, { label: 'Resolved', numeric: true }, { label: 'CSAT', numeric: true }],
      shown.map((a) => [text(str(a.agentId)), numCell(a.replies), numCell(a.firstResponses), durationCell(a.firstResponseMs), numCell(a.resolved), rateCell(isObj(a.csat) ? a.csat.percent : null, true)]),
      { sortable: true, sortedBy: { column: 0, direction: 'ascending' }, ...(note === undefined ? {} : { note }) },
    ),
  );
}

function triageView(list: Obj[]): string {
  const { shown, note } = limited(list, 50, 'cases in the queue, highest score first');
  const body =
    list.length === 0
      ? '<p class="note">The queue is empty.</p>'
      : dataTable(
          'ops-triage',
          [{ label: 'Rank', numeric: true }, { label: 'Case' }, { label: 'Customer' }, { label: 'Score', numeric: true }, { label: 'Why' }],
          shown.map((t, i) => [
            numCell(i + 1),
            text(str(t.caseId)),
            text(str(t.customerId)),
            numCell(t.score),
            text(
              rows(t.reasons)
                .map((r) => `${humanLabel(str(r.reason))} ${count(r.points)}`)
                .join(' · '),
            ),
          ]),
          { sortable: true, sortedBy: { column: 0, direction: 'ascending' }, ...(note === undefined ? {} : { note }) },
        );
  return block('triage', 'Triage queue: the case to take next first', body);
}

function segmentsView(s: Obj): string {
  const atRisk = rows(s.atRisk);
  const { shown, note } = limited(atRisk, 100, 'customers at risk, lowest health first');
  const body =
    atRisk.length === 0
      ? '<p class="note">No customer in the red health band.</p>'
      : dataTable(
          'ops-at-risk',
          [{ label: 'Customer' }, { label: 'Health score', numeric: true }, { label: 'Stage' }, { label: 'Last seen' }, { label: 'Lifetime value' }, { label: 'Main signals' }],
          shown.map((c) => [
            text(str(c.customerId)),
            { html: escapeHtml(num(c.score) === null ? '—' : num(c.score)!.toFixed(0)), sort: num(c.score) ?? -1 },
            text(humanLabel(str(c.stage))),
            text(formatInstant(str(c.lastSeenAt)), str(c.lastSeenAt)),
            text(money(c.value)),
            text(Array.isArray(c.signals) ? c.signals.map((x) => humanLabel(isObj(x) ? str(x.signal) : str(x))).join(', ') : '—'),
          ]),
          { sortable: true, sortedBy: { column: 1, direction: 'ascending' }, ...(note === undefined ? {} : { note }) },
        );
  return block('segments', 'Customers at risk', body);
}

function marketplacesView(m: Obj): string {
  const names = Object.keys(m).filter((k) => isObj(m[k])).sort();
  return block(
    'marketplaces',
    'Marketplaces',
    dataTable(
      'ops-marketplaces',
      [{ label: 'Marketplace' }, { label: 'Orders', numeric: true }, { label: 'Amount' }, { label: 'Returned', numeric: true }, { label: 'Cancelled', numeric: true }],
      names.map((n) => {
        const k = m[n] as Obj;
        return [text(n), numCell(k.orders), text(money(k.amount)), numCell(k.returned), numCell(k.cancelled)];
      }),
      { sortable: true },
    ),
  );
}

function stageChannelsView(s: Obj): string {
  const stages = Object.keys(s).filter((k) => isObj(s[k]));
  const bars = stages.flatMap((stage) => {
    const byChannel = s[stage] as Obj;
    return Object.keys(byChannel)
      .sort()
      .map((ch) => ({ label: `${humanLabel(stage)} · ${channelLabel(ch)}`, value: num(byChannel[ch]) ?? 0, color: STAGE_COLORS[stage] ?? '#4e79a7' }));
  });
  return block('stageChannels', 'Inbound touchpoints by journey stage and channel', barChart('ops-stage-channels', 'Touchpoints by stage and channel', bars));
}

function costsView(c: Obj): string {
  const by = isObj(c.byChannel) ? c.byChannel : {};
  const cur = str(c.currency);
  return block(
    'costs',
    `Contact costs (${cur})`,
    `<div class="stats">${stat(`total (${cur})`, count(c.total))}${stat(`per resolved case (${cur})`, count(c.perResolvedCase))}</div>` +
      dataTable(
        'ops-costs',
        [{ label: 'Channel' }, { label: `Cost (${cur})`, numeric: true }],
        Object.keys(by)
          .sort()
          .map((ch) => [text(channelLabel(ch)), numCell(by[ch])]),
        { sortable: true },
      ),
  );
}

/**
 * The operational views of a tenant (operations.md) present in its report, in a fixed order; an empty string
 * when there are none.
 */
export function operationsHtml(operations: Record<string, unknown> | undefined): string {
  if (operations === undefined || !isObj(operations)) return '';
  const o = operations;
  const parts: string[] = [];
  if (Array.isArray(o.triage)) parts.push(triageView(rows(o.triage)));
  if (isObj(o.callbacks)) parts.push(callbacksView(o.callbacks));
  if (isObj(o.sla)) parts.push(slaView(o.sla));
  if (isObj(o.byChannel)) parts.push(byChannelView(o.byChannel));
  if (isObj(o.voice)) parts.push(voiceView(o.voice));
  if (isObj(o.selfService)) parts.push(selfServiceView(o.selfService));
  if (Array.isArray(o.contactDrivers)) parts.push(contactDriversView(rows(o.contactDrivers)));
  if (Array.isArray(o.agents)) parts.push(agentsView(rows(o.agents)));
  if (isObj(o.segments)) parts.push(segmentsView(o.segments));
  if (isObj(o.marketplaces) && Object.keys(o.marketplaces).length > 0) parts.push(marketplacesView(o.marketplaces));
  if (isObj(o.stageChannels) && Object.keys(o.stageChannels).length > 0) parts.push(stageChannelsView(o.stageChannels));
  if (isObj(o.costs)) parts.push(costsView(o.costs));
  return parts.length === 0 ? '' : `<h3>Operations</h3><div class="ops-grid">${parts.join('')}</div>`;
}
