/**
 * The content hash (duplicate detection) and the canonical dates pai stores: the same text modulo case, accents,
 * punctuation and spacing hashes alike whatever its alphabet, and a date is kept as written only when it is a
 * real canonical date.
 */
import { describe, expect, it } from "vitest";
import { isoDate, isoTime } from "../../src/memory/dates.ts";
import { contentHash, dateWords, normalise } from "../../src/memory/text.ts";
import { MONTHS, WEEKDAYS } from "../../src/kernel/calendar.ts";
import { uuid7 } from "../../src/kernel/uuid.ts";

describe("contentHash", () => {
  it("hashes texts alike when their normalised forms are equal, in ASCII or not", () => {
    const same = [
      ["  Hello,   World! ", "hello world"],
      ["I moved to LYON in March.", "i moved to lyon in march"],
      ["Café au lait, s'il vous plaît", "cafe au lait s il vous plait"],
      ["--- 42 ---", "42"],
      ["!!!", " !!! "],
    ];
    for (const [a, b] of same) expect(contentHash(a!), `${a} / ${b}`).toBe(contentHash(b!));
    expect(contentHash("hello world")).not.toBe(contentHash("hello worlds"));
    expect(contentHash("!!!")).not.toBe(contentHash("???"));
    expect(contentHash("ab")).not.toBe(contentHash("a b"));
  });

  it("is the hash of the normalised text, computed without building it", () => {
    for (const text of ["Plain ASCII text, with punctuation: yes!", "x", "Über straße 12", " \t\n "]) {
      const n = normalise(text) || text.trim();
      // A text whose normalised form is itself: hashing either gives the same number.
      expect(contentHash(text)).toBe(contentHash(n));
    }
  });
});

describe("isoDate", () => {
  it("keeps a canonical date as written, and checks its fields", () => {
    expect(isoDate("2024-02-29T23:59:59.999Z")).toBe("2024-02-29T23:59:59.999Z");
    expect(isoDate("0999-01-01T00:00:00.000Z")).toBe("0999-01-01T00:00:00.000Z");
    for (const bad of ["2023-02-29T00:00:00.000Z", "2024-04-31T00:00:00.000Z", "2024-13-01T00:00:00.000Z", "0000-01-01T00:00:00.000Z"]) expect(isoDate(bad), bad).toBeUndefined();
    // Not canonical but a date: read and written canonically.
    expect(isoDate("2024-01-01T24:00:00.000Z")).toBe("2024-01-02T00:00:00.000Z");
    expect(isoDate("2024-01-01T10:00:00+02:00")).toBe("2024-01-01T08:00:00.000Z");
    expect(isoDate("2024-0a-01T00:00:00.000Z")).toBeUndefined();
  });
});

describe("isoTime", () => {
  it("gives the milliseconds Date.parse gives, canonical dates read field by field, over years 1 to 9999", () => {
    const dates = ["0001-01-01T00:00:00.000Z", "0004-02-29T23:59:59.999Z", "1600-02-29T12:00:00.000Z", "1900-03-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2000-02-29T00:00:00.001Z", "9999-12-31T23:59:59.999Z"];
    for (let t = Date.parse("0001-01-01T00:00:00.000Z"); t < Date.parse("9999-12-31T00:00:00.000Z"); t += (89 * 24 + 7) * 3_600_000 + 12_345) dates.push(new Date(t).toISOString());
    for (const iso of dates) if (isoTime(iso) !== Date.parse(iso)) expect(isoTime(iso), iso).toBe(Date.parse(iso));
    // Any other form, or a canonical shape out of range, is read by Date.parse.
    for (const other of ["2024-03-15", "2024-03-15T10:00:00+02:00", "2023-05-08T24:00:00.000Z", "2023-02-30T00:00:00.000Z", "not a date"]) {
      expect(Object.is(isoTime(other), Date.parse(other)), other).toBe(true);
    }
  });
});

describe("dateWords", () => {
  it("reads a canonical date field by field as Date reads it, over years 1 to 9999", () => {
    const viaDate = (iso: string) => {
      const d = new Date(iso);
      return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, "0")} ${WEEKDAYS[d.getUTCDay()]}`;
    };
    // Every 97 days and 5 hours from 0001-01-01 (every weekday, month and leap rule is met), and the edges.
    const dates = ["0001-01-01T00:00:00.000Z", "1600-02-29T12:00:00.000Z", "1900-02-28T23:59:59.999Z", "1900-03-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2000-02-29T00:00:00.000Z", "9999-12-31T23:59:59.999Z"];
    for (let t = Date.parse("0001-01-01T00:00:00.000Z"); t < Date.parse("9999-12-31T00:00:00.000Z"); t += (97 * 24 + 5) * 3_600_000) dates.push(new Date(t).toISOString());
    for (const iso of dates) if (dateWords(iso) !== viaDate(iso)) expect(dateWords(iso), iso).toBe(viaDate(iso));
    expect(dateWords("2023-05-08T13:56:00.000Z")).toBe("8 may 2023 monday");
    // The day asked last is kept: the same day again, then another, then back.
    for (const [iso, words] of [["2023-05-08T00:00:00.000Z", "8 may 2023 monday"], ["2023-05-09T00:00:00.000Z", "9 may 2023 tuesday"], ["2023-05-08T23:59:59.999Z", "8 may 2023 monday"], ["1023-05-08T23:59:59.999Z", "8 may 1023 thursday"]]) {
      expect(dateWords(iso!), iso).toBe(words);
    }
    // Other forms go through Date; a date that is none gives no words. A date of the canonical shape whose fields are
    // out of range is read as Date reads it too.
    expect(dateWords("2023-05-08T23:30:00-02:00")).toBe("9 may 2023 tuesday");
    expect(dateWords("not a date")).toBe("");
    for (const odd of ["2023-02-30T00:00:00.000Z", "2023-05-08T24:00:00.000Z", "2023-05-08T25:00:00.000Z", "0000-01-01T00:00:00.000Z"]) {
      expect(dateWords(odd), odd).toBe(Number.isNaN(Date.parse(odd)) ? "" : viaDate(odd));
    }
  });
});

describe("uuid7", () => {
  it("writes the time in its first 48 bits, version 7 and the RFC 9562 variant, and random bits after", () => {
    const ms = Date.parse("2026-12-05T10:00:00.000Z");
    const id = uuid7(ms);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
    expect(uuid7(0).slice(0, 15)).toBe("00000000-0000-7");
    expect(uuid7(2 ** 48 - 1).slice(0, 15)).toBe("ffffffff-ffff-7");
    // Ids of one millisecond differ; ids of later milliseconds sort after.
    const same = new Set(Array.from({ length: 10_000 }, () => uuid7(ms)));
    expect(same.size).toBe(10_000);
    const times = [ms - 1, ms, ms + 1, ms + 1000, ms + 86_400_000].map((t) => uuid7(t));
    expect([...times].sort()).toEqual(times);
  });
});
