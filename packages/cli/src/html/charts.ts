import { escapeHtml, fmt, formatDuration } from './labels.js';

/** One bar of a {@link barChart} or one part of a {@link stackedBar}. */
export interface Bar {
  label: string;
  value: number;
  /** Shown instead of the number. */
  display?: string;
  color?: string;
}

/** One entry of a chart's legend. */
export interface LegendEntry {
  label: string;
  /** No swatch when absent (the label draws its own symbol). */
  color?: string;
}

const DEFAULT_COLOR = '#4e79a7';
/** The drawing width of every chart (its viewBox); the SVG scales to the width of its box. */
const W = 480;

function legendHtml(entries: readonly LegendEntry[]): string {
  if (entries.length === 0) return '';
  return `<ul class="legend">${entries.map((e) => `<li>${e.color === undefined ? '' : `<span class="swatch" style="background:${e.color}"></span>`}${escapeHtml(e.label)}</li>`).join('')}</ul>`;
}

/**
 * A chart's box: caption, the SVG (`svg.chart[data-chart=name]`, whose drawn data are `.mark` elements, so a
 * viewer and the browser test can tell it was drawn), then an HTML legend and a note that wrap on a phone.
 */
function figure(name: string, title: string, height: number, body: string, legend: readonly LegendEntry[] = [], note = ''): string {
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg class="chart" data-chart="${escapeHtml(name)}" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${W} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">${body}</svg>` +
    `${legendHtml(legend)}${note === '' ? '' : `<p class="note">${escapeHtml(note)}</p>`}</figure>`
  );
}

const empty = (y = 20): string => `<text class="empty" x="10" y="${y}">no data</text>`;
const title = (text: string): string => `<title>${escapeHtml(text)}</title>`;
const n1 = (v: number): string => v.toFixed(1);

/** A horizontal bar chart: one `rect.mark` per bar, labels on the left, values at the bar ends. */
export function barChart(name: string, caption: string, bars: readonly Bar[], note = ''): string {
  const rowH = 26;
  // Room for the longest label (about 7.8 units a character at the phone's larger font), within bounds.
  const labelW = Math.round(Math.min(260, Math.max(60, Math.max(0, ...bars.map((b) => b.label.length)) * 7.8 + 12)));
  const plotW = W - labelW - 70;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * rowH + 8;
  const body =
    bars.length === 0
      ? empty()
      : bars
          .map((b, i) => {
            const w = max > 0 ? Math.max(1, (b.value / max) * plotW) : 1;
            const y = 4 + i * rowH;
            const shown = b.display ?? fmt(b.value);
            return (
              `<text x="${labelW - 6}" y="${y + 17}" text-anchor="end">${escapeHtml(b.label)}</text>` +
              `<rect class="mark" x="${labelW}" y="${y + 4}" width="${n1(w)}" height="${rowH - 8}" fill="${b.color ?? DEFAULT_COLOR}">${title(`${b.label}: ${shown}`)}</rect>` +
              `<text x="${n1(labelW + w + 5)}" y="${y + 17}">${escapeHtml(shown)}</text>`
            );
          })
          .join('');
  return figure(name, caption, height, body, [], note);
}

/** A 100% stacked bar (shares of a whole), e.g. NPS promoters, passives and detractors, with its legend. */
export function stackedBar(name: string, caption: string, parts: readonly Bar[]): string {
  const total = parts.reduce((s, p) => s + p.value, 0);
  let x = 0;
  const body =
    total === 0
      ? empty(24)
      : parts
          .map((p) => {
            const w = (p.value / total) * W;
            const rect = `<rect class="mark" x="${n1(x)}" y="4" width="${n1(Math.max(w, 0.5))}" height="30" fill="${p.color ?? DEFAULT_COLOR}">${title(`${p.label}: ${fmt(p.value)}`)}</rect>`;
            const label = w > 44 ? `<text x="${n1(x + 6)}" y="24" class="on-mark">${fmt(p.value)}</text>` : '';
            x += w;
            return rect + label;
          })
          .join('');
  return figure(name, caption, 38, body, total === 0 ? [] : parts.map((p) => ({ label: `${p.label} (${fmt(p.value)})`, color: p.color ?? DEFAULT_COLOR })));
}

/** A value axis: the "nice" top of a range and its tick values. */
function niceTicks(lo: number, hi: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo, lo + 1];
  const raw = span / 4;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < hi + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The frame of a chart over time buckets: x positions, a y scale and the axes' SVG. */
interface TimeFrame {
  x: (i: number) => number;
  step: number;
  y: (v: number) => number;
  axes: string;
}

const PLOT = { left: 52, right: 8, top: 8, height: 150 };

