import type { ContextLostExample, ReplayReport, SeriesBucket, TenantReport } from '@omnitrail/journey';
import { barChart, boxPlotChart, lineChart, markerChart, stackedBar, stackedTimeBars } from './charts.js';
import { channelColor, channelLabel, escapeHtml, fmt, formatDuration, formatInstant, HEALTH_COLORS, humanLabel, rate, STAGE_COLORS, STATUS_COLORS } from './labels.js';
import { operationsHtml } from './operations.js';
import { dataTable, SORT_SCRIPT, text, type Cell } from './tables.js';

export { barChart, stackedBar } from './charts.js';
export { escapeHtml } from './labels.js';

/** How many open cases and rejected lines the page lists (the longest waiting, the first lines). */
const OPEN_CASES_SHOWN = 200;
const REJECTED_SHOWN = 200;

/** What each context-lost kind means, in one plain sentence (domain.md, Journey map). */
export const CONTEXT_LOST_EXPLANATIONS: Readonly<Record<keyof TenantReport['journeys']['contextLost'], string>> = {
  unthreaded_switch:
    'The customer switched channel and a new case was opened instead of continuing the one already open (or resolved days before), so whoever answered did not have the earlier conversation.',
  forced_restart: 'The customer came back about a closed case, or after the reopen window had passed, and had to start over in a new follow-up case.',
  blind_handoff: 'A bot handed the conversation to a person, who replied without a summary or an internal note in between: the customer probably had to repeat themselves.',
  identity_gap: 'A case was opened before we knew who the customer was; their profiles were only merged later, so the agent could not see their history.',
};

function stat(label: string, value: string): string {
  return `<div class="stat"><div class="v">${escapeHtml(value)}</div><div class="l">${escapeHtml(label)}</div></div>`;
}

/** `03-04` for a bucket starting 2024-03-04. */
const bucketLabel = (b: SeriesBucket): string => b.start.slice(5, 10);

function trendCharts(t: TenantReport): string {
  const buckets = t.series.buckets;
  const labels = buckets.map(bucketLabel);
  const channels = [...new Set(buckets.flatMap((b) => Object.keys(b.inbound)))].sort((a, b) => channelLabel(a).localeCompare(channelLabel(b)));
  const per = t.series.interval === 'day' ? 'per day' : 'per week (weeks start on Monday)';
  const charts = [
    stackedTimeBars(
      'inbound-trend',
      `Inbound touchpoints ${per}, by channel`,
      labels,
      channels.map((ch) => ({ label: channelLabel(ch), color: channelColor(ch), values: buckets.map((b) => b.inbound[ch] ?? 0) })),
    ),
    lineChart('cases-flow', `Cases opened and resolved ${per}`, labels, [
      { label: 'opened', color: '#4e79a7', values: buckets.map((b) => b.casesOpened) },
      { label: 'resolved', color: '#f28e2b', values: buckets.map((b) => b.resolutions) },
    ]),
    lineChart('backlog-trend', 'Backlog: open cases at the end of each ' + (t.series.interval === 'day' ? 'day' : 'week'), labels, [
      { label: 'open cases', color: '#76b7b2', values: buckets.map((b) => b.backlog), area: true },
    ]),
    boxPlotChart('first-response-trend', `Time to first response ${per}`, labels, buckets.map((b) => b.firstResponseMs), '#4e79a7'),
    boxPlotChart('resolution-trend', `Time to resolution ${per}`, labels, buckets.map((b) => b.resolutionMs), '#59a14f'),
    lineChart('csat-trend', `CSAT ${per}: share of answers rating 4 or 5`, labels, [{ label: 'CSAT', color: '#b07aa1', values: buckets.map((b) => b.csat.percent) }], {
      range: [0, 100],
      unit: '%',
      note: `${fmt(buckets.reduce((s, b) => s + b.csat.answers, 0))} answers; no point where a bucket has none.`,
    }),
    lineChart('nps-trend', `NPS ${per}: promoters minus detractors`, labels, [{ label: 'NPS', color: '#9c755f', values: buckets.map((b) => b.nps.score) }], {
      range: [-100, 100],
      note: 'From −100 (all detractors) to 100 (all promoters); each customer’s latest answer in the bucket.',
    }),
    stackedTimeBars(
      'health-trend',
      `Customers by health band at the end of each ${t.series.interval}`,
      labels,
      (['red', 'yellow', 'green', 'na'] as const).map((band) => ({ label: band === 'na' ? 'no score yet' : band, color: HEALTH_COLORS[band]!, values: buckets.map((b) => b.health?.[band] ?? 0) })),
      { percent: true, ...(buckets.some((b) => b.health === null) ? { note: `Health is judged at the end of the last ${buckets.filter((b) => b.health !== null).length} ${t.series.interval}s only.` } : {}) },
    ),
  ];
  const span = buckets.length === 0 ? 'no period' : `${buckets[0]!.start.slice(0, 10)} to ${buckets[buckets.length - 1]!.end.slice(0, 10)}`;
  return `<h3>Trends</h3><p class="note">${buckets.length} ${t.series.interval === 'day' ? 'days' : 'weeks'}, ${escapeHtml(span)} (UTC). Hover a mark for its figures.</p><div class="grid">${charts.join('')}</div>`;
}

