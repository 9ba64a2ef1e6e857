import { daysInMonth, digitsAt, isNormalisedInstant } from './normalised.js';

/** An RFC 3339 instant parsed into UTC milliseconds and its normalised ISO form. */
export interface ParsedInstant {
  /** Milliseconds since the epoch, UTC. */
  ms: number;
  /** `YYYY-MM-DDTHH:mm:ss.sssZ` */
  iso: string;
}

// Offset required; seconds and fraction optional; 'T' or a space between date and time (RFC 3339 allows both).
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 date-time with an offset (`Z` or `±HH:MM`). Digits beyond milliseconds are truncated.
 * Returns a reason string when the text is not a valid instant (no offset, impossible date, bad format).
 */
export function parseInstant(text: string): ParsedInstant | string {
  // Fast path: already normalised (most producers send that form).
  if (isNormalisedInstant(text)) return { ms: instantMs(text), iso: text };
  const m = INSTANT.exec(text);
  if (!m) {
    return /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
      ? 'must include a UTC offset (Z or ±HH:MM)'
      : 'must be an RFC 3339 date-time with offset, like 2024-03-01T10:00:00Z';
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12) return `has an impossible month ${m[2]}`;
  if (day < 1 || day > daysInMonth(year, month)) return `has an impossible day ${m[3]} for ${m[1]}-${m[2]}`;
  if (hour > 23) return `has an impossible hour ${m[4]}`;
  if (minute > 59) return `has an impossible minute ${m[5]}`;
  if (second > 59) return `has an impossible second ${m[6]}`;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return `has an impossible offset ${m[9]}${m[10]}:${m[11]}`;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; set the full year explicitly.
  const d = new Date(utc);
  d.setUTCFullYear(year);
  const ms = d.getTime() - offsetMinutes * 60_000;
  if (!Number.isFinite(ms)) return 'is out of range';
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) return 'is out of the supported range (years 0000-9999)';
  return { ms, iso };
}

/** Normalises an instant to `YYYY-MM-DDTHH:mm:ss.sssZ`; throws a RangeError naming the problem. */
export function normalizeInstant(text: string): string {
  const parsed = parseInstant(text);
  if (typeof parsed === 'string') throw new RangeError(`"${text}" ${parsed}`);
  return parsed.iso;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), by era arithmetic. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Milliseconds since the epoch of a normalised ISO instant (as produced by parseEvent). Folds call it for
 * every event, so the normalised form is decoded by hand (several times faster than Date.parse); any other
 * form falls back to Date.parse.
 */
export function instantMs(iso: string): number {
  if (iso.length === 24 && iso.charCodeAt(23) === 90 /* Z */ && iso.charCodeAt(10) === 84 /* T */) {
    return (
      daysFromCivil(digitsAt(iso, 0, 4), digitsAt(iso, 5, 2), digitsAt(iso, 8, 2)) * 86_400_000 +
      digitsAt(iso, 11, 2) * 3_600_000 +
      digitsAt(iso, 14, 2) * 60_000 +
      digitsAt(iso, 17, 2) * 1000 +
      digitsAt(iso, 20, 3)
    );
  }
  return Date.parse(iso);
}
