/**
 * RFC 4180 CSV: fields separated by commas, optionally quoted with `"`; quoted fields may hold commas,
 * doubled quotes and line breaks. Records end with LF or CRLF; the last may have no line break. A UTF-8
 * byte-order mark at the start is dropped.
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  return parseCsvRecords(text, delimiter).records;
}

/** {@link parseCsv} plus the 1-based line each record starts on (quoted fields may span lines). */
function parseCsvRecords(text: string, delimiter: string): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let recordLine = 1;
  let record: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const sep = delimiter.charCodeAt(0);
  let field = '';
  let atRecordStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    atRecordStart = false;
    if (c === 34 /* " */ && field === '') {
      // Quoted field: read to the closing quote, unescaping "".
      let j = i + 1;
      let value = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new SyntaxError(`unterminated quoted field starting at character ${i}`);
        value += text.slice(j, q);
        for (let k = j; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      field = value;
      i = j;
      // Anything between the closing quote and the separator is kept, as lenient readers do.
      while (i < n && text.charCodeAt(i) !== sep && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) field += text[i++];
      continue;
    }
    if (c === sep) {
      record.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === 10 || c === 13) {
      record.push(field);
      records.push(record);
      lines.push(recordLine);
      record = [];
      field = '';
      atRecordStart = true;
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    // Plain run up to the next special character.
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === sep || d === 10 || d === 13) break;
      j++;
    }
    field += text.slice(i, j);
    i = j;
  }
  if (!atRecordStart || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
    lines.push(recordLine);
  }
  return { records, lines };
}

/**
 * A CSV file as header names and rows of objects keyed by them, with each row's record number (1 = the first
 * record after the header) and the 1-based line of the file it starts on (the header is line 1).
 */
export interface CsvTable {
  header: string[];
  rows: { record: number; line: number; values: Record<string, string> }[];
}

/** Parses CSV with a header record; empty records are skipped. */
export function readCsvTable(text: string, delimiter = ','): CsvTable {
  const { records, lines } = parseCsvRecords(text, delimiter);
  const header = (records[0] ?? []).map((h) => h.trim());
  const rows: CsvTable['rows'] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length === 1 && rec[0] === '') continue;
    const values: Record<string, string> = {};
    for (let c = 0; c < header.length; c++) values[header[c]!] = rec[c] ?? '';
    rows.push({ record: r, line: lines[r]!, values });
  }
  return { header, rows };
}
