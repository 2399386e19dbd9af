/**
 * Time phrases in a request ("what did you do overnight?", "what happened yesterday?", "since Monday",
 * "on 2026-11-20", "what's on tomorrow?", "next week", "this weekend", "in 3 days", "coming up"): the window
 * of time they name, so the context can offer what happened then, or what is planned then, even when no word
 * of the request matches the items. Days and hours are the machine's local time (the user's clock).
 * Plain rules over English phrases; the first phrase found wins. A phrase that can point either way ("on
 * Monday", "on 20 December", "this week") looks back unless the request speaks of what is ahead ("what's
 * on", "will", "do I have", "planned", "next"…) and not of the past ("did", "was", "happened"…).
 *
 * Also the days an item's own text names, read against when it was told ("dentist on 10 December", "lunch
 * with Bob tomorrow", "call Mum on Friday"): an event is stored when the user tells pai about it, so a window
 * finds it by the day it names as well as by the day it was told (see namedDays and named.ts).
 */
import { MONTHS, WEEKDAYS } from "../kernel/calendar.ts";

export interface TimeWindow {
  /** Inclusive start and exclusive end. */
  from: Date;
  to: Date;
  /** The phrase as found ("last night"), for the section title. */
  phrase: string;
  /** The request without the phrase (what is left to search for). */
  rest: string;
  /** True when the window lies ahead (tomorrow, next week, upcoming): what is planned rather than done. */
  ahead: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: HOUR_MS, day: DAY_MS, week: 7 * DAY_MS };
const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12,
  few: 3, couple: 2, "a few": 3, "a couple of": 2,
};

function startOfDay(d: Date, addDays = 0): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + addDays);
}

function at(d: Date, addDays: number, hour: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + addDays, hour);
}

/** Monday 00:00 of the week holding d (weeks start on Monday). */
function startOfWeek(d: Date): Date {
  return startOfDay(d, -((d.getDay() + 6) % 7));
}

/** The most recent day with this weekday, today included when `today` is true. */
function lastWeekday(now: Date, day: number, today: boolean): Date {
  let back = (now.getDay() - day + 7) % 7;
  if (back === 0 && !today) back = 7;
  return startOfDay(now, -back);
}

/** The next day with this weekday after `d` (never `d` itself). */
function nextWeekday(d: Date, day: number): Date {
  const ahead = (day - d.getDay() + 7) % 7 || 7;
  return startOfDay(d, ahead);
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() < b.getTime() ? a : b;
}

function count(word: string): number {
  return /^\d+$/.test(word) ? Number(word) : (NUMBER_WORDS[word] ?? 1);
}

/** Saturday 00:00 to Monday 00:00 of the week holding d. */
function weekendOf(d: Date): { from: Date; to: Date } {
  const monday = startOfWeek(d);
  return { from: startOfDay(monday, 5), to: startOfDay(monday, 7) };
}

/** Words that turn a request towards what is ahead, and words that keep it in the past. */
const AHEAD = /\b(?:will|shall|going to|gonna|what s on|whats on|on for|coming|upcoming|ahead|plan|plans|planned|planning|scheduled|schedule|due|do i have|have i got|am i|are we|should|need to|next|agenda)\b/;
const PAST = /\b(?:did|was|were|happened|had|went|done|ago|since|last)\b/;

interface Rule {
  re: RegExp;
  /** The window, given whether the request speaks of what is ahead; undefined when the phrase names none. */
  window: (m: RegExpMatchArray, now: Date, ahead: boolean, past: boolean) => { from: Date; to: Date; ahead?: boolean } | undefined;
}

const WD = WEEKDAYS.join("|");
const MO = `${MONTHS.join("|")}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec`;

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)));
}

/**
 * A calendar date written in the request: 2026-11-20, 20 November (2026), November 20(th) (2026). Without a
 * year it is the last such day, or with `ahead` the next one (today included).
 */
