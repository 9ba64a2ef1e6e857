import type { SegmentResult, SegmentRow } from '@omnitrail/journey';
import { formatTable, plural } from '../journey/index.js';

/** The columns of `omnitrail segment --csv` and of its table, in order. */
export const SEGMENT_COLUMNS = ['tenantId', 'customerId', 'band', 'score', 'stage', 'lastSeenAt', 'value', 'signals', 'emails', 'phones'] as const;

/** Value per currency as one cell: `130 EUR; 10 USD` (currencies sorted). */
function valueCell(value: Readonly<Record<string, number>>): string {
  return Object.entries(value)
    .map(([currency, amount]) => `${amount} ${currency}`)
    .join('; ');
}

function cells(row: SegmentRow): string[] {
  return [
    row.tenantId,
    row.customerId,
    row.band,
    row.score === null ? '' : String(row.score),
    row.stage ?? '',
    row.lastSeenAt,
    valueCell(row.value),
    row.signals.join('; '),
    row.emails.join('; '),
    row.phones.join('; '),
  ];
}

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The segment as CSV for an outreach tool: a header line, then one line per customer; lists (signals,
 * emails, phones, value per currency) are joined with "; " inside their cell. Lines end with CRLF (RFC 4180).
 */
export function formatSegmentCsv(result: SegmentResult): string {
  const lines = [SEGMENT_COLUMNS.join(','), ...result.customers.map((r) => cells(r).map(csvField).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** The segment as JSON: the instant and the customers with every field. */
export function formatSegmentJson(result: SegmentResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** The segment as a table for a terminal, scores to one decimal. */
export function formatSegmentTable(result: SegmentResult): string {
  const rows = result.customers.map((r) => {
    const c = cells(r);
    c[3] = r.score === null ? '' : r.score.toFixed(1);
    return c;
  });
  const head = `${plural(result.customers.length, 'customer')} as of ${result.asOf ?? '(no events)'}`;
  return `${head}\n${rows.length === 0 ? '' : `${formatTable(SEGMENT_COLUMNS, rows)}\n`}`;
}
