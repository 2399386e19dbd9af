/**
 * The content hash (duplicate detection) and the canonical dates pai stores: the same text modulo case, accents,
 * punctuation and spacing hashes alike whatever its alphabet, and a date is kept as written only when it is a
 * real canonical date.
 */
import { describe, expect, it } from "vitest";
import { isoDate } from "../../src/memory/dates.ts";
import { contentHash, normalise } from "../../src/memory/text.ts";

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