function dateOf(m: RegExpMatchArray, now: Date, ahead = false): Date | undefined {
  const g = m.groups ?? {};
  let y: number;
  let mo: number;
  let d: number;
  if (g.iso) {
    const [yy, mm, dd] = g.iso.split("-").map(Number) as [number, number, number];
    y = yy;
    mo = mm - 1;
    d = dd;
  } else {
    mo = monthIndex((g.mon1 ?? g.mon2)!);
    d = Number(g.d1 ?? g.d2);
    y = g.y1 ?? g.y2 ? Number(g.y1 ?? g.y2) : now.getFullYear();
    // "on 20 December" asked in November means last December; "what's on on 20 December?" this one.
    if (!(g.y1 ?? g.y2) && !ahead && new Date(y, mo, d).getTime() > now.getTime()) y--;
    if (!(g.y1 ?? g.y2) && ahead && new Date(y, mo, d).getTime() < startOfDay(now).getTime()) y++;
  }
  const date = new Date(y, mo, d);
  if (Number.isNaN(date.getTime()) || date.getMonth() !== mo || date.getDate() !== d) return undefined;
  return date;
}

const DATE = `(?:(?<iso>\\d{4}-\\d{2}-\\d{2})|(?<d1>\\d{1,2})(?:st|nd|rd|th)? (?<mon1>${MO})(?: (?<y1>\\d{4}))?|(?<mon2>${MO}) (?<d2>\\d{1,2})(?:st|nd|rd|th)?(?: (?<y2>\\d{4}))?)`;

