// Kept out of instant/index.ts so that the fast path can share it without adding it to the public API.

/** Days in a month (1-12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The decimal number written by `count` ASCII digits of `s` from `from` (the caller checked they are digits). */
export function digitsAt(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** Whether `count` characters of `s` from `from` are ASCII digits. */
function digitsOnly(s: string, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Whether text is already `YYYY-MM-DDTHH:mm:ss.sssZ` (digits in place). */
function isNormalisedShape(text: string): boolean {
  // Separators first (fixed places), then the digit runs between them: no per-character branch on the place.
  return (
    text.length === 24 &&
    text.charCodeAt(23) === 90 /* Z */ &&
    text.charCodeAt(10) === 84 /* T */ &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(19) === 46 &&
    digitsOnly(text, 0, 4) &&
    digitsOnly(text, 5, 2) &&
    digitsOnly(text, 8, 2) &&
    digitsOnly(text, 11, 2) &&
    digitsOnly(text, 14, 2) &&
    digitsOnly(text, 17, 2) &&
    digitsOnly(text, 20, 3)
  );
}

/**
 * Whether text is a possible instant already in the normalised form `YYYY-MM-DDTHH:mm:ss.sssZ`, which is
 * then its own normalisation (`parseInstant(text).iso === text`).
 */
export function isNormalisedInstant(text: string): boolean {
  if (!isNormalisedShape(text)) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && digitsAt(text, 11, 2) <= 23 && digitsAt(text, 14, 2) <= 59 && digitsAt(text, 17, 2) <= 59;
}