function timeFrame(labels: readonly string[], lo: number, hi: number, yLabel: (v: number) => string): TimeFrame {
  const ticks = niceTicks(lo, hi);
  const y0 = ticks[0]!;
  const y1 = ticks[ticks.length - 1]!;
  const plotW = W - PLOT.left - PLOT.right;
  const step = plotW / Math.max(1, labels.length);
  const x = (i: number): number => PLOT.left + (i + 0.5) * step;
  const y = (v: number): number => PLOT.top + PLOT.height - ((v - y0) / (y1 - y0 || 1)) * PLOT.height;
  const grid = ticks
    .map((t) => `<line class="grid" x1="${PLOT.left}" x2="${W - PLOT.right}" y1="${n1(y(t))}" y2="${n1(y(t))}"/><text x="${PLOT.left - 5}" y="${n1(y(t) + 4)}" text-anchor="end">${escapeHtml(yLabel(t))}</text>`)
    .join('');
  // At most ~6 date labels, evenly spaced, so they never overlap on a phone.
  const every = Math.max(1, Math.ceil(labels.length / 6));
  const xl = labels
    .map((l, i) => (i % every === 0 ? `<text x="${n1(x(i))}" y="${PLOT.top + PLOT.height + 16}" text-anchor="middle">${escapeHtml(l)}</text>` : ''))
    .join('');
  return { x, step, y, axes: grid + xl };
}

const TIME_H = PLOT.top + PLOT.height + 22;

/** One stacked layer of a {@link stackedTimeBars} chart. */
export interface TimeLayer {
  label: string;
  color: string;
  values: readonly number[];
}

/** Bars over time buckets, stacked by layer (inbound volume by channel, health bands…): each segment a `rect.mark`. */
export function stackedTimeBars(name: string, caption: string, labels: readonly string[], layers: readonly TimeLayer[], options: { percent?: boolean; note?: string } = {}): string {
  const totals = labels.map((_, i) => layers.reduce((s, l) => s + (l.values[i] ?? 0), 0));
  const max = Math.max(0, ...totals);
  if (labels.length === 0 || max === 0) return figure(name, caption, 30, empty(), [], options.note ?? '');
  const f = timeFrame(labels, 0, options.percent ? 100 : max, (v) => (options.percent ? `${v}%` : fmt(v)));
  let marks = '';
  const bw = Math.max(1, f.step * 0.8);
  labels.forEach((label, i) => {
    let acc = 0;
    for (const layer of layers) {
      const v = layer.values[i] ?? 0;
      if (v === 0) continue;
      const from = options.percent ? (acc / totals[i]!) * 100 : acc;
      const to = options.percent ? ((acc + v) / totals[i]!) * 100 : acc + v;
      acc += v;
      marks += `<rect class="mark" x="${n1(f.x(i) - bw / 2)}" y="${n1(f.y(to))}" width="${n1(bw)}" height="${n1(Math.max(0.5, f.y(from) - f.y(to)))}" fill="${layer.color}">${title(`${label} · ${layer.label}: ${fmt(v)}`)}</rect>`;
    }
  });
  return figure(name, caption, TIME_H, f.axes + marks, layers.filter((l) => l.values.some((v) => v > 0)).map((l) => ({ label: l.label, color: l.color })), options.note ?? '');
}

/** One line of a {@link lineChart}: `null` values break the line. */
export interface TimeLine {
  label: string;
  color: string;
  values: readonly (number | null)[];
  /** Draw the area under the line too. */
  area?: boolean;
}

/**
 * Lines over time buckets (cases opened and resolved, backlog, CSAT, NPS): each line a `path.mark`, each value
 * a `circle.mark` with its figure as a tooltip. `range` fixes the y axis (percentages), else it fits the data.
 */