const RULES: Rule[] = [
  // Since a date or a weekday: from its start until now.
  { re: new RegExp(`\\bsince (?:${DATE})\\b`), window: (m, now) => { const d = dateOf(m, now); return d ? { from: d, to: now } : undefined; } },
  { re: new RegExp(`\\bsince (?:last )?(${WD})\\b`), window: (m, now) => ({ from: lastWeekday(now, WEEKDAYS.indexOf(m[1]!), false), to: now }) },
  { re: /\bsince yesterday\b/, window: (_m, now) => ({ from: startOfDay(now, -1), to: now }) },
  // A calendar date: that day.
  { re: new RegExp(`\\b(?:on |of )?${DATE}\\b`), window: (m, now, ahead) => { const d = dateOf(m, now, ahead); return d ? { from: d, to: startOfDay(d, 1), ahead: d.getTime() > now.getTime() } : undefined; } },
  // The last N hours/days/weeks.
  {
    re: /\b(?:in |over |during )?(?:the )?(?:last|past) (\d+|a couple of|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|couple) ?(minute|hour|day|week)s?\b/,
    window: (m, now) => ({ from: new Date(now.getTime() - count(m[1]!) * UNIT_MS[m[2]!]!), to: now }),
  },
  // The next N hours/days/weeks, from now ("in the next few days", "over the coming two weeks").
  {
    re: /\b(?:in |over |during |for )?(?:the )?(?:next|coming) (\d+|a couple of|a few|one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|couple) ?(hour|day|week)s?\b/,
    window: (m, now) => ({ from: now, to: new Date(now.getTime() + count(m[1]!) * UNIT_MS[m[2]!]!), ahead: true }),
  },
  // In N days: that day; in N weeks: that week; in a few days: from now until then.
  {
    re: /\bin (\d+|a couple of|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|couple) ?(day|week)s?(?: time)?\b/,
    window: (m, now) => {
      const n = count(m[1]!);
      if (/few|couple/.test(m[1]!)) return { from: now, to: startOfDay(now, n * (m[2] === "week" ? 7 : 1) + 1), ahead: true };
      if (m[2] === "week") { const w = startOfWeek(startOfDay(now, 7 * n)); return { from: w, to: startOfDay(w, 7), ahead: true }; }
      return { from: startOfDay(now, n), to: startOfDay(now, n + 1), ahead: true };
    },
  },
  { re: /\b(?:the (?:last|past)|past) (minute|hour|day|week)\b/, window: (m, now) => ({ from: new Date(now.getTime() - UNIT_MS[m[1]!]!), to: now }) },
  // The night: from yesterday evening until this morning (or now, if earlier).
  { re: /\b(?:overnight|last night|during the night|in the night)\b/, window: (_m, now) => ({ from: at(now, -1, 18), to: earlier(now, at(now, 0, 12)) }) },
  { re: /\bthis morning\b/, window: (_m, now) => ({ from: startOfDay(now), to: earlier(now, at(now, 0, 12)) }) },
  { re: /\bthis afternoon\b/, window: (_m, now) => ({ from: at(now, 0, 12), to: earlier(now, at(now, 0, 18)) }) },
  { re: /\bthis evening\b/, window: (_m, now) => ({ from: at(now, 0, 17), to: now }) },
  { re: /\byesterday (?:morning)\b/, window: (_m, now) => ({ from: startOfDay(now, -1), to: at(now, -1, 12) }) },
  { re: /\byesterday (?:afternoon)\b/, window: (_m, now) => ({ from: at(now, -1, 12), to: at(now, -1, 18) }) },
  { re: /\byesterday (?:evening)\b/, window: (_m, now) => ({ from: at(now, -1, 17), to: startOfDay(now) }) },
  { re: /\bday before yesterday\b/, window: (_m, now) => ({ from: startOfDay(now, -2), to: startOfDay(now, -1) }) },
  { re: /\byesterday\b/, window: (_m, now) => ({ from: startOfDay(now, -1), to: startOfDay(now) }) },
  // Tomorrow and the day after.
  { re: /\b(?:the )?day after tomorrow\b/, window: (_m, now) => ({ from: startOfDay(now, 2), to: startOfDay(now, 3), ahead: true }) },
  { re: /\btomorrow morning\b/, window: (_m, now) => ({ from: startOfDay(now, 1), to: at(now, 1, 12), ahead: true }) },
  { re: /\btomorrow afternoon\b/, window: (_m, now) => ({ from: at(now, 1, 12), to: at(now, 1, 18), ahead: true }) },
  { re: /\btomorrow (?:evening|night)\b/, window: (_m, now) => ({ from: at(now, 1, 17), to: startOfDay(now, 2), ahead: true }) },
  { re: /\btomorrow\b/, window: (_m, now) => ({ from: startOfDay(now, 1), to: startOfDay(now, 2), ahead: true }) },
  { re: /(?<!\bthe )\btonight\b/, window: (_m, now) => ({ from: at(now, 0, 17), to: startOfDay(now, 1), ahead: true }) },
  // Today: so far, or the whole day when asked about what is ahead ("what's on today?").
  { re: /\b(?:today|so far today)\b/, window: (m, now, ahead) => ({ from: startOfDay(now), to: ahead && !m[0].startsWith("so far") ? startOfDay(now, 1) : now }) },
  // Weekends: Saturday and Sunday; "this weekend" on a weekday is the coming one (the last one if asked in the past tense).
  { re: /\bnext weekend\b/, window: (_m, now) => ({ ...weekendOf(startOfDay(now, 7)), ahead: true }) },
  {
    re: /\b(?:this|the) weekend\b/,
    window: (_m, now, _ahead, past) => {
      const w = weekendOf(now);
      if (past && now.getTime() < w.from.getTime()) return weekendOf(startOfDay(now, -7));
      return { ...w, ahead: now.getTime() < w.to.getTime() };
    },
  },
  // Next week, next month: the calendar week (from Monday) or month after this one.
  { re: /\bnext week\b/, window: (_m, now) => ({ from: startOfDay(startOfWeek(now), 7), to: startOfDay(startOfWeek(now), 14), ahead: true }) },
  { re: /\bnext month\b/, window: (_m, now) => ({ from: new Date(now.getFullYear(), now.getMonth() + 1, 1), to: new Date(now.getFullYear(), now.getMonth() + 2, 1), ahead: true }) },
  // My week ("plan my week"): the rest of this week, or next week when said at the weekend.
  {
    re: /\bmy week\b/,
    window: (_m, now) => {
      const monday = startOfDay(startOfWeek(now), 7);
      return now.getDay() === 0 || now.getDay() === 6 ? { from: monday, to: startOfDay(monday, 7), ahead: true } : { from: now, to: monday, ahead: true };
    },
  },
  // This week: so far, or the whole week when asked about what is ahead ("what should I focus on this week?").
  { re: /\bthis week\b/, window: (_m, now, ahead) => ({ from: startOfWeek(now), to: ahead ? startOfDay(startOfWeek(now), 7) : now }) },
  { re: /\blast week(?:end)?\b/, window: (m, now) => (m[0].endsWith("end")
      ? { from: startOfDay(startOfWeek(now), -2), to: startOfWeek(now) }
      : { from: startOfDay(startOfWeek(now), -7), to: startOfWeek(now) }) },
  { re: /\bthis month\b/, window: (_m, now, ahead) => ({ from: new Date(now.getFullYear(), now.getMonth(), 1), to: ahead ? new Date(now.getFullYear(), now.getMonth() + 1, 1) : now }) },
  { re: /\blast month\b/, window: (_m, now) => ({ from: new Date(now.getFullYear(), now.getMonth() - 1, 1), to: new Date(now.getFullYear(), now.getMonth(), 1) }) },
  { re: /\b(?:recently|lately|these days)\b/, window: (_m, now) => ({ from: new Date(now.getTime() - 3 * DAY_MS), to: now }) },
  // A weekday: "next Monday", "this Monday" and, when asked about what is ahead, "on Monday" are the coming one; otherwise
  // the last one (today's when said as "on Monday" on a Monday is taken as a week ago).
  {
    re: new RegExp(`\\b(next|this coming|coming|this) (${WD})\\b`),
    window: (m, now) => {
      const day = WEEKDAYS.indexOf(m[2]!);
      // "this Friday" said on a Friday is today.
      const d = m[1] === "this" && now.getDay() === day ? startOfDay(now) : nextWeekday(now, day);
      return { from: d, to: startOfDay(d, 1), ahead: true };
    },
  },
  {
    re: new RegExp(`\\b(?:on |last )?(${WD})\\b`),
    window: (m, now, ahead) => {
      const day = WEEKDAYS.indexOf(m[1]!);
      const d = ahead && !m[0].startsWith("last") ? nextWeekday(now, day) : lastWeekday(now, day, false);
      return { from: d, to: startOfDay(d, 1), ahead: d.getTime() > now.getTime() };
    },
  },
  // What is coming up, with no day named: the next seven days.
  {
    re: /\b(?:upcoming|coming up|in the coming days|in the days ahead|the week ahead|ahead of me|soon|what s next|on my agenda|my schedule|my calendar)\b/,
    window: (_m, now) => ({ from: now, to: startOfDay(now, 8), ahead: true }),
  },
];

