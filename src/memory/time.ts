/**
 * Time phrases in a request ("what did you do overnight?", "what happened yesterday?", "since Monday",
 * "on 2026-11-20"): the window of time they name, so the context can offer what happened then even when no
 * word of the request matches the items. Days and hours are the machine's local time (the user's clock).
 * Plain rules over English phrases; the first phrase found wins.
 */

export interface TimeWindow {
  /** Inclusive start and exclusive end. */
  from: Date;
  to: Date;
  /** The phrase as found ("last night"), for the section title. */
  phrase: string;
  /** The request without the phrase (what is left to search for). */
  rest: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
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

function earlier(a: Date, b: Date): Date {
  return a.getTime() < b.getTime() ? a : b;
}

interface Rule {
  re: RegExp;
  window: (m: RegExpMatchArray, now: Date) => { from: Date; to: Date } | undefined;
}

const WD = WEEKDAYS.join("|");
const MO = `${MONTHS.join("|")}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec`;

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)));
}

/** A calendar date written in the request: 2026-11-20, 20 November (2026), November 20(th) (2026). */
function dateOf(m: RegExpMatchArray, now: Date): Date | undefined {
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
    // "on 20 December" asked in November means last December.
    if (!(g.y1 ?? g.y2) && new Date(y, mo, d).getTime() > now.getTime()) y--;
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
  { re: new RegExp(`\\b(?:on |of )?${DATE}\\b`), window: (m, now) => { const d = dateOf(m, now); return d ? { from: d, to: startOfDay(d, 1) } : undefined; } },
  // The last N hours/days/weeks.
  {
    re: /\b(?:in |over |during )?(?:the )?(?:last|past) (\d+|a couple of|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|couple) ?(minute|hour|day|week)s?\b/,
    window: (m, now) => {
      const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : (NUMBER_WORDS[m[1]!] ?? 1);
      return { from: new Date(now.getTime() - n * UNIT_MS[m[2]!]!), to: now };
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
  { re: /\b(?:today|so far today)\b/, window: (_m, now) => ({ from: startOfDay(now), to: now }) },
  { re: /\bthis week(?:end)?\b/, window: (_m, now) => ({ from: startOfWeek(now), to: now }) },
  { re: /\blast week(?:end)?\b/, window: (m, now) => (m[0].endsWith("end")
      ? { from: startOfDay(startOfWeek(now), -2), to: startOfWeek(now) }
      : { from: startOfDay(startOfWeek(now), -7), to: startOfWeek(now) }) },
  { re: /\bthis month\b/, window: (_m, now) => ({ from: new Date(now.getFullYear(), now.getMonth(), 1), to: now }) },
  { re: /\blast month\b/, window: (_m, now) => ({ from: new Date(now.getFullYear(), now.getMonth() - 1, 1), to: new Date(now.getFullYear(), now.getMonth(), 1) }) },
  { re: /\b(?:recently|lately|these days)\b/, window: (_m, now) => ({ from: new Date(now.getTime() - 3 * DAY_MS), to: now }) },
  // A weekday: the last one (today's when said as "on Monday" on a Monday is taken as a week ago).
  { re: new RegExp(`\\b(?:on |last )?(${WD})\\b`), window: (m, now) => { const d = lastWeekday(now, WEEKDAYS.indexOf(m[1]!), false); return { from: d, to: startOfDay(d, 1) }; } },
];

/**
 * The window of time a request names, or undefined when it names none. `now` is the clock (tests move it).
 */
export function timeWindow(request: string, now: Date = new Date()): TimeWindow | undefined {
  const text = request.toLowerCase().replace(/[^\p{L}\p{N}-]+/gu, " ").replace(/\s+/g, " ").trim();
  for (const rule of RULES) {
    const m = text.match(rule.re);
    if (!m) continue;
    const w = rule.window(m, now);
    if (!w || !(w.to.getTime() > w.from.getTime())) continue;
    const rest = (text.slice(0, m.index) + " " + text.slice(m.index! + m[0].length)).replace(/\s+/g, " ").trim();
    return { from: w.from, to: w.to, phrase: m[0].trim(), rest };
  }
  return undefined;
}
