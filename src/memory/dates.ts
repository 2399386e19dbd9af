/** Dates as the store keeps them: canonical ISO 8601 text in UTC, with a year from 1 to 9999. */
import { UserError } from "../kernel/errors.ts";

/** Parses a date given as ISO text or a Date into canonical ISO 8601 UTC, or throws a UserError. */
export function toIso(value: string | Date, what = "date"): string {
  const iso = isoDate(value);
  if (iso === undefined) {
    throw new UserError(`invalid ${what} '${String(value)}'`, { hint: "use ISO 8601 with a year from 1 to 9999, e.g. 2024-03-15 or 2024-03-15T14:30:00Z" });
  }
  return iso;
}

/**
 * Canonical ISO 8601 UTC of a date, or undefined when it is not one pai can store and read back the same:
 * unparseable, a year outside 1 to 9999 (SQLite's date functions and the fixed-width text order need four
 * digits), or a calendar day that does not exist ("2026-02-30", which Date would roll over to March).
 */
export function isoDate(value: string | Date): string | undefined {
  // Already canonical (what pai writes, exports and reads back): checked field by field, without a Date.
  if (typeof value === "string" && value.length === 24 && canonical(value)) return value;
  const d = value instanceof Date ? value : new Date(value);
  const t = d.getTime();
  if (Number.isNaN(t)) return undefined;
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  if (typeof value === "string") {
    const m = /^\s*([+-]\d{6}|\d{4})-(\d{1,2})-(\d{1,2})(?![\d])/.exec(value);
    if (m) {
      const year = Number(m[1]);
      const month = Number(m[2]);
      const day = Number(m[3]);
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    }
  }
  return d.toISOString();
}

/** Whether a 24-character string is a canonical date pai can store: `YYYY-MM-DDTHH:MM:SS.mmmZ`, every field in range. */
export function canonical(v: string): boolean {
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58 || v.charCodeAt(19) !== 46 || v.charCodeAt(23) !== 90) return false;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const h = digits(v, 11, 2);
  const mi = digits(v, 14, 2);
  const s = digits(v, 17, 2);
  return y >= 1 && mo >= 1 && mo <= 12 && day >= 1 && day <= daysInMonth(y, mo) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59 && digits(v, 20, 3) >= 0;
}

/**
 * Milliseconds since 1970 of an ISO date, as Date.parse gives them: a date in the canonical form is read field by
 * field (no Date, no parser: a batch of turns compares the date of each with the one before).
 */
export function isoTime(iso: string): number {
  if (iso.length !== 24 || !canonical(iso)) return Date.parse(iso);
  const day = daysSince1970(digits(iso, 0, 4), digits(iso, 5, 2), digits(iso, 8, 2));
  return (day * 86_400 + digits(iso, 11, 2) * 3600 + digits(iso, 14, 2) * 60 + digits(iso, 17, 2)) * 1000 + digits(iso, 20, 3);
}

/**
 * Days from 1970-01-01 to a day of the proleptic Gregorian calendar (days_from_civil, H. Hinnant: eras of 400 years
 * from March).
 */
export function daysSince1970(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/** The number written by `n` decimal digits at `at`, or -1 when one is not a digit. */
function digits(v: string, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