/**
 * The window of time a request names, or undefined when it names none. `now` is the clock (tests move it).
 */
export function timeWindow(request: string, now: Date = new Date()): TimeWindow | undefined {
  const text = request.toLowerCase().replace(/[^\p{L}\p{N}-]+/gu, " ").replace(/\s+/g, " ").trim();
  const past = PAST.test(text);
  const ahead = AHEAD.test(text) && !past;
  for (const rule of RULES) {
    const m = text.match(rule.re);
    if (!m) continue;
    const w = rule.window(m, now, ahead, past);
    if (!w || !(w.to.getTime() > w.from.getTime())) continue;
    const rest = (text.slice(0, m.index) + " " + text.slice(m.index! + m[0].length)).replace(/\s+/g, " ").trim();
    return { from: w.from, to: w.to, phrase: m[0].trim(), rest, ahead: w.ahead ?? false };
  }
  return undefined;
}

/** Text as the rules read it: lower case, runs of anything but letters, digits and '-' made one space. */
function plain(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}-]+/gu, " ").replace(/\s+/g, " ").trim();
}

/** A date an item names without a year: the next such day from when it was told, unless that is most of a year away (then it was this year's, just past). */
function dateNear(m: RegExpMatchArray, toldAt: Date): Date | undefined {
  const g = m.groups ?? {};
  if (g.iso || g.y1 || g.y2) return dateOf(m, toldAt);
  const d = dateOf(m, toldAt, true);
  if (!d) return undefined;
  if (d.getTime() - startOfDay(toldAt).getTime() > 300 * DAY_MS) return new Date(d.getFullYear() - 1, d.getMonth(), d.getDate());
  return d;
}

