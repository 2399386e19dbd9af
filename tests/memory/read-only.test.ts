// Read-only commands write nothing: the real CLI in a temporary PAI_HOME leaves the database file, its
// write-ahead log and their times as they were, even with a stale hot set or log frames no one checkpointed;
// and the counts `pai memory stats` reads stay equal to a count of the rows after inserts and forgets.
import { Database as BunDatabase } from "bun:sqlite";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function ok(r: { code: number; stdout: string; stderr: string }): string {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The database file and its log: bytes and modification times. A log that is missing or empty holds no frames
 * either way (a read-only connection creates the empty log and the -shm index SQLite needs to read through).
 */
function snapshot(db: string) {
  const one = (f: string) => ({ size: statSync(f).size, sha256: createHash("sha256").update(readFileSync(f)).digest("hex"), mtime: statSync(f).mtimeMs });
  const wal = `${db}-wal`;
  return { db: one(db), wal: existsSync(wal) && statSync(wal).size > 0 ? one(wal) : "no frames" };
}

// (`pai context --query` and `pai memory show` without --incognito are left out: using a memory warms it, a write
// by intent.)
const READ_ONLY: string[][] = [
  ["memory", "list"],
  ["memory", "list", "--tier", "hot", "--json"],
  ["memory", "stats"],
  ["memory", "stats", "--json"],
  ["memory", "search", "lyon"],
  ["memory", "show", "--incognito", "1"],
  ["context"],
  ["status"],
  ["telos", "list"],
];

/** A home with a few memories and a hot set made stale (more hot items than memory.hotCap allows). */
function staleHome(): { home: string; db: string } {
  const home = initHome(tmpDir());
  for (const text of ["I moved to Lyon in March", "Coffee black, no sugar", "The boat is in Lyon", "Bob's birthday is in May"]) {
    ok(pai(["remember", "--kind", "fact", text], { home }));
  }
  // A write closes last and checkpoints: the log is then empty or gone. The cap is lowered after it.
  ok(pai(["memory", "maintain"], { home }));
  ok(pai(["config", "set", "memory.hotCap", "1"], { home }));
  return { home, db: join(home, "user", "pai.db") };
}

describe("read-only commands", () => {
  it("leave the database and its log byte for byte as they were, with the same times", () => {
    const { home, db } = staleHome();
    for (const args of READ_ONLY) {
      const before = snapshot(db);
      const r = pai(args, { home, env: { PAI_SQLITE_VEC: "off" } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(snapshot(db), args.join(" ")).toEqual(before);
    }
    // The stale hot set is left to the next write (or 'pai memory maintain'), which re-checks it.
    ok(pai(["memory", "maintain"], { home }));
    expect(JSON.parse(ok(pai(["memory", "stats", "--json"], { home }))).by_tier.hot).toBe(1);
  });

  it("do not checkpoint log frames they did not write", () => {
    const { home, db } = staleHome();
    // Frames in the log that no one copied into the database (a process killed before closing): a copy of the
    // files taken while a writer holds them open.
    const w = new BunDatabase(db, { readwrite: true });
    w.exec("PRAGMA wal_autocheckpoint = 0");
    w.exec("INSERT INTO meta (key, value) VALUES ('read-only.test', 'a frame in the log')");
    const other = tmpDir();
    initHome(other);
    ok(pai(["config", "set", "memory.hotCap", "1"], { home: other }));
    const otherDb = join(other, "user", "pai.db");
    copyFileSync(db, otherDb);
    copyFileSync(`${db}-wal`, `${otherDb}-wal`);
    w.close();
    const before = snapshot(otherDb);
    expect(before.wal).not.toBe("no frames");
    for (const args of READ_ONLY) {
      const r = pai(args, { home: other, env: { PAI_SQLITE_VEC: "off" } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(snapshot(otherDb), args.join(" ")).toEqual(before);
    }
    // A command that writes still checkpoints when it closes last.
    ok(pai(["remember", "one more thing about Lyon"], { home: other}));
    expect(JSON.parse(ok(pai(["memory", "stats", "--json"], { home: other }))).total).toBe(5);
  });

  it("memory stats counts what a COUNT(*) counts, after inserts and forgets", () => {
    const home = initHome(tmpDir());
    const db = join(home, "user", "pai.db");
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ content: `item ${i} about the garden`, kind: i % 3 ? "fact" : "note", created_at: new Date(Date.UTC(2020, 0, 1 + i)).toISOString() }));
    const file = join(home, "items.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    ok(pai(["memory", "import", "--quiet", file], { home }));
    ok(pai(["remember", "--pin", "a pinned fact"], { home }));
    ok(pai(["memory", "forget", "--yes", "3", "4", "5"], { home }));
    ok(pai(["memory", "edit", "6", "item 6, corrected"], { home }));
    const s = JSON.parse(ok(pai(["memory", "stats", "--json"], { home })));
    const conn = openDatabase(db, { readonly: true, migrate: false });
    try {
      const n = (sql: string) => conn.prepare<{ n: number }>(sql).get()!.n;
      expect(s.total).toBe(n("SELECT count(*) AS n FROM memory_items"));
      expect(s.superseded).toBe(n("SELECT count(*) AS n FROM memory_items WHERE superseded_by IS NOT NULL"));
      expect(s.pinned).toBe(n("SELECT count(*) AS n FROM memory_items WHERE pinned = 1"));
      expect(s.by_kind.fact).toBe(n("SELECT count(*) AS n FROM memory_items WHERE kind = 'fact'"));
      expect(s.by_kind.note).toBe(n("SELECT count(*) AS n FROM memory_items WHERE kind = 'note'"));
      expect(s.by_tier.hot + s.by_tier.warm + s.by_tier.cold).toBe(n("SELECT count(*) AS n FROM memory_items"));
      expect(s.total).toBe(40 + 1 - 3 + 1);
    } finally {
      conn.close();
    }
  });
});
