import type { DurationStats, ReplayReport, TenantReport } from '@omnitrail/journey';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface Bar {
  label: string;
  value: number;
  /** Shown instead of the number. */
  display?: string;
  color?: string;
}

const PALETTE = ['#3b6fd8', '#e0803a', '#3aa57a', '#c9485b', '#8a5cc2', '#c2a23a', '#3aa0b8', '#7a7a7a'];

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * A horizontal bar chart as inline SVG: one `rect.mark` per bar, so a viewer (and the browser test) can
 * tell the chart was drawn. An empty chart says so in place of its bars.
 */
export function barChart(name: string, title: string, bars: readonly Bar[]): string {
  const rowH = 24;
  const labelW = 230;
  const width = 640;
  const plotW = width - labelW - 90;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * rowH + 10;
  const body =
    bars.length === 0
      ? `<text class="empty" x="10" y="20">no data</text>`
      : bars
          .map((b, i) => {
            const w = max > 0 ? Math.max(1, (b.value / max) * plotW) : 1;
            const y = 5 + i * rowH;
            return (
              `<text x="${labelW - 6}" y="${y + 16}" text-anchor="end">${escapeHtml(b.label)}</text>` +
              `<rect class="mark" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${b.color ?? PALETTE[0]}"><title>${escapeHtml(`${b.label}: ${b.display ?? fmt(b.value)}`)}</title></rect>` +
              `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 16}">${escapeHtml(b.display ?? fmt(b.value))}</text>`
            );
          })
          .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" data-chart="${escapeHtml(name)}" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">${body}</svg></figure>`;
}

/** A 100% stacked bar (shares of a whole), e.g. NPS promoters, passives and detractors. */
export function stackedBar(name: string, title: string, parts: readonly Bar[]): string {
  const width = 640;
  const total = parts.reduce((s, p) => s + p.value, 0);
  let x = 0;
  const marks =
    total === 0
      ? `<text class="empty" x="10" y="24">no data</text>`
      : parts
          .map((p, i) => {
            const w = (p.value / total) * width;
            const rect = `<rect class="mark" x="${x.toFixed(1)}" y="4" width="${Math.max(w, 0.5).toFixed(1)}" height="28" fill="${p.color ?? PALETTE[i % PALETTE.length]}"><title>${escapeHtml(`${p.label}: ${fmt(p.value)}`)}</title></rect>`;
            const label = w > 60 ? `<text x="${(x + 6).toFixed(1)}" y="23" fill="#fff">${escapeHtml(`${p.label} ${fmt(p.value)}`)}</text>` : '';
            x += w;
            return rect + label;
          })
          .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" data-chart="${escapeHtml(name)}" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} 36" width="100%">${marks}</svg></figure>`;
}

function hours(ms: number | null): number {
  return ms === null ? 0 : ms / 3_600_000;
}

function durationBars(label: string, stats: DurationStats, color: string): Bar[] {
  if (stats.count === 0) return [];
  return (['median', 'mean', 'p90'] as const).map((k) => ({ label: `${label} ${k}`, value: hours(stats[k]), display: `${hours(stats[k]).toFixed(2)} h`, color }));
}

function stat(label: string, value: string): string {
  return `<div class="stat"><div class="v">${escapeHtml(value)}</div><div class="l">${escapeHtml(label)}</div></div>`;
}

function rate(value: number | null, percent = false): string {
  if (value === null) return '—';
  return percent ? `${value.toFixed(1)} %` : `${(value * 100).toFixed(1)} %`;
}

