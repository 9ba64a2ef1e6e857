/** A wall-clock date and time, without a zone: what a spreadsheet cell like `29-02-2016 01:16` says. */
export interface LocalDateTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * The zone local times are read in: turns a wall-clock time into an instant and tells the offset in force.
 * Made by {@link timeZoneOf} from an IANA name (`Europe/Amsterdam`) or a fixed offset (`+01:00`, `Z`).
 */
export interface TimeZone {
  /** The name or offset it was made from. */
  readonly name: string;
  /**
   * The instant (epoch ms) of a wall-clock time in this zone and the offset there (minutes east of UTC).
   * A time skipped by a daylight-saving jump is moved forward by the jump; a time that occurs twice is the
   * earlier of the two (the rule of Temporal's `compatible` disambiguation and of java.time).
   */
  instantOf(local: LocalDateTime): { ms: number; offsetMinutes: number };
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
const isUtcName = (name: string) => name === 'Z' || name === 'z' || name === 'UTC';

/** Whether `name` is a time zone {@link timeZoneOf} accepts; otherwise the reason. */
export function checkTimeZone(name: string): true | string {
  if (isUtcName(name)) return true;
  const m = FIXED_OFFSET.exec(name);
  if (m) return Number(m[2]) <= 23 && Number(m[3]) <= 59 ? true : `"${name}" is an impossible offset`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return `"${name}" is neither an IANA time zone (like Europe/Amsterdam) nor an offset (like +01:00 or Z)`;
  }
}

/** Epoch ms of a wall-clock time read as if it were UTC (years 0-99 included, which Date.UTC would shift). */
function wallMs(t: LocalDateTime): number {
  const d = new Date(Date.UTC(2000, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond));
  d.setUTCFullYear(t.year);
  return d.getTime();
}

function fixedZone(name: string, offsetMinutes: number): TimeZone {
  return { name, instantOf: (local) => ({ ms: wallMs(local) - offsetMinutes * 60_000, offsetMinutes }) };
}

const DAY_MS = 86_400_000;

function ianaZone(name: string): TimeZone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  // Offsets are asked for many times over with the same few hours (rows of one day): cache them per instant.
  const cache = new Map<number, number>();
  /** Offset in ms (local − UTC) in force at an instant, from the zone's wall-clock reading of it. */
  const offsetAt = (ms: number): number => {
    const second = Math.floor(ms / 1000) * 1000;
    const known = cache.get(second);
    if (known !== undefined) return known;
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(new Date(second))) parts[p.type] = p.value;
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
    const local = wallMs({ year, month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), millisecond: 0 });
    const offset = local - second;
    if (cache.size > 10_000) cache.clear();
    cache.set(second, offset);
    return offset;
  };
  return {
    name,
    instantOf(local) {
      const wall = wallMs(local);
      // Zones change offset at most once within a day around any instant, so the offsets a day before and a
      // day after bracket the candidates: a wall time matching both is ambiguous, one matching neither is in a gap.
      const before = offsetAt(wall - DAY_MS);
      const after = offsetAt(wall + DAY_MS);
      const candidates = [wall - before, wall - after].filter((ms) => ms + offsetAt(ms) === wall).sort((a, b) => a - b);
      // In a gap, the offset before the jump moves the time forward by the jump's length.
      const ms = candidates[0] ?? wall - before;
      return { ms, offsetMinutes: offsetAt(ms) / 60_000 };
    },
  };
}

const zones = new Map<string, TimeZone>();

/**
 * The time zone of an IANA name (DST-correct through `Intl`) or of a fixed offset (`+01:00`, `+0100`, `Z`,
 * `z`, `UTC`). Throws a RangeError naming the problem for anything else (see {@link checkTimeZone}).
 */
export function timeZoneOf(name: string): TimeZone {
  const known = zones.get(name);
  if (known) return known;
  const check = checkTimeZone(name);
  if (check !== true) throw new RangeError(check);
  const m = FIXED_OFFSET.exec(name);
  const zone = isUtcName(name) ? fixedZone(name, 0) : m ? fixedZone(name, (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))) : ianaZone(name);
  zones.set(name, zone);
  return zone;
}

/** `+01:00`, `-05:30`, `Z` for an offset in minutes east of UTC. */
export function formatOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const abs = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * An instant as RFC 3339 in the wall-clock time of its offset: `2016-02-29T01:16:00+01:00` (milliseconds
 * only when there are some), the form imported events carry so the source's local time stays readable.
 */
export function formatLocalInstant(ms: number, offsetMinutes: number): string {
  // Local mean times before standard zones had offsets with seconds, which RFC 3339 cannot write: use UTC.
  if (!Number.isInteger(offsetMinutes)) return formatLocalInstant(ms, 0);
  const iso = new Date(ms + offsetMinutes * 60_000).toISOString();
  const base = iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
  return `${base}${formatOffset(offsetMinutes)}`;
}
