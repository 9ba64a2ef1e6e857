import type { LocalDateTime } from '../time-zone/index.js';

/** What a date cell says: its wall-clock time and, when the format has a `Z` token, its own offset. */
export interface ParsedDate {
  local: LocalDateTime;
  /** Minutes east of UTC, when the text carried an offset. */
  offsetMinutes?: number;
}

/** A declared date format, compiled: reads one cell, or says why it cannot. */
export interface DateFormat {
  /** The format as declared. */
  readonly pattern: string;
  /** The date a cell holds, or the reason it holds none (text not matching, impossible day, …). */
  parse(text: string): ParsedDate | string;
}

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

type Field = 'year' | 'year2' | 'month' | 'monthName' | 'day' | 'hour' | 'hour12' | 'minute' | 'second' | 'fraction' | 'meridiem' | 'weekday' | 'offset';

interface Token {
  field: Field;
  regex: string;
}

// Longest first: the tokenizer takes the first one that matches at each position.
const TOKENS: [string, Token][] = [
  ['YYYY', { field: 'year', regex: '(\\d{4})' }],
  ['MMMM', { field: 'monthName', regex: '([A-Za-z]+)' }],
  ['dddd', { field: 'weekday', regex: '([A-Za-z]+)' }],
  ['MMM', { field: 'monthName', regex: '([A-Za-z]{3})' }],
  ['ddd', { field: 'weekday', regex: '([A-Za-z]{3})' }],
  ['YY', { field: 'year2', regex: '(\\d{2})' }],
  ['MM', { field: 'month', regex: '(\\d{2})' }],
  ['DD', { field: 'day', regex: '(\\d{2})' }],
  ['HH', { field: 'hour', regex: '(\\d{2})' }],
  ['hh', { field: 'hour12', regex: '(\\d{2})' }],
  ['mm', { field: 'minute', regex: '(\\d{2})' }],
  ['ss', { field: 'second', regex: '(\\d{2})' }],
  ['ZZ', { field: 'offset', regex: '([Zz]|[+-]\\d{2}:?\\d{2})' }],
  ['M', { field: 'month', regex: '(\\d{1,2})' }],
  ['D', { field: 'day', regex: '(\\d{1,2})' }],
  ['H', { field: 'hour', regex: '(\\d{1,2})' }],
  ['h', { field: 'hour12', regex: '(\\d{1,2})' }],
  ['m', { field: 'minute', regex: '(\\d{1,2})' }],
  ['s', { field: 'second', regex: '(\\d{1,2})' }],
  ['A', { field: 'meridiem', regex: '([AaPp][Mm])' }],
  ['a', { field: 'meridiem', regex: '([AaPp][Mm])' }],
  ['Z', { field: 'offset', regex: '([Zz]|[+-]\\d{2}:?\\d{2})' }],
];

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Two-digit years: 00-68 are 2000-2068, 69-99 are 1969-1999 (the POSIX strptime `%y` rule). */
function fullYear(twoDigits: number): number {
  return twoDigits <= 68 ? 2000 + twoDigits : 1900 + twoDigits;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/**
 * Compiles a declared date format such as `DD-MM-YYYY HH:mm` or `D MMM YYYY h:mm A`. Tokens: `YYYY`, `YY`
 * (00-68 → 20xx, 69-99 → 19xx), `MM`/`M` (month, 2 or 1-2 digits), `MMM`/`MMMM` (English month name,
 * abbreviated or full, any case), `DD`/`D`, `HH`/`H` (0-23), `hh`/`h` (1-12, with `A` or `a` for AM/PM),
 * `mm`/`m`, `ss`/`s`, `S`… (fraction of a second, as many digits as `S`s), `ddd`/`dddd` (weekday name,
 * not checked against the date), `Z`/`ZZ` (an offset in the text: `Z`, `+01:00`, `+0100`). `T`, digits,
 * spaces and punctuation stand for themselves; other letters go in brackets: `[at] HH:mm`.
 * Throws a RangeError naming the problem when the format cannot be used.
 */
export function compileDateFormat(pattern: string): DateFormat {
  let regex = '^';
  const fields: Field[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new RangeError(`format "${pattern}": "[" at character ${i + 1} has no closing "]"`);
      regex += escapeRegex(pattern.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (c === 'S') {
      let n = 0;
      while (pattern[i + n] === 'S') n++;
      regex += `(\\d{${n}})`;
      fields.push('fraction');
      i += n;
      continue;
    }
    const token = TOKENS.find(([name]) => pattern.startsWith(name, i));
    if (token) {
      regex += token[1].regex;
      fields.push(token[1].field);
      i += token[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(c) && c !== 'T') {
      let j = i;
      while (j < pattern.length && pattern[j] === c) j++;
      throw new RangeError(`format "${pattern}": "${pattern.slice(i, j)}" is not a date token (YYYY, YY, MM, M, MMM, DD, D, HH, H, hh, h, A, mm, ss, SSS, Z); put literal text in [brackets]`);
    }
    regex += /\s/.test(c) ? '\\s+' : escapeRegex(c);
    i++;
  }
  regex += '$';
  const has = (f: Field) => fields.includes(f);
  const twice = fields.find((f, k) => fields.indexOf(f) !== k || (f === 'year' && has('year2')) || (f === 'month' && has('monthName')) || (f === 'hour' && has('hour12')));
  if (twice) throw new RangeError(`format "${pattern}": the ${twice === 'year2' ? 'year' : twice === 'monthName' ? 'month' : twice === 'hour12' ? 'hour' : twice} appears twice`);
  if (!(has('year') || has('year2')) || !(has('month') || has('monthName')) || !has('day')) {
    throw new RangeError(`format "${pattern}": needs a year (YYYY or YY), a month (MM, M or MMM) and a day (DD or D)`);
  }
  if (has('hour12') !== has('meridiem')) {
    throw new RangeError(`format "${pattern}": ${has('hour12') ? 'hh/h (1-12) needs A or a for AM/PM' : 'A/a (AM/PM) needs hh or h; HH is 0-23'}`);
  }
  const compiled = new RegExp(regex);
  return {
    pattern,
    parse(text) {
      const reason = readDate(text);
      return typeof reason === 'string' && !reason.startsWith('"') ? `"${text}" ${reason}` : reason;
    },
  };

  function readDate(text: string): ParsedDate | string {
    const m = compiled.exec(text.trim());
    if (!m) return `"${text}" does not match the format ${pattern}`;
    const t: LocalDateTime = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
    let offsetMinutes: number | undefined;
    let pm: boolean | undefined;
    for (let k = 0; k < fields.length; k++) {
      const v = m[k + 1]!;
      switch (fields[k]!) {
        case 'year': t.year = Number(v); break;
        case 'year2': t.year = fullYear(Number(v)); break;
        case 'month': t.month = Number(v); break;
        case 'monthName': {
          const name = v.toLowerCase();
          const index = MONTH_NAMES.findIndex((full) => (name.length === 3 ? full.startsWith(name) : full === name));
          if (index < 0) return `"${v}" is not an English month name`;
          t.month = index + 1;
          break;
        }
        case 'day': t.day = Number(v); break;
        case 'hour': t.hour = Number(v); break;
        case 'hour12': {
          t.hour = Number(v);
          if (t.hour < 1 || t.hour > 12) return `has an impossible hour ${v} on a 12-hour clock`;
          break;
        }
        case 'minute': t.minute = Number(v); break;
        case 'second': t.second = Number(v); break;
        case 'fraction': t.millisecond = Number(v.slice(0, 3).padEnd(3, '0')); break;
        case 'meridiem': pm = v.toLowerCase() === 'pm'; break;
        case 'weekday': {
          const name = v.toLowerCase();
          if (!WEEKDAY_NAMES.some((full) => (name.length === 3 ? full.startsWith(name) : full === name))) return `"${v}" is not an English weekday name`;
          break;
        }
        case 'offset': {
          if (v === 'Z' || v === 'z') offsetMinutes = 0;
          else {
            const digits = v.replace(':', '');
            const hours = Number(digits.slice(1, 3));
            const minutes = Number(digits.slice(3, 5));
            if (hours > 23 || minutes > 59) return `has an impossible offset ${v}`;
            offsetMinutes = (v[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
          }
          break;
        }
      }
    }
    // 12 AM is midnight, 12 PM noon.
    if (pm !== undefined) t.hour = (t.hour % 12) + (pm ? 12 : 0);
    if (t.month < 1 || t.month > 12) return `has an impossible month ${t.month}`;
    if (t.day < 1 || t.day > daysInMonth(t.year, t.month)) return `has an impossible day ${t.day} for ${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}`;
    if (t.hour > 23) return `has an impossible hour ${t.hour}`;
    if (t.minute > 59) return `has an impossible minute ${t.minute}`;
    if (t.second > 59) return `has an impossible second ${t.second}`;
    return offsetMinutes === undefined ? { local: t } : { local: t, offsetMinutes };
  }
}