function snapshotCharts(t: TenantReport): string {
  const m = t.metrics;
  const stages = ['awareness', 'consideration', 'purchase', 'post_sale_support'] as const;
  const funnelNote =
    t.journeys.stages.awareness === 0
      ? 'A customer leaves awareness at their first product, pricing or cart page view, message, case or bot turn; customers whose first contact is a message or a case start in consideration, so awareness is often empty.'
      : '';
  const charts = [
    barChart('channel-transitions', 'Channel switches between consecutive inbound touchpoints (top 15)', t.journeys.transitions.slice(0, 15).map((x) => ({ label: `${channelLabel(x.from)} → ${channelLabel(x.to)}`, value: x.count, color: '#4e79a7' }))),
    barChart('stage-funnel', 'Customers by journey stage', stages.map((s) => ({ label: humanLabel(s).replace('Post sale', 'Post-sale'), value: t.journeys.stages[s], color: STAGE_COLORS[s] })), funnelNote),
    barChart('case-status', 'Cases by status', Object.entries(t.cases.byStatus).map(([s, n]) => ({ label: humanLabel(s), value: n, color: STATUS_COLORS[s] }))),
    markerChart('response-times', 'Response and resolution times over the period', [
      { label: 'First response', color: '#4e79a7', ...m.firstResponseMs },
      { label: 'Reply', color: '#76b7b2', ...m.replyMs },
      { label: 'Resolution', color: '#59a14f', ...m.resolutionMs },
    ]),
    stackedBar('csat', `CSAT: ${rate(m.csat.percent, true)} satisfied of ${fmt(m.csat.answers)} answers`, m.csat.answers === 0 ? [] : [
      { label: 'satisfied (4-5)', value: Math.round(((m.csat.percent ?? 0) / 100) * m.csat.answers), color: '#59a14f' },
      { label: 'other (1-3)', value: m.csat.answers - Math.round(((m.csat.percent ?? 0) / 100) * m.csat.answers), color: '#bab0ac' },
    ]),
    stackedBar('nps', `NPS: ${m.nps.score === null ? '—' : fmt(m.nps.score)} over ${fmt(m.nps.answers)} customers`, [
      { label: 'promoters (9-10)', value: m.nps.promoters, color: '#59a14f' },
      { label: 'passives (7-8)', value: m.nps.answers - m.nps.promoters - m.nps.detractors, color: '#bab0ac' },
      { label: 'detractors (0-6)', value: m.nps.detractors, color: '#e15759' },
    ]),
    barChart('channel-mix', 'Inbound touchpoints by channel over the period', Object.entries(m.channelMix).map(([c, n]) => ({ label: channelLabel(c), value: n, color: channelColor(c) }))),
    barChart('health', 'Customers by health band', [
      { label: 'Red', value: t.health.red, color: HEALTH_COLORS.red },
      { label: 'Yellow', value: t.health.yellow, color: HEALTH_COLORS.yellow },
      { label: 'Green', value: t.health.green, color: HEALTH_COLORS.green },
      { label: 'No score yet', value: t.health.na, color: HEALTH_COLORS.na },
    ]),
  ];
  return `<h3>Over the period and as of the report</h3><div class="grid">${charts.join('')}</div>`;
}

