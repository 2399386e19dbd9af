/**
 * Times as the user reads and writes them: in the user's time zone (TZ, else the system's), shown by one
 * formatter (`2026-12-05 07:00`, `2026-12-05 07:00:03` with seconds, `2026-12-05` for a day) and read by one
 * parser that takes ISO 8601 or a relative date (`yesterday`, `2h`, `3 days ago`, `last week`, `monday`).
 * Stored and `--json` times stay ISO 8601 UTC; only what a person reads is local.
 *
 * Every function takes the zone (and the parser `now`) so it can be tested at a fixed time in any zone.
 */
import { existsSync, readlinkSync } from "node:fs";
import { WEEKDAYS } from "./calendar.ts";
import { UsageError } from "./errors.ts";

const UTC_NAMES = /^:?(Etc\/)?(UTC|UCT|GMT|Universal|Zulu)([+-]?0)?$/i;
let resolved: { tz: string | undefined; zone: string } | undefined;

/**
 * The user's time zone: TZ as the runtime resolved it, else the system's; "UTC" when none is known. Resolved once
 * per value of TZ (the runtime's first use of a zone costs tens of milliseconds; a TZ naming UTC skips it).
 */
export function userZone(): string {
  const tz = process.env.TZ;
  if (resolved && resolved.tz === tz) return resolved.zone;
  let zone: string | undefined;
  if (tz !== undefined && UTC_NAMES.test(tz)) zone = "UTC";
  else {
    zone = systemZoneName(tz);
    try {
      zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {}
    if (!zone || UTC_NAMES.test(zone)) zone = "UTC";
  }
  resolved = { tz, zone };
  return zone;
}

const ZONEINFO = "/usr/share/zoneinfo/";
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * The zone's name as the system files give it, without the runtime's time-zone data (loading that is most of a
 * short command's time): TZ when it names a zone of the tz database, else the zone /etc/localtime links to.
 * Undefined when neither tells (the runtime is asked then).
 */
function systemZoneName(tz: string | undefined): string | undefined {
  try {
    if (tz !== undefined) {
      const name = tz.replace(/^:/, "");
      return ZONE_NAME.test(name) && existsSync(ZONEINFO + name) ? name : undefined;
    }
    const link = readlinkSync("/etc/localtime");
    const at = link.indexOf("zoneinfo/");
    const name = at >= 0 ? link.slice(at + "zoneinfo/".length) : "";
    return ZONE_NAME.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A wall-clock time in a zone (month 1-12, weekday 0 = Sunday). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

// One formatter per zone, made on first use (creating one costs far more than using it).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time of an instant in a zone. */
export function wallTime(at: Date | number, zone: string): WallTime {
  const t = typeof at === "number" ? at : at.getTime();
  // UTC, and the process's own zone, are read by Date's getters: a hundred times faster than formatToParts.
  if (zone === "UTC" || zone === userZone()) {
    const d = new Date(t);
    const utc = zone === "UTC";
    return utc
      ? { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() }
      : { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), weekday: d.getDay() };
  }
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(t)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const year = p.year!;
  const month = p.month!;
  const day = p.day!;
  return { year, month, day, hour: p.hour! % 24, minute: p.minute!, second: p.second!, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** The offset of a zone from UTC at an instant, in milliseconds (Paris in winter: +3 600 000). */
function offsetAt(t: number, zone: string): number {
  const w = wallTime(t, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (t - (((t % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time names in a zone. Fields out of range roll over as Date.UTC does (day 0 is the
 * last day of the month before). A time skipped by a clock change is read with the offset before it.
 */
export function fromWallTime(w: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number; ms?: number }, zone: string): Date {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0, w.ms ?? 0);
  const first = offsetAt(guess, zone);
  let t = guess - first;
  const second = offsetAt(t, zone);
  if (second !== first) t = guess - second;
  return new Date(t);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * An instant as the user reads it, in their zone: `2026-12-05 07:00` (with `seconds`, `2026-12-05 07:00:03`).
 * Text that is not a time is returned as it is.
 */
export function formatWhen(at: string | Date, opts: { zone?: string; seconds?: boolean } = {}): string {
  const t = typeof at === "string" ? Date.parse(at) : at.getTime();
  if (Number.isNaN(t)) return String(at);
  const w = wallTime(t, opts.zone ?? userZone());
  const day = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  return `${day} ${pad(w.hour)}:${pad(w.minute)}${opts.seconds ? `:${pad(w.second)}` : ""}`;
}

/** The day of an instant in the user's zone: `2026-12-05`. */
export function formatDay(at: string | Date, opts: { zone?: string } = {}): string {
  return formatWhen(at, opts).slice(0, 10);
}

/** A heading with the zone its times are in: `NEXT (Europe/Paris)`. */
export function inZone(heading: string, zone: string = userZone()): string {
  return `${heading} (${zone})`;
}

/** The zone's name the first time it is called, then nothing: a screen names its zone once. */
export function zoneOnce(zone: string = userZone()): () => string {
  let said = false;
  return () => {
    if (said) return "";
    said = true;
    return ` (${zone})`;
  };
}

/** The one line for a date that cannot be read. */
export function invalidDate(text: string): UsageError {
  return new UsageError(`invalid date '${text}'`, { hint: "use ISO 8601 (2026-03-15) or a relative date (yesterday, 2h, 3 days ago)" });
}

const HOUR_MS = 3_600_000;
const UNITS: Record<string, "minute" | "hour" | "day" | "week" | "month" | "year"> = {
  m: "minute", min: "minute", mins: "minute", minute: "minute", minutes: "minute",
  h: "hour", hr: "hour", hrs: "hour", hour: "hour", hours: "hour",
  d: "day", day: "day", days: "day",
  w: "week", wk: "week", wks: "week", week: "week", weeks: "week",
  month: "month", months: "month",
  y: "year", yr: "year", yrs: "year", year: "year", years: "year",
};
const SHORT_DAYS = WEEKDAYS.map((d) => d.slice(0, 3));

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `n` units before `now`: minutes and hours exactly; days and longer on the calendar, at the same wall-clock time. */
function before(now: Date, n: number, unit: (typeof UNITS)[string], zone: string): Date {
  if (unit === "minute") return new Date(now.getTime() - n * 60_000);
  if (unit === "hour") return new Date(now.getTime() - n * HOUR_MS);
  const w = wallTime(now, zone);
  const ms = ((now.getTime() % 1000) + 1000) % 1000;
  if (unit === "day" || unit === "week") return fromWallTime({ ...w, day: w.day - n * (unit === "week" ? 7 : 1), ms }, zone);
  const months = w.year * 12 + (w.month - 1) - n * (unit === "year" ? 12 : 1);
  const year = Math.floor(months / 12);
  const month = (months % 12) + 1;
  return fromWallTime({ ...w, year, month, day: Math.min(w.day, daysInMonth(year, month)), ms }, zone);
}

/** Local midnight `addDays` days from `now`'s day. */
function midnight(now: Date, zone: string, addDays = 0): Date {
  const w = wallTime(now, zone);
  return fromWallTime({ year: w.year, month: w.month, day: w.day + addDays }, zone);
}

const ISO = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO 8601: with a Z or an offset, that instant; without one, a wall-clock time in `zone` (a date: its midnight). */
function parseIso(t: string, zone: string): Date | undefined {
  const m = ISO.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (d === undefined && offset !== undefined) return undefined;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  if (offset === undefined) return fromWallTime({ year, month, day, hour, minute, second, ms }, zone);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (offset === "z") return new Date(utc);
  const o = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
  const minutes = Number(o[2]) * 60 + Number(o[3] ?? 0);
  if (Number(o[2]) > 23 || Number(o[3] ?? 0) > 59) return undefined;
  return new Date(utc - (o[1] === "-" ? -1 : 1) * minutes * 60_000);
}

/**
 * Reads a date given on the command line, in the user's zone, or throws the one-line UsageError:
 * - ISO 8601: `2026-03-15` (local midnight), `2026-03-15T08:00` (local), `2026-03-15T08:00Z`, `…+01:00`, `2026-03`;
 * - `now`, `today`, `yesterday`, `tomorrow` (the days at local midnight);
 * - a span back from now: `30m`, `2h`, `7d`, `2w`, `3 days ago`, `2 hours ago`, `an hour ago`, `1 month ago`
 *   (minutes and hours exactly; days, weeks, months and years on the calendar, at the same clock time);
 * - `this week`, `last week` (Monday at midnight), `this month`, `last month` (the 1st at midnight);
 * - a weekday, `monday` or `last monday` (`mon`): the most recent one before today, at midnight.
 */
export function parseWhen(text: string, opts: { now?: Date; zone?: string } = {}): Date {
  const now = opts.now ?? new Date();
  const zone = opts.zone ?? userZone();
  const t = text.trim().toLowerCase().replace(/\s+/g, " ");
  const found = read(t, now, zone);
  if (!found || Number.isNaN(found.getTime())) throw invalidDate(text);
  const year = new Date(found).getUTCFullYear();
  if (year < 1 || year > 9999) throw invalidDate(text);
  return found;
}

function read(t: string, now: Date, zone: string): Date | undefined {
  if (/^\d{4}-\d{2}/.test(t)) return parseIso(t, zone);
  switch (t) {
    case "now":
      return new Date(now.getTime());
    case "today":
      return midnight(now, zone);
    case "yesterday":
      return midnight(now, zone, -1);
    case "tomorrow":
      return midnight(now, zone, 1);
    case "this week":
    case "last week": {
      const back = (wallTime(now, zone).weekday + 6) % 7;
      return midnight(now, zone, -back - (t === "last week" ? 7 : 0));
    }
    case "this month":
    case "last month": {
      const w = wallTime(now, zone);
      return fromWallTime({ year: w.year, month: w.month - (t === "last month" ? 1 : 0), day: 1 }, zone);
    }
  }
  const span = /^(\d{1,6}) ?([a-z]+)$/.exec(t) ?? /^(\d{1,6}|an?) ([a-z]+) ago$/.exec(t);
  if (span) {
    const unit = UNITS[span[2]!];
    const short = !t.endsWith(" ago");
    // Short forms are the letters only (2h, 30m, 7d, 2w): "2 months" without "ago" is not read.
    if (unit && (!short || ["m", "h", "d", "w"].includes(span[2]!))) return before(now, /^an?$/.test(span[1]!) ? 1 : Number(span[1]), unit, zone);
    return undefined;
  }
  const wd = /^(?:last )?([a-z]+)$/.exec(t);
  if (wd) {
    const name = wd[1]!;
    let day = WEEKDAYS.indexOf(name);
    if (day < 0) day = SHORT_DAYS.indexOf(name);
    if (day < 0) return undefined;
    const back = (wallTime(now, zone).weekday - day + 7) % 7 || 7;
    return midnight(now, zone, -back);
  }
  return undefined;
}
