import type { BusinessHoursCalendar } from '../model/index.js';

const DAY_MS = 86_400_000;
/** Searching further than this for open hours means the calendar is (practically) always closed. */
const MAX_DAYS = 3_700;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone, as a UTC "local" timestamp (ms, seconds precision). */
function localAsUtc(timeZone: string, instant: number): number {
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      default: break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Offset of the zone at an instant: local wall time minus UTC, in ms. */
function offsetAt(timeZone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return localAsUtc(timeZone, whole) - whole;
}

/** The instant of a wall-clock time (given as a UTC "local" timestamp) in a zone. */
function wallToInstant(timeZone: string, wall: number): number {
  const first = wall - offsetAt(timeZone, wall);
  const second = wall - offsetAt(timeZone, first);
  // Around a DST change the two guesses differ; the second one uses the offset in force at the result.
  return second;
}

function parseHm(hm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hm.trim());
  if (!m) throw new RangeError(`business hours: "${hm}" is not HH:MM`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

function isoDate(dayStart: number): string {
  return new Date(dayStart).toISOString().slice(0, 10);
}

/** Open intervals `[start, end)` in instants of the local day whose midnight (as UTC "local") is `day`. */
function dayIntervals(cal: BusinessHoursCalendar, day: number, out: number[]): void {
  out.length = 0;
  if (cal.holidays !== undefined && cal.holidays.includes(isoDate(day))) return;
  const dow = new Date(day).getUTCDay();
  const iso = (dow === 0 ? 7 : dow) as 1 | 2 | 3 | 4 | 5 | 6 | 7;
  const spans = cal.week[iso];
  if (spans === undefined) return;
  for (const [from, to] of spans) {
    const a = wallToInstant(cal.timeZone, day + parseHm(from));
    const b = wallToInstant(cal.timeZone, day + parseHm(to));
    if (b > a) out.push(a, b);
  }
}

function localDay(cal: BusinessHoursCalendar, instant: number): number {
  const local = localAsUtc(cal.timeZone, Math.floor(instant / 1000) * 1000);
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
}

/** Working milliseconds of the calendar in `[from, to)`. */
export function businessMsBetween(cal: BusinessHoursCalendar, from: number, to: number): number {
  if (to <= from) return 0;
  let total = 0;
  const spans: number[] = [];
  // Start a day early: a local day's hours may begin before `from`'s local date in UTC terms.
  let day = localDay(cal, from) - DAY_MS;
  const last = localDay(cal, to) + DAY_MS;
  for (let n = 0; day <= last && n < MAX_DAYS; day += DAY_MS, n++) {
    dayIntervals(cal, day, spans);
    for (let i = 0; i < spans.length; i += 2) {
      const a = Math.max(spans[i]!, from);
      const b = Math.min(spans[i + 1]!, to);
      if (b > a) total += b - a;
    }
  }
  return total;
}

/**
 * The instant at which `ms` working milliseconds have passed since `start`; `Infinity` when the calendar
 * has no open hours in the next ten years.
 */
export function addBusinessMs(cal: BusinessHoursCalendar, start: number, ms: number): number {
  let left = ms;
  const spans: number[] = [];
  let day = localDay(cal, start) - DAY_MS;
  for (let n = 0; n < MAX_DAYS; day += DAY_MS, n++) {
    dayIntervals(cal, day, spans);
    for (let i = 0; i < spans.length; i += 2) {
      const b = spans[i + 1]!;
      if (b <= start) continue;
      const a = Math.max(spans[i]!, start);
      if (left <= b - a) return a + left;
      left -= b - a;
    }
  }
  return Infinity;
}