export function lineChart(name: string, caption: string, labels: readonly string[], lines: readonly TimeLine[], options: { range?: [number, number]; unit?: string; note?: string } = {}): string {
  const values = lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  if (labels.length === 0 || values.length === 0) return figure(name, caption, 30, empty(), [], options.note ?? '');
  const lo = options.range?.[0] ?? Math.min(0, ...values);
  const hi = options.range?.[1] ?? Math.max(1, ...values);
  const unit = options.unit ?? '';
  const f = timeFrame(labels, lo, hi, (v) => `${fmt(v)}${unit}`);
  let marks = lo < 0 && hi > 0 ? `<line class="zero" x1="${PLOT.left}" x2="${W - PLOT.right}" y1="${n1(f.y(0))}" y2="${n1(f.y(0))}"/>` : '';
  const r = Math.max(1.2, Math.min(3, f.step / 4));
  for (const line of lines) {
    let d = '';
    let pen = false;
    line.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${n1(f.x(i))},${n1(f.y(v))}`;
      pen = true;
    });
    if (line.area === true) {
      const pts = line.values.map((v, i) => `${n1(f.x(i))},${n1(f.y(v ?? 0))}`);
      marks += `<path class="area" d="M${n1(f.x(0))},${n1(f.y(Math.max(lo, 0)))}L${pts.join('L')}L${n1(f.x(line.values.length - 1))},${n1(f.y(Math.max(lo, 0)))}Z" fill="${line.color}" fill-opacity="0.18"/>`;
    }
    marks += `<path class="mark line" d="${d}" stroke="${line.color}" fill="none"/>`;
    line.values.forEach((v, i) => {
      if (v !== null) marks += `<circle class="mark" cx="${n1(f.x(i))}" cy="${n1(f.y(v))}" r="${n1(r)}" fill="${line.color}">${title(`${labels[i]} · ${line.label}: ${fmt(v)}${unit}`)}</circle>`;
    });
  }
  return figure(name, caption, TIME_H, f.axes + marks, lines.map((l) => ({ label: l.label, color: l.color })), options.note ?? '');
}

/** The percentiles of one box of a {@link boxPlotChart}, in milliseconds. */
export interface DurationBox {
  count: number;
  p10: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Where a duration axis may put its ticks: instants people think in. */
const DURATION_TICKS = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR, 12 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY, 90 * DAY, 365 * DAY];
const tickLabel = (ms: number): string => (ms < HOUR ? `${ms / MINUTE} min` : ms < DAY ? `${ms / HOUR} h` : `${ms / DAY} d`);

/** A logarithmic duration axis: where a duration sits (0 at the floor, 1 at the top) and its ticks. */
interface DurationAxis {
  at: (ms: number) => number;
  ticks: number[];
}

const DURATION_FLOOR = 30_000; // shorter durations (and zero) sit on the axis' floor

/** The log axis that holds durations from `lowest` to `highest`, from and to the round ticks around them. */
function durationAxis(lowest: number, highest: number): DurationAxis {
  const low = Math.max(DURATION_FLOOR, lowest);
  const high = Math.max(low * 2, highest);
  const below = [...DURATION_TICKS].reverse().find((t) => t <= low) ?? DURATION_FLOOR;
  const above = DURATION_TICKS.find((t) => t >= high) ?? high;
  const lo = Math.log(below);
  const hi = Math.log(above);
  return { at: (ms) => (Math.log(Math.max(ms, DURATION_FLOOR)) - lo) / (hi - lo || 1), ticks: DURATION_TICKS.filter((t) => t >= below && t <= above) };
}

/** Ticks at least `gap` px apart (positions by `px`), so their labels never overlap. */
function spacedTicks(ticks: readonly number[], px: (t: number) => number, gap: number): number[] {
  const out: number[] = [];
  for (const t of ticks) if (out.length === 0 || Math.abs(px(t) - px(out[out.length - 1]!)) >= gap) out.push(t);
  return out;
}

/**
 * A box plot per time bucket on a logarithmic duration axis: the box spans p25-p75 (a `rect.mark`), the
 * whiskers p10-p90, the tick is the median. Durations spread over orders of magnitude (minutes for most
 * replies, weeks for a few), so a linear axis would flatten every ordinary bucket under one slow one.
 */
export function boxPlotChart(name: string, caption: string, labels: readonly string[], boxes: readonly DurationBox[], color: string): string {
  const note = 'Logarithmic time axis. Box: middle half of the samples (p25-p75); line inside: median; whiskers: p10-p90.';
  const drawn = boxes.filter((b) => b.count > 0 && b.p10 !== null && b.p90 !== null);
  if (labels.length === 0 || drawn.length === 0) return figure(name, caption, 30, empty(), [], note);
  const axis = durationAxis(Math.min(...drawn.map((b) => b.p10!)), Math.max(...drawn.map((b) => b.p90!)));
  const plotW = W - PLOT.left - PLOT.right;
  const step = plotW / Math.max(1, labels.length);
  const x = (i: number): number => PLOT.left + (i + 0.5) * step;
  const y = (ms: number): number => PLOT.top + PLOT.height - axis.at(ms) * PLOT.height;
  let body = spacedTicks(axis.ticks, y, 14).map((t) => `<line class="grid" x1="${PLOT.left}" x2="${W - PLOT.right}" y1="${n1(y(t))}" y2="${n1(y(t))}"/><text x="${PLOT.left - 5}" y="${n1(y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`).join('');
  const every = Math.max(1, Math.ceil(labels.length / 6));
  body += labels.map((l, i) => (i % every === 0 ? `<text x="${n1(x(i))}" y="${PLOT.top + PLOT.height + 16}" text-anchor="middle">${escapeHtml(l)}</text>` : '')).join('');
  const bw = Math.max(1.5, step * 0.6);
  boxes.forEach((b, i) => {
    if (b.count === 0 || b.p10 === null || b.p25 === null || b.median === null || b.p75 === null || b.p90 === null) return;
    const cx = x(i);
    const tip = title(`${labels[i]}: median ${formatDuration(b.median)}, middle half ${formatDuration(b.p25)} to ${formatDuration(b.p75)}, p10-p90 ${formatDuration(b.p10)} to ${formatDuration(b.p90)} (${fmt(b.count)} samples)`);
    body +=
      `<line class="whisker" x1="${n1(cx)}" x2="${n1(cx)}" y1="${n1(y(b.p10))}" y2="${n1(y(b.p90))}" stroke="${color}"/>` +
      `<rect class="mark" x="${n1(cx - bw / 2)}" y="${n1(y(b.p75))}" width="${n1(bw)}" height="${n1(Math.max(1, y(b.p25) - y(b.p75)))}" fill="${color}" fill-opacity="0.45" stroke="${color}">${tip}</rect>` +
      `<line class="median" x1="${n1(cx - bw / 2)}" x2="${n1(cx + bw / 2)}" y1="${n1(y(b.median))}" y2="${n1(y(b.median))}"/>`;
  });
  return figure(name, caption, TIME_H, body, [], note);
}

/** One row of a {@link markerChart}: the statistics of one duration, in milliseconds. */
export interface MarkerRow {
  label: string;
  count: number;
  median: number | null;
  mean: number | null;
  p90: number | null;
  color: string;
}

/**
 * Durations as markers on one shared time axis, a row per measure: a line from the median to p90, a dot at the
 * median, a diamond at the mean and a bar at p90. Positions, not bar lengths, carry the figures, and the axis
 * says its unit, so a short median beside a long p90 reads as a spread, not as two amounts.
 */
export function markerChart(name: string, caption: string, rows: readonly MarkerRow[]): string {
  const shown = rows.filter((r) => r.count > 0 && r.median !== null && r.mean !== null && r.p90 !== null);
  const legend: LegendEntry[] = [{ label: '● median (figure shown)' }, { label: '◆ mean' }, { label: '| p90: 9 in 10 are shorter' }];
  if (shown.length === 0) return figure(name, caption, 30, empty(), [], '');
  const axis = durationAxis(Math.min(...shown.map((r) => Math.min(r.median!, r.mean!))), Math.max(...shown.map((r) => Math.max(r.p90!, r.mean!))));
  const labelW = 110;
  const right = 18;
  const x = (ms: number): number => labelW + axis.at(ms) * (W - labelW - right);
  const rowH = 34;
  const axisY = shown.length * rowH + 6;
  let body = spacedTicks(axis.ticks, x, 44)
    .map((t) => `<line class="grid" x1="${n1(x(t))}" x2="${n1(x(t))}" y1="2" y2="${axisY}"/><text x="${n1(x(t))}" y="${axisY + 14}" text-anchor="middle">${tickLabel(t)}</text>`)
    .join('');
  shown.forEach((r, i) => {
    const cy = 4 + i * rowH + rowH / 2;
    const tip = title(`${r.label}: median ${formatDuration(r.median)}, mean ${formatDuration(r.mean)}, p90 ${formatDuration(r.p90)} (${fmt(r.count)} samples)`);
    const mx = x(r.mean!);
    body +=
      `<text x="${labelW - 8}" y="${n1(cy + 4)}" text-anchor="end">${escapeHtml(r.label)}</text>` +
      `<text class="small" x="${n1(x(r.median!))}" y="${n1(cy - 9)}" text-anchor="middle">${escapeHtml(formatDuration(r.median))}</text>` +
      `<line class="range" x1="${n1(x(r.median!))}" x2="${n1(x(r.p90!))}" y1="${n1(cy)}" y2="${n1(cy)}" stroke="${r.color}"/>` +
      `<circle class="mark" cx="${n1(x(r.median!))}" cy="${n1(cy)}" r="5" fill="${r.color}">${tip}</circle>` +
      `<path class="mark" d="M${n1(mx)},${n1(cy - 6)}L${n1(mx + 6)},${n1(cy)}L${n1(mx)},${n1(cy + 6)}L${n1(mx - 6)},${n1(cy)}Z" fill="#fff" stroke="${r.color}" stroke-width="2">${tip}</path>` +
      `<rect class="mark" x="${n1(x(r.p90!) - 1.5)}" y="${n1(cy - 9)}" width="3" height="18" fill="${r.color}">${tip}</rect>`;
  });
  return figure(name, caption, axisY + 20, body, legend, 'Logarithmic time axis.');
}
