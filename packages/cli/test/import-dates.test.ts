import { describe, expect, it } from 'vitest';
import { compileDateFormat, formatLocalInstant, timeZoneOf, type LocalDateTime, type ParsedDate } from '../src/internal.js';

const local = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): LocalDateTime => ({ year, month, day, hour, minute, second, millisecond });

/** The instant of a wall-clock time in a zone, as RFC 3339 in the offset in force there. */
function inZone(zone: string, t: LocalDateTime): string {
  const { ms, offsetMinutes } = timeZoneOf(zone).instantOf(t);
  return formatLocalInstant(ms, offsetMinutes);
}

describe('declared date formats', () => {
  it('reads day-first dates with minutes only', () => {
    expect(compileDateFormat('DD-MM-YYYY HH:mm').parse('29-02-2016 01:16')).toEqual({ local: local(2016, 2, 29, 1, 16) });
  });

  it('reads every common token', () => {
    const cases: [string, string, LocalDateTime][] = [
      ['YYYY-MM-DD HH:mm:ss.SSS', '2024-03-01 10:05:07.250', local(2024, 3, 1, 10, 5, 7, 250)],
      ['D/M/YY H:mm', '5/3/24 9:05', local(2024, 3, 5, 9, 5)],
      ['D/M/YY', '31/12/69', local(1969, 12, 31)],
      ['MM/DD/YYYY hh:mm A', '03/01/2024 12:30 AM', local(2024, 3, 1, 0, 30)],
      ['MM/DD/YYYY h:mm a', '03/01/2024 12:30 pm', local(2024, 3, 1, 12, 30)],
      ['MM/DD/YYYY h:mm a', '03/01/2024 1:30 pm', local(2024, 3, 1, 13, 30)],
      ['D MMM YYYY', '7 mar 2024', local(2024, 3, 7)],
      ['dddd D MMMM YYYY [at] HH:mm', 'Thursday 7 March 2024 at 18:00', local(2024, 3, 7, 18)],
      ['YYYYMMDDTHHmmss', '20240307T180001', local(2024, 3, 7, 18, 0, 1)],
    ];
    for (const [format, text, expected] of cases) expect(compileDateFormat(format).parse(text), `${format} ${text}`).toEqual({ local: expected });
  });

  it('reads an offset in the text with Z', () => {
    expect(compileDateFormat('DD.MM.YYYY HH:mm Z').parse('01.03.2024 10:00 +0530')).toEqual({ local: local(2024, 3, 1, 10), offsetMinutes: 330 });
    expect((compileDateFormat('DD.MM.YYYY HH:mm Z').parse('01.03.2024 10:00 Z') as ParsedDate).offsetMinutes).toBe(0);
  });

  it('says why a cell cannot be read, quoting it', () => {
    const format = compileDateFormat('DD-MM-YYYY HH:mm');
    expect(format.parse('2016-02-29 01:16')).toBe('"2016-02-29 01:16" does not match the format DD-MM-YYYY HH:mm');
    expect(format.parse('29-02-2015 01:16')).toBe('"29-02-2015 01:16" has an impossible day 29 for 2015-02');
    expect(format.parse('28-13-2015 01:16')).toBe('"28-13-2015 01:16" has an impossible month 13');
    expect(format.parse('28-02-2015 24:00')).toBe('"28-02-2015 24:00" has an impossible hour 24');
    expect(compileDateFormat('D MMM YYYY').parse('7 Mrt 2024')).toBe('"Mrt" is not an English month name');
    expect(compileDateFormat('MM/DD/YYYY hh:mm A').parse('03/01/2024 13:30 PM')).toBe('"03/01/2024 13:30 PM" has an impossible hour 13 on a 12-hour clock');
  });

  it('rejects formats it cannot use, naming the problem', () => {
    expect(() => compileDateFormat('yyyy-MM-dd')).toThrow('"yyyy" is not a date token');
    expect(() => compileDateFormat('DD-MM-YYYY hh:mm')).toThrow('hh/h (1-12) needs A or a');
    expect(() => compileDateFormat('HH:mm')).toThrow('needs a year (YYYY or YY), a month (MM, M or MMM) and a day (DD or D)');
    expect(() => compileDateFormat('DD-MM-YYYY [at HH:mm')).toThrow('has no closing "]"');
    expect(() => compileDateFormat('DD-MM-YYYY YY')).toThrow('the year appears twice');
  });
});

describe('time zones', () => {
  it('uses the offset in force on the day (winter and summer time)', () => {
    expect(inZone('Europe/Amsterdam', local(2024, 1, 15, 10))).toBe('2024-01-15T10:00:00+01:00');
    expect(inZone('Europe/Amsterdam', local(2024, 7, 15, 10))).toBe('2024-07-15T10:00:00+02:00');
    expect(inZone('America/New_York', local(2024, 7, 15, 10))).toBe('2024-07-15T10:00:00-04:00');
    expect(inZone('Asia/Kolkata', local(2024, 7, 15, 10, 0, 0, 5))).toBe('2024-07-15T10:00:00.005+05:30');
  });

  it('moves a time skipped by the spring jump forward by the jump', () => {
    // Amsterdam 2024-03-31 02:00 → 03:00: 02:30 does not exist and reads as 03:30 summer time.
    expect(inZone('Europe/Amsterdam', local(2024, 3, 31, 2, 30))).toBe('2024-03-31T03:30:00+02:00');
    expect(inZone('America/New_York', local(2024, 3, 10, 2, 30))).toBe('2024-03-10T03:30:00-04:00');
    // The minutes around the gap keep their own offsets.
    expect(inZone('Europe/Amsterdam', local(2024, 3, 31, 1, 59))).toBe('2024-03-31T01:59:00+01:00');
    expect(inZone('Europe/Amsterdam', local(2024, 3, 31, 3, 0))).toBe('2024-03-31T03:00:00+02:00');
  });

  it('takes the earlier of a time that occurs twice in the autumn', () => {
    // Amsterdam 2024-10-27 03:00 → 02:00: 02:30 happens at 00:30Z and at 01:30Z.
    const twice = timeZoneOf('Europe/Amsterdam').instantOf(local(2024, 10, 27, 2, 30));
    expect(new Date(twice.ms).toISOString()).toBe('2024-10-27T00:30:00.000Z');
    expect(inZone('Europe/Amsterdam', local(2024, 10, 27, 3, 0))).toBe('2024-10-27T03:00:00+01:00');
    expect(inZone('America/New_York', local(2024, 11, 3, 1, 30))).toBe('2024-11-03T01:30:00-04:00');
    // Southern hemisphere: Sydney leaves summer time on 2024-04-07 at 03:00.
    expect(inZone('Australia/Sydney', local(2024, 4, 7, 2, 30))).toBe('2024-04-07T02:30:00+11:00');
  });

  it('takes fixed offsets and rejects unknown zones', () => {
    expect(inZone('+01:00', local(2024, 7, 15, 10))).toBe('2024-07-15T10:00:00+01:00');
    expect(inZone('-0330', local(2024, 7, 15, 10))).toBe('2024-07-15T10:00:00-03:30');
    expect(inZone('Z', local(2024, 7, 15, 10))).toBe('2024-07-15T10:00:00Z');
    expect(() => timeZoneOf('Europe/Amsterdan')).toThrow('"Europe/Amsterdan" is neither an IANA time zone');
    expect(() => timeZoneOf('+25:00')).toThrow('impossible offset');
  });
});
