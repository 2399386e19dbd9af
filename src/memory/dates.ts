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
  if (typeof value === "string" && value.length === 24) {
    const m = CANONICAL.exec(value);
    if (m) {
      const y = Number(m[1]);
      const mo = Number(m[2]);
      const day = Number(m[3]);
      if (y >= 1 && mo >= 1 && mo <= 12 && day >= 1 && day <= daysInMonth(y, mo) && Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59) return value;
    }
  }
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

const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