function tenantSection(id: string, t: TenantReport, index: number): string {
  const m = t.metrics;
  const statusColors: Record<string, string> = { bot: '#8a5cc2', open: '#3b6fd8', pending_customer: '#c2a23a', on_hold: '#e0803a', snoozed: '#3aa0b8', resolved: '#3aa57a', closed: '#7a7a7a', merged: '#b0b0b0' };
  const charts = [
    barChart('channel-transitions', 'Channel transitions (top 15)', t.journeys.transitions.slice(0, 15).map((x) => ({ label: `${x.from} → ${x.to}`, value: x.count }))),
    barChart('stage-funnel', 'Customers by journey stage', (['awareness', 'consideration', 'purchase', 'post_sale_support'] as const).map((s, i) => ({ label: s.replace(/_/g, ' '), value: t.journeys.stages[s], color: PALETTE[i] }))),
    barChart('case-status', 'Cases by status', Object.entries(t.cases.byStatus).map(([s, n]) => ({ label: s.replace(/_/g, ' '), value: n, color: statusColors[s] }))),
    barChart('response-times', 'First response, reply and resolution times (hours)', [
      ...durationBars('first response', m.firstResponseMs, PALETTE[0]!),
      ...durationBars('reply', m.replyMs, PALETTE[6]!),
      ...durationBars('resolution', m.resolutionMs, PALETTE[2]!),
    ]),
    stackedBar('csat', `CSAT: ${rate(m.csat.percent, true)} satisfied of ${fmt(m.csat.answers)} answers`, m.csat.answers === 0 ? [] : [
      { label: 'satisfied (4-5)', value: Math.round(((m.csat.percent ?? 0) / 100) * m.csat.answers), color: '#3aa57a' },
      { label: 'other (1-3)', value: m.csat.answers - Math.round(((m.csat.percent ?? 0) / 100) * m.csat.answers), color: '#c9485b' },
    ]),
    stackedBar('nps', `NPS: ${m.nps.score === null ? '—' : fmt(m.nps.score)} over ${fmt(m.nps.answers)} customers`, [
      { label: 'promoters', value: m.nps.promoters, color: '#3aa57a' },
      { label: 'passives', value: m.nps.answers - m.nps.promoters - m.nps.detractors, color: '#c2a23a' },
      { label: 'detractors', value: m.nps.detractors, color: '#c9485b' },
    ]),
    barChart('channel-mix', 'Inbound touchpoints by channel', Object.entries(m.channelMix).map(([c, n]) => ({ label: c, value: n, color: PALETTE[1] }))),
    barChart('health', 'Customers by health band', [
      { label: 'red', value: t.health.red, color: '#c9485b' },
      { label: 'yellow', value: t.health.yellow, color: '#c2a23a' },
      { label: 'green', value: t.health.green, color: '#3aa57a' },
      { label: 'no score', value: t.health.na, color: '#b0b0b0' },
    ]),
  ];
  const stats = [
    stat('customers', fmt(t.customers.count)),
    stat('cases', fmt(t.cases.count)),
    stat('open cases', fmt(t.cases.open.length)),
    stat('first contact resolution', rate(m.fcr.rate)),
    stat('multi-channel cases', rate(m.multiChannelCaseShare)),
    stat('bot containment', rate(m.botContainment.rate)),
    stat('CES mean', m.ces.mean === null ? '—' : m.ces.mean.toFixed(2)),
    stat(`churn ${m.churn.from.slice(0, 10)} → ${m.churn.to.slice(0, 10)}`, rate(m.churn.simpleRate)),
  ];
  const lost = Object.entries(t.journeys.contextLost).map(([k, n]) => `<li>${escapeHtml(k.replace(/_/g, ' '))}: ${fmt(n)}</li>`).join('');
  return `<section class="tenant" data-tenant="${escapeHtml(id)}"${index === 0 ? '' : ' hidden'}><h2>Tenant ${escapeHtml(id)}</h2><div class="stats">${stats.join('')}</div><div class="grid">${charts.join('')}</div><h3>Context lost</h3><ul>${lost}</ul></section>`;
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}header{background:#1f2d4d;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.8}main{padding:16px 24px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}figure{background:#fff;margin:0;padding:12px;border-radius:8px;box-shadow:0 1px 3px #0002}figcaption{font-weight:600;margin-bottom:6px}svg text{font-size:12px;fill:#333}.stats{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}.stat{background:#fff;padding:10px 14px;border-radius:8px;box-shadow:0 1px 3px #0002;min-width:120px}.stat .v{font-size:20px;font-weight:600}.stat .l{color:#666;font-size:12px}select{font-size:14px}`;

/**
 * The replay report as one self-contained web page: inline CSS, SVG charts drawn here (no chart library,
 * nothing fetched at view time) and a few lines of script to switch tenants.
 */
export function renderHtmlReport(report: ReplayReport): string {
  const ids = Object.keys(report.tenants);
  const sections = ids.map((id, i) => tenantSection(id, report.tenants[id]!, i)).join('');
  const picker =
    ids.length > 1
      ? `<label>Tenant <select id="tenant">${ids.map((id) => `<option value="${escapeHtml(id)}">${escapeHtml(id)}</option>`).join('')}</select></label>`
      : '';
  const script = `document.getElementById('tenant')?.addEventListener('change',function(e){var v=e.target.value;document.querySelectorAll('section.tenant').forEach(function(s){s.hidden=s.getAttribute('data-tenant')!==v;});});`;
  const input = report.input;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Omnitrail report</title><style>${CSS}</style></head>
<body><header><h1>Omnitrail replay report</h1><p>as of ${escapeHtml(report.asOf ?? '—')} · period ${escapeHtml(report.from ?? '—')} → ${escapeHtml(report.to ?? '—')} · ${fmt(input.read)} lines read, ${fmt(input.accepted)} accepted, ${fmt(input.duplicates)} duplicates, ${fmt(input.rejected.length)} rejected</p></header>
<main>${picker}${sections || '<p>No events.</p>'}</main>
<script>${script}</script></body></html>
`;
}
