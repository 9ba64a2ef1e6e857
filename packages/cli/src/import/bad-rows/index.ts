/** One thing wrong with a row: the mapping field, the column it reads (when it reads one) and why. */
export interface RowProblem {
  /** The mapping or event field at fault: `occurredAt`, `data.amount`, `audit.ticket`, … */
  field: string;
  column?: string;
  reason: string;
}

/** A row that gave no event: where it is in the file and everything wrong with it. */
export interface BadRow {
  /** Data row number: 1 is the first row after the header. */
  row: number;
  /** The file line the row starts on (the header is line 1). */
  line: number;
  problems: RowProblem[];
}

function describeProblem(p: RowProblem): string {
  return `${p.column === undefined ? `field ${p.field}` : `column "${p.column}" (${p.field})`}: ${p.reason}`;
}

/** One line per bad row: `line 4 (row 3): column "amount" (data.amount): "12,5" is not a number …`. */
export function formatBadRow(bad: BadRow): string {
  return `line ${bad.line} (row ${bad.row}): ${bad.problems.map(describeProblem).join('; ')}`;
}

/**
 * Bad rows counted by column (or field) and reason, most frequent first: what to fix in a mapping, without
 * reading every row. Reasons quoting a cell are grouped without the cell's value.
 */
export function summarizeBadRows(badRows: readonly BadRow[]): { where: string; reason: string; rows: number; firstLine: number }[] {
  const groups = new Map<string, { where: string; reason: string; rows: number; firstLine: number }>();
  for (const bad of badRows) {
    for (const p of bad.problems) {
      const where = p.column === undefined ? `field ${p.field}` : `column "${p.column}" (${p.field})`;
      const reason = p.reason.replace(/^"(?:[^"\\]|\\.)*"/, '…').replace(/^-?\d+(\.\d+)? /, '… ');
      const key = `${where}\u0000${reason}`;
      const group = groups.get(key);
      if (group) group.rows++;
      else groups.set(key, { where, reason, rows: 1, firstLine: bad.line });
    }
  }
  return [...groups.values()].sort((a, b) => b.rows - a.rows || a.firstLine - b.firstLine);
}

/** The summary of {@link summarizeBadRows} as text lines, for standard error or a dry run. */
export function formatBadRowSummary(badRows: readonly BadRow[]): string {
  if (badRows.length === 0) return 'no bad rows\n';
  const lines = summarizeBadRows(badRows).map((g) => `  ${g.rows} × ${g.where}: ${g.reason} (first at line ${g.firstLine})`);
  return `${badRows.length} bad row${badRows.length === 1 ? '' : 's'} skipped:\n${lines.join('\n')}\n`;
}