const NAMED_DATE = new RegExp(`\\b${DATE}\\b`, "g");
const NAMED_WEEKDAY = new RegExp(`\\b(?:on|next|this|coming|this coming) (${WD})\\b`, "g");

/**
 * The days (local midnight) an item's text names, read against when it was told: calendar dates ("10
 * December", "2026-12-10"), "today"/"tonight", "tomorrow", "the day after tomorrow", "in 3 days" and "on /
 * next Friday" (the coming one). "Dentist on 10 December" told on 4 December names 10 December 2026.
 */
export function namedDays(text: string, toldAt: Date): Date[] {
  const t = plain(text);
  const out: Date[] = [];
  for (const m of t.matchAll(NAMED_DATE)) {
    const d = dateNear(m, toldAt);
    if (d) out.push(d);
  }
  if (/\bday after tomorrow\b/.test(t)) out.push(startOfDay(toldAt, 2));
  else if (/\btomorrow\b/.test(t)) out.push(startOfDay(toldAt, 1));
  if (/\b(?:today|tonight|this (?:morning|afternoon|evening))\b/.test(t)) out.push(startOfDay(toldAt));
  for (const m of t.matchAll(/\bin (\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve) days?\b/g)) out.push(startOfDay(toldAt, count(m[1]!)));
  for (const m of t.matchAll(NAMED_WEEKDAY)) out.push(nextWeekday(toldAt, WEEKDAYS.indexOf(m[1]!)));
  return out;
}

/** Whether a day an item's text names (see namedDays) falls within [from, to). */
export function namesDayIn(text: string, toldAt: Date, from: Date, to: Date): boolean {
  return namedDays(text, toldAt).some((d) => d.getTime() < to.getTime() && startOfDay(d, 1).getTime() > from.getTime());
}

const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

/**
 * What a full-text search asks for to find the items that may write a day of [from, to) as a calendar date:
 * a name of its month with one of its day numbers ("10 december", "dec 10th": `names` and `days`, both to be
 * held, in any order), or its year and month as an ISO date begins (`iso`: "2026 12", as the index splits
 * 2026-12-10). Asking for the words rather than for each day's phrases reads each word's entries once. The
 * candidates are then read exactly by namesDayIn. At most `maxDays` days from the start.
 */
export function dayTerms(from: Date, to: Date, maxDays = 31): { names: string[]; days: string[]; iso: string[] } {
  const names = new Set<string>();
  const days = new Set<string>();
  const iso = new Set<string>();
  for (let d = startOfDay(from), i = 0; d.getTime() < to.getTime() && i < maxDays; d = startOfDay(d, 1), i++) {
    const n = d.getDate();
    iso.add(`${d.getFullYear()} ${String(d.getMonth() + 1).padStart(2, "0")}`);
    names.add(MONTHS[d.getMonth()]!).add(SHORT_MONTHS[d.getMonth()]!);
    days.add(String(n)).add(ordinal(n));
  }
  return { names: [...names], days: [...days], iso: [...iso] };
}

/** Words an item uses to name a day relative to when it was told (see namedDays). */
export const RELATIVE_DAY_WORDS = ["today", "tonight", "tomorrow", "days", "day", ...WEEKDAYS];