function openCasesTable(t: TenantReport, asOf: number): string {
  const open = t.cases.open;
  if (open.length === 0) return '<h3>Open cases</h3><p class="note">No open case.</p>';
  const waiting = (since: string | null): number => (since === null ? -1 : asOf - Date.parse(since));
  const sorted = [...open].sort((a, b) => waiting(b.waitingSince) - waiting(a.waitingSince) || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  const shown = sorted.slice(0, OPEN_CASES_SHOWN);
  const rows: Cell[][] = shown.map((c) => {
    const w = waiting(c.waitingSince);
    return [
      text(c.caseId),
      text(c.customerId),
      text(humanLabel(c.status)),
      { html: escapeHtml(w < 0 ? 'not waiting' : formatDuration(w)), sort: w },
      text(formatDuration(asOf - Date.parse(c.openedAt)), asOf - Date.parse(c.openedAt)),
      { html: c.channels.length === 0 ? '—' : c.channels.map((ch) => `<span class="chip" style="border-color:${channelColor(ch)}">${escapeHtml(channelLabel(ch))}</span>`).join(' '), sort: c.channels.length },
      { html: fmt(c.reopenCount), sort: c.reopenCount },
    ];
  });
  const note = open.length > shown.length ? `The ${fmt(shown.length)} longest waiting of ${fmt(open.length)} open cases.` : `${fmt(open.length)} open cases, longest waiting first.`;
  return (
    `<h3>Open cases</h3><p class="note">Waiting: since the customer’s message that has no answer yet. Press a column to sort.</p>` +
    dataTable(
      'open-cases',
      [{ label: 'Case' }, { label: 'Customer' }, { label: 'Status' }, { label: 'Waiting', numeric: true }, { label: 'Open for', numeric: true }, { label: 'Channels', numeric: true, left: true }, { label: 'Reopens', numeric: true }],
      rows,
      { sortable: true, sortedBy: { column: 3, direction: 'descending' }, note },
    )
  );
}

function contextLostSection(t: TenantReport): string {
  const kinds = Object.keys(CONTEXT_LOST_EXPLANATIONS) as (keyof typeof CONTEXT_LOST_EXPLANATIONS)[];
  const blocks = kinds.map((kind) => {
    const n = t.journeys.contextLost[kind];
    const examples: readonly ContextLostExample[] = t.examples.contextLost[kind];
    const table =
      examples.length === 0
        ? ''
        : dataTable(
            `context-lost-${kind.replace(/_/g, '-')}`,
            [{ label: 'When' }, { label: 'Customer' }, { label: 'Case' }, { label: 'Evidence (event ids)' }],
            examples.map((e) => [text(formatInstant(e.at), e.at), text(e.customerId), text(e.caseId ?? '—'), { html: e.evidence.map((id) => `<code>${escapeHtml(id)}</code>`).join(' ') }]),
            { note: n > examples.length ? `The latest ${examples.length} of ${fmt(n)}.` : undefined },
          );
    return `<div class="lost" data-kind="${kind}"><h4>${escapeHtml(humanLabel(kind))}: ${fmt(n)}</h4><p>${escapeHtml(CONTEXT_LOST_EXPLANATIONS[kind])}</p>${table}</div>`;
  });
  return `<h3>Context lost</h3><p class="note">Moments where the customer’s history did not follow them, each with the events that show it.</p>${blocks.join('')}`;
}

function anomaliesTable(t: TenantReport): string {
  const list = t.cases.anomalies;
  if (list.length === 0) return '';
  const shown = list.slice(0, 100);
  return (
    `<h3>Case anomalies</h3>` +
    dataTable('anomalies', [{ label: 'Event' }, { label: 'Reason' }], shown.map((a) => [text(a.eventId), text(humanLabel(a.reason))]), {
      sortable: true,
      ...(list.length > shown.length ? { note: `The first ${shown.length} of ${fmt(list.length)}, by event id.` } : {}),
    })
  );
}

function tenantSection(id: string, t: TenantReport, index: number, asOf: number): string {
  const m = t.metrics;
  const stats = [
    stat('customers', fmt(t.customers.count)),
    stat('cases', fmt(t.cases.count)),
    stat('open cases', fmt(t.cases.open.length)),
    stat('median first response', formatDuration(m.firstResponseMs.median)),
    stat('first contact resolution', rate(m.fcr.rate)),
    stat('multi-channel cases', rate(m.multiChannelCaseShare)),
    stat('bot containment', rate(m.botContainment.rate)),
    stat('CES mean (1-7)', m.ces.mean === null ? '—' : m.ces.mean.toFixed(2)),
    stat(`churn ${m.churn.from.slice(0, 10)} → ${m.churn.to.slice(0, 10)}`, rate(m.churn.simpleRate)),
  ];
  return (
    `<section class="tenant" data-tenant="${escapeHtml(id)}"${index === 0 ? '' : ' hidden'}><h2>Tenant ${escapeHtml(id)}</h2><div class="stats">${stats.join('')}</div>` +
    trendCharts(t) +
    snapshotCharts(t) +
    openCasesTable(t, asOf) +
    operationsHtml(t.operations) +
    contextLostSection(t) +
    anomaliesTable(t) +
    `</section>`
  );
}

function rejectedSection(report: ReplayReport): string {
  const list = report.input.rejected;
  if (list.length === 0) return '';
  const shown = list.slice(0, REJECTED_SHOWN);
  const withFile = list.some((r) => r.file !== undefined);
  const columns = [...(withFile ? [{ label: 'File' }] : []), { label: 'Line', numeric: true }, { label: 'Event id' }, { label: 'Why' }];
  const rows: Cell[][] = shown.map((r) => [
    ...(withFile ? [text(r.file ?? '—')] : []),
    { html: fmt(r.line), sort: r.line },
    text(r.id ?? '—'),
    { html: r.errors.map((e) => `<code>${escapeHtml(e.path === '' ? '(line)' : e.path)}</code> ${escapeHtml(e.message)}`).join('<br>') },
  ]);
  return (
    `<section class="input"><h2>Rejected input lines</h2><p class="note">Lines that are not valid events; the rest of the input was replayed. These do not depend on the tenant.</p>` +
    dataTable('rejected', columns, rows, { sortable: true, ...(list.length > shown.length ? { note: `The first ${fmt(shown.length)} of ${fmt(list.length)}.` } : {}) }) +
    `</section>`
  );
}

const CSS = `*{box-sizing:border-box}body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f2d4d;color:#fff;padding:14px 20px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
main{padding:14px 20px;max-width:1400px}h2{margin:12px 0 8px}h3{margin:22px 0 8px}h4{margin:12px 0 4px}h5{margin:10px 0 4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:14px}
figure,.ops,.lost,.table-box{background:#fff;margin:0;padding:12px;border-radius:8px;box-shadow:0 1px 3px #0002;min-width:0}
.lost,.ops{margin-bottom:12px}.lost .table-box,.ops .table-box{box-shadow:none;padding:0}
figcaption{font-weight:600;margin-bottom:6px}svg{display:block;max-width:100%;height:auto}svg text{font-size:12px;fill:#333}svg text.on-mark{fill:#fff}svg text.small{font-size:10px;fill:#555}
svg .grid{stroke:#e3e6ea}svg .zero{stroke:#888;stroke-dasharray:3 3}svg path.line{stroke-width:2}svg .whisker,svg .range{stroke-width:1.5}svg .median{stroke:#222;stroke-width:2}
.legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.note{color:#555;font-size:12px;margin:4px 0 8px}.stats{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:12px}
.stat{background:#fff;padding:8px 12px;border-radius:8px;box-shadow:0 1px 3px #0002;min-width:110px;flex:1 1 110px}.stat .v{font-size:19px;font-weight:600}.stat .l{color:#555;font-size:12px}
table.data{border-collapse:collapse;width:100%;font-size:13px}table.data th,table.data td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e6ea;vertical-align:top;overflow-wrap:anywhere}
table.data .num{text-align:right}table.data th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:#1f2d4d;text-align:inherit}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
.chip{display:inline-block;border:1px solid #999;border-left-width:4px;border-radius:3px;padding:0 4px;margin:1px 0;font-size:12px}code{font-size:12px;overflow-wrap:anywhere}
.flag{color:#a02c3a}select{font-size:15px;padding:4px}label.picker{display:inline-block;margin-bottom:8px}
@media (max-width:640px){main{padding:10px}header{padding:12px}svg text{font-size:13.5px}svg text.small{font-size:11px}
table.data thead tr{display:flex;flex-wrap:wrap;gap:4px 10px;border-bottom:1px solid #ccc}table.data:not(.sortable) thead{display:none}table.data thead th{border:0;padding:2px 0}
table.data,table.data tbody,table.data tr,table.data td{display:block;width:100%}table.data tr{border-bottom:1px solid #ccc;padding:4px 0}
table.data td{border:0;padding:2px 0;text-align:left!important}table.data td::before{content:attr(data-label) ": ";color:#555;font-size:12px}}
@media print{body{background:#fff}header{background:none;color:#000;border-bottom:2px solid #000}label.picker{display:none}
figure,.ops,.lost,.table-box,.stat{box-shadow:none;border:1px solid #ccc;break-inside:avoid}.grid{display:block}.grid figure{margin-bottom:10px}}`;

/**
 * The replay report as one self-contained web page: inline CSS, SVG charts drawn here (no chart library,
 * nothing fetched at view time), drill-down tables and a few lines of script to switch tenants and sort
 * tables. Every chart and table of a tenant sits in its `section.tenant`, so the tenant picker switches all.
 */
export function renderHtmlReport(report: ReplayReport): string {
  const ids = Object.keys(report.tenants);
  const asOf = report.asOf === null ? 0 : Date.parse(report.asOf);
  const sections = ids.map((id, i) => tenantSection(id, report.tenants[id]!, i, asOf)).join('');
  const picker =
    ids.length > 1
      ? `<label class="picker">Tenant <select id="tenant">${ids.map((id) => `<option value="${escapeHtml(id)}">${escapeHtml(id)}</option>`).join('')}</select></label>`
      : '';
  const script = `document.getElementById('tenant')?.addEventListener('change',function(e){var v=e.target.value;document.querySelectorAll('section.tenant').forEach(function(s){s.hidden=s.getAttribute('data-tenant')!==v;});});\n${SORT_SCRIPT}`;
  const input = report.input;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Omnitrail report</title><style>${CSS}</style></head>
<body><header><h1>Omnitrail replay report</h1><p>as of ${escapeHtml(formatInstant(report.asOf))} UTC · period ${escapeHtml(formatInstant(report.from))} → ${escapeHtml(formatInstant(report.to))} · ${fmt(input.read)} lines read, ${fmt(input.accepted)} accepted, ${fmt(input.duplicates)} duplicates, ${fmt(input.rejected.length)} rejected</p></header>
<main>${picker}${sections || '<p>No events.</p>'}${rejectedSection(report)}</main>
<script>${script}</script></body></html>
`;
}
