import { formatBadRow, formatBadRowSummary, type BadRow } from '../bad-rows/index.js';

/** How many events and bad rows a dry run shows by default. */
export const DRY_RUN_SHOWN = 10;

/**
 * What `omnitrail import … --dry-run` prints: how many events the import would write, the first of them as
 * NDJSON, the bad rows summed up by column and reason, and the first bad rows themselves. Nothing is written.
 */
export function formatDryRun(events: readonly unknown[], badRows: readonly BadRow[], shown = DRY_RUN_SHOWN): string {
  const first = events.slice(0, shown);
  let out = `dry run: ${events.length} event${events.length === 1 ? '' : 's'} would be written, ${badRows.length} bad row${badRows.length === 1 ? '' : 's'} skipped; nothing written\n`;
  if (first.length > 0) out += `\nfirst ${first.length} event${first.length === 1 ? '' : 's'}:\n${first.map((e) => `${JSON.stringify(e)}\n`).join('')}`;
  if (badRows.length > 0) {
    out += `\n${formatBadRowSummary(badRows)}`;
    out += `\nfirst bad rows:\n${badRows.slice(0, shown).map((b) => `  ${formatBadRow(b)}\n`).join('')}`;
    if (badRows.length > shown) out += `  … and ${badRows.length - shown} more\n`;
  }
  return out;
}
