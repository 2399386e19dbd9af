/** The one reader of dates given on the command line and the one formatter of times, at a fixed time and zone. */
import { describe, expect, it } from "vitest";
import { PaiError } from "../../src/kernel/errors.ts";
import { formatDay, formatWhen, fromWallTime, parseWhen } from "../../src/kernel/when.ts";

// Saturday 5 December 2026, 08:30 in Paris (07:30 UTC).
const NOW = new Date("2026-12-05T07:30:00.000Z");
const PARIS = "Europe/Paris";
const at = (text: string, zone = PARIS, now = NOW) => parseWhen(text, { now, zone }).toISOString();

describe("parseWhen", () => {
  it("reads ISO 8601: a date is local midnight, a time without offset is local, Z and offsets are kept", () => {
    expect(at("2026-03-15")).toBe("2026-03-14T23:00:00.000Z");
    expect(at("2026-03-15", "UTC")).toBe("2026-03-15T00:00:00.000Z");
    expect(at("2026-07-01")).toBe("2026-06-30T22:00:00.000Z"); // summer time: +02:00
    expect(at("2026-03-15T08:00")).toBe("2026-03-15T07:00:00.000Z");
    expect(at("2026-03-15 08:00:30")).toBe("2026-03-15T07:00:30.000Z");
    expect(at("2026-03-15T08:00Z")).toBe("2026-03-15T08:00:00.000Z");
    expect(at("2026-03-15T08:00:00.250+05:30")).toBe("2026-03-15T02:30:00.250Z");
    expect(at("2026-03")).toBe("2026-02-28T23:00:00.000Z");
    expect(at("2026-03-15", "America/New_York")).toBe("2026-03-15T04:00:00.000Z");
  });

  it("reads now, today, yesterday and tomorrow (days at local midnight)", () => {
    expect(at("now")).toBe(NOW.toISOString());
    expect(at("today")).toBe("2026-12-04T23:00:00.000Z");
    expect(at("Yesterday")).toBe("2026-12-03T23:00:00.000Z");
    expect(at("tomorrow")).toBe("2026-12-05T23:00:00.000Z");
    expect(at("today", "UTC")).toBe("2026-12-05T00:00:00.000Z");
    // 00:30 UTC on the 5th is still the 4th in New York.
    expect(at("today", "America/New_York", new Date("2026-12-05T00:30:00Z"))).toBe("2026-12-04T05:00:00.000Z");
  });

  it("reads spans back from now: minutes and hours exactly, days and weeks on the calendar", () => {
    expect(at("30m")).toBe("2026-12-05T07:00:00.000Z");
    expect(at("2h")).toBe("2026-12-05T05:30:00.000Z");
    expect(at("7d")).toBe("2026-11-28T07:30:00.000Z");
    expect(at("2w")).toBe("2026-11-21T07:30:00.000Z");
    expect(at("3 days ago")).toBe("2026-12-02T07:30:00.000Z");
    expect(at("2 hours ago")).toBe("2026-12-05T05:30:00.000Z");
    expect(at("an hour ago")).toBe("2026-12-05T06:30:00.000Z");
    expect(at("1 month ago")).toBe("2026-11-05T07:30:00.000Z");
    expect(at("1 year ago")).toBe("2025-12-05T07:30:00.000Z");
    // Across the change to summer time (29 March 2026), a day back keeps the clock time: 10:00 → 10:00.
    const spring = new Date("2026-03-29T08:00:00Z"); // 10:00 in Paris
    expect(at("1 day ago", PARIS, spring)).toBe("2026-03-28T09:00:00.000Z");
    expect(at("24h", PARIS, spring)).toBe("2026-03-28T08:00:00.000Z");
    // 31 March, one month back: the last day of February.
    expect(at("1 month ago", "UTC", new Date("2026-03-31T12:00:00Z"))).toBe("2026-02-28T12:00:00.000Z");
  });

  it("reads last week and last month as their first day, weekdays as the most recent before today", () => {
    expect(at("this week")).toBe("2026-11-29T23:00:00.000Z"); // Monday 30 November
    expect(at("last week")).toBe("2026-11-22T23:00:00.000Z"); // Monday 23 November
    expect(at("last month")).toBe("2026-10-31T23:00:00.000Z"); // 1 November
    expect(at("this month")).toBe("2026-11-30T23:00:00.000Z");
    expect(at("last month", "UTC", new Date("2026-01-10T12:00:00Z"))).toBe("2025-12-01T00:00:00.000Z");
    expect(at("monday")).toBe("2026-11-29T23:00:00.000Z");
    expect(at("Friday")).toBe("2026-12-03T23:00:00.000Z");
    expect(at("last fri")).toBe("2026-12-03T23:00:00.000Z");
    // Today is a Saturday: "saturday" is the one a week ago.
    expect(at("saturday")).toBe("2026-11-27T23:00:00.000Z");
  });

  it("refuses anything else with one line and exit 2", () => {
    for (const bad of ["xyz", "", "2026-02-30", "2026-13-01", "2026-03-15T25:00", "someday", "2 months", "3 fortnights ago", "-2h", "10000-01-01", "next week"]) {
      let err: unknown;
      try {
        parseWhen(bad, { now: NOW, zone: PARIS });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(PaiError);
      expect((err as PaiError).exitCode).toBe(2);
      expect((err as PaiError).message).toBe(`invalid date '${bad}'`);
      expect((err as PaiError).hint).toBe("use ISO 8601 (2026-03-15) or a relative date (yesterday, 2h, 3 days ago)");
    }
  });
});

describe("formatWhen", () => {
  it("shows an instant in the zone, to the minute or the second, and its day", () => {
    expect(formatWhen("2026-12-05T06:00:00Z", { zone: PARIS })).toBe("2026-12-05 07:00");
    expect(formatWhen("2026-07-05T06:00:09.900Z", { zone: PARIS, seconds: true })).toBe("2026-07-05 08:00:09");
    expect(formatWhen("2026-12-05T06:00:00Z", { zone: "UTC" })).toBe("2026-12-05 06:00");
    expect(formatWhen("2026-12-05T23:30:00Z", { zone: PARIS })).toBe("2026-12-06 00:30");
    expect(formatDay("2026-12-05T23:30:00Z", { zone: PARIS })).toBe("2026-12-06");
    expect(formatWhen("not a time", { zone: PARIS })).toBe("not a time");
  });

  it("round-trips wall-clock times", () => {
    const d = fromWallTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, PARIS); // the repeated hour
    expect(formatWhen(d, { zone: PARIS })).toBe("2026-10-25 02:30");
  });
});
