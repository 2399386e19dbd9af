// The most recent matches of one common term, scored without bm25()'s count of every item that holds it
// (search.ts, recentOfTerm): the same order and the same scores up to the term's IDF, one factor for all.
// Runs under Bun (bun:sqlite) and Node (better-sqlite3) against real database files.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { recentOfTerm } from "../../src/memory/search.ts";
import { openDatabase } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("recent matches of one term", () => {
  it("scores every match as bm25() does, divided by one factor, through the text, the date words and the turn followed", () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const store = openMemory(db, configSchema.parse({}));
    const words = ["marathon", "training", "in", "Lyon", "with", "Bob", "the", "long", "run", "on", "Sunday"];
    const items = Array.from({ length: 120 }, (_, i) => ({
      // Varied lengths and repeats, and some that hold the word only in a turn they follow or in their date words.
      content: `${Array.from({ length: 2 + (i % 9) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ")}${i % 5 === 0 ? " marathon marathon" : ""} #${i}`,
      kind: i % 3 === 0 ? ("episode" as const) : ("note" as const),
      thread: i % 4 === 0 ? "talk" : undefined,
      createdAt: new Date(Date.UTC(2025, i % 12, 1 + (i % 27), 10, i % 60)).toISOString(),
    }));
    store.rememberMany(items, { dedup: false });
    for (const term of ["marathon", "sunday", "december", "lyon"]) {
      const expr = `"${term}"`;
      const bm25 = db
        .prepare<{ id: number; r: number }>("SELECT rowid AS id, -bm25(memory_fts, 1.0, 0.3, 0.5) AS r FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid DESC LIMIT 50")
        .all(expr);
      const ours = recentOfTerm({ db }, expr, 50, true)!;
      expect(bm25.length, term).toBeGreaterThan(5);
      expect(ours.map((x) => x.id)).toEqual(bm25.map((x) => x.id));
      const factor = bm25[0]!.r / ours[0]!.r;
      for (const [i, x] of ours.entries()) expect(bm25[i]!.r / x.r, `${term} #${x.id}`).toBeCloseTo(factor, 9);
      // Not all scores alike: the check above says something.
      expect(new Set(ours.map((x) => x.r.toFixed(6))).size, term).toBeGreaterThan(1);
    }
    // On a store this small, reading every entry of a term is cheaper: bm25() scores (undefined).
    expect(recentOfTerm({ db }, '"marathon"', 50)).toBeUndefined();
    expect(recentOfTerm({ db }, '"absent"', 50, true)).toEqual([]);
    db.close();
  });
});
