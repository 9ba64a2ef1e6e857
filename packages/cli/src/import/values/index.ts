import { parseInstant } from '@omnitrail/events';
import { compileDateFormat, type DateFormat } from '../date-format/index.js';
import type { ColumnValue, Constant, CsvMapping, ValueSpec } from '../mapping/index.js';
import { formatLocalInstant, timeZoneOf, type LocalDateTime } from '../time-zone/index.js';

/** The outcome of reading one field of a row: a value (`undefined`: left out), or why the cell is bad. */
export type FieldReading = { ok: true; value: Constant | undefined } | { ok: false; reason: string };

/** Reads mapping values out of CSV rows, with the mapping's missing markers, time zone and decimal mark. */
export interface ValueReader {
  /** The value of `spec` in a row. */
  read(spec: ValueSpec | undefined, row: Record<string, string>): FieldReading;
  /** Whether a cell holds no value (empty, or one of the mapping's `missing` markers). */
  isMissing(cell: string): boolean;
}

const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/;
const HAS_OFFSET = /([zZ]|[+-]\d{2}:\d{2})$/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// With a decimal comma: `12,5`, `1.234,5` or `1 234,5` (dots and spaces only in groups of three).
const COMMA_NUMBER = /^[+-]?(\d+|\d{1,3}(\.\d{3})+|\d{1,3}([ \u00a0\u202f]\d{3})+)(,\d+)?$/;
const TRUE = /^(true|yes|y|1)$/i;
const FALSE = /^(false|no|n|0)$/i;

const ok = (value: Constant | undefined): FieldReading => ({ ok: true, value });
const bad = (reason: string): FieldReading => ({ ok: false, reason });

function readNumber(text: string, decimal: '.' | ','): number | undefined {
  if (decimal === ',') return COMMA_NUMBER.test(text) ? Number(text.replace(/[. \u00a0\u202f]/g, '').replace(',', '.')) : undefined;
  return PLAIN_NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * Creates the reader of a mapping's values. A missing cell gives the spec's `default` or leaves the field
 * out; `map` translates values before the conversion (an unmapped one is bad unless `"unmapped": "keep"`).
 */
export function createValueReader(mapping: CsvMapping): ValueReader {
  const missing = new Set(mapping.missing ?? []);
  const formats = new Map<string, DateFormat>();
  const formatOf = (pattern: string) => {
    let format = formats.get(pattern);
    if (!format) formats.set(pattern, (format = compileDateFormat(pattern)));
    return format;
  };
  const isMissing = (cell: string) => cell.trim() === '' || missing.has(cell) || missing.has(cell.trim());

  const readInstant = (text: string, spec: ColumnValue): FieldReading => {
    const zoneName = spec.timeZone ?? mapping.timeZone;
    if (spec.format !== undefined) {
      const parsed = formatOf(spec.format).parse(text);
      if (typeof parsed === 'string') return bad(parsed);
      if (parsed.offsetMinutes !== undefined) return ok(formatLocalInstant(timeZoneOf('Z').instantOf(parsed.local).ms - parsed.offsetMinutes * 60_000, parsed.offsetMinutes));
      const { ms, offsetMinutes } = timeZoneOf(zoneName ?? mapping.timeZoneOffset ?? 'Z').instantOf(parsed.local);
      return ok(formatLocalInstant(ms, offsetMinutes));
    }
    if (zoneName === undefined || HAS_OFFSET.test(text)) {
      // RFC 3339 as given; a time without an offset gets `timeZoneOffset` appended (the older, fixed form).
      const withOffset = HAS_OFFSET.test(text) ? text : `${text.replace(/^(\d{4}-\d{2}-\d{2})$/, '$1T00:00:00')}${mapping.timeZoneOffset ?? 'Z'}`;
      const parsed = parseInstant(withOffset);
      return typeof parsed === 'string' ? bad(`"${text}" ${parsed}${spec.format === undefined ? ' (declare a "format" for other date forms)' : ''}`) : ok(withOffset);
    }
    const m = LOCAL_ISO.exec(text);
    if (!m) return bad(`"${text}" is not an RFC 3339 date-time (declare a "format" for other date forms)`);
    const local: LocalDateTime = {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
      millisecond: m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0')),
    };
    // The format reader checks the calendar (impossible days and hours) the same way.
    const check = formatOf('YYYY-MM-DD HH:mm:ss').parse(`${m[1]}-${m[2]}-${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`);
    if (typeof check === 'string') return bad(check.replace(/^"[^"]*"/, `"${text}"`));
    const { ms, offsetMinutes } = timeZoneOf(zoneName).instantOf(local);
    return ok(formatLocalInstant(ms, offsetMinutes));
  };

  const read = (spec: ValueSpec | undefined, row: Record<string, string>): FieldReading => {
    if (spec === undefined || typeof spec !== 'object') return ok(spec);
    const cell = row[spec.column] ?? '';
    if (isMissing(cell)) return ok(spec.default);
    let value: Constant = cell;
    if (spec.map) {
      const key = spec.map[cell] !== undefined ? cell : cell.trim();
      if (Object.hasOwn(spec.map, key)) value = spec.map[key]!;
      else if (spec.unmapped !== 'keep') {
        const known = Object.keys(spec.map);
        return bad(`"${cell}" is not in the map (${known.slice(0, 8).map((k) => JSON.stringify(k)).join(', ')}${known.length > 8 ? ', …' : ''})`);
      }
    }
    const as = spec.as ?? 'string';
    if (typeof value !== 'string') {
      if (as === 'string') return ok(String(value));
      if (as === 'number' || as === 'integer' ? typeof value === 'number' : as === 'boolean' ? typeof value === 'boolean' : false) {
        return as === 'integer' && !Number.isInteger(value) ? bad(`${value} is not an integer`) : ok(value);
      }
      value = String(value);
    }
    const text = value.trim();
    switch (as) {
      case 'number':
      case 'integer': {
        const decimal = spec.decimal ?? mapping.decimal ?? '.';
        const n = readNumber(text, decimal);
        if (n === undefined || !Number.isFinite(n)) {
          const hint = decimal === '.' && /^[+-]?\d+,\d+$/.test(text) ? ' (declare "decimal": "," for decimal commas)' : '';
          return bad(`"${value}" is not a number${hint}`);
        }
        return as === 'integer' && !Number.isInteger(n) ? bad(`"${value}" is not an integer`) : ok(n);
      }
      case 'boolean':
        return TRUE.test(text) ? ok(true) : FALSE.test(text) ? ok(false) : bad(`"${value}" is not a boolean (true/false, yes/no, y/n, 1/0; or give a "map")`);
      case 'instant':
        return readInstant(text, spec);
      default:
        return ok(value);
    }
  };
  return { read, isMissing };
}
