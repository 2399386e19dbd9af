// Migration 101 moves the tiers of a store written under migration 100 into memory_tiers, and migration 102
// keeps only whether an item is hot (warm vs cold is derived from time), keeping every item, its tier and
// its tier history; the store then works as before.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { memoryMigrations } from "../../src/memory/schema.ts";
import { allMigrations, integrityCheck, migrate, openDatabase } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { paths } from "../../src/kernel/paths.ts";
import { tmpDir } from "../helpers/tmp.ts";

const DAY = 86_400_000;

describe("memory migration 101 (tiers table)", () => {
  it("keeps every item's tier and history and leaves a working store", () => {
    const path = join(tmpDir(), "pai.db");
    const old = openDatabase(path, { migrate: false });
    migrate(old, allMigrations().filter((m) => m.version < 101));
    const ins = old.prepare(
      `INSERT INTO memory_items (content, kind, tier, created_at, recorded_at, active_at, pinned, hash, superseded_by)
       VALUES (?, 'note', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    ins.run("pinned thing", "hot", now, now, now, 1, 1, null);
    ins.run("an old thing", "warm", "2020-01-01T00:00:00.000Z", now, "2020-01-01T00:00:00.000Z", 0, 2, null);
    ins.run("replaced thing", "warm", now, now, now, 0, 3, 4);
    ins.run("replacing thing", "hot", now, now, now, 0, 4, null);
    for (const [id, content] of [[1, "pinned thing"], [2, "an old thing"], [3, "replaced thing"], [4, "replacing thing"]] as const) {
      old.prepare("INSERT INTO memory_fts (rowid, content, context) VALUES (?, ?, '')").run(id, content);
    }
    // The old trigger records this move.
    old.prepare("UPDATE memory_items SET tier = 'cold' WHERE id = 2").run();
    expect(old.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tier_events").get()!.n).toBe(1);
    old.close();

    const db = openDatabase(path);
    expect(memoryMigrations.map((m) => m.version)).toContain(101);
    const cols = db.prepare<{ name: string }>("SELECT name FROM pragma_table_info('memory_items')").all().map((r) => r.name);
    expect(cols).not.toContain("tier");
    const tiers = db.prepare<{ item_id: number; hot: number; pinned: number; current: number }>("SELECT item_id, hot, pinned, current FROM memory_tiers ORDER BY item_id").all();
    expect(tiers).toEqual([
      { item_id: 1, hot: 1, pinned: 1, current: 1 },
      { item_id: 2, hot: 0, pinned: 0, current: 1 },
      { item_id: 3, hot: 0, pinned: 0, current: 0 },
      { item_id: 4, hot: 1, pinned: 0, current: 1 },
    ]);
    const store = openMemory(db, configSchema.parse({}));
    expect(store.get(2)).toMatchObject({ tier: "cold", content: "an old thing" });
    expect(store.get(3)).toMatchObject({ tier: "warm" });
    expect(store.history(2).tiers).toEqual([expect.objectContaining({ from: "warm", to: "cold" })]);
    expect(store.hot().map((m) => m.id)).toEqual([1, 4]);
    // Using the old item warms it, and the move is recorded.
    store.touch([2]);
    expect(store.get(2)!.tier).toBe("hot");
    expect(store.history(2).tiers.map((t) => `${t.from}->${t.to}`)).toEqual(["warm->cold", "cold->hot"]);
    expect(store.search("old thing").map((h) => h.id)).toContain(2);
    expect(store.stats().byTier).toEqual({ hot: 3, warm: 1, cold: 0 });
    db.close();
  });
});

describe("memory migration 102 (hot flag; warm and cold derived)", () => {
  it("keeps hot items hot, derives warm and cold from time, and keeps the tier history", () => {
    const NOW = Date.parse("2025-06-15T12:00:00.000Z");
    const ago = (d: number) => new Date(NOW - d * DAY).toISOString();
    const path = join(tmpDir(), "pai.db");
    const old = openDatabase(path, { migrate: false });
    migrate(old, allMigrations().filter((m) => m.version < 102));
    const item = old.prepare(
      `INSERT INTO memory_items (id, content, kind, created_at, recorded_at, active_at, pinned, hash, supersedes, superseded_by)
       VALUES (?, ?, 'note', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const tier = old.prepare("INSERT INTO memory_tiers (item_id, tier, active_at, pinned, current) VALUES (?, ?, ?, ?, ?)");
    const event = old.prepare("INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier) VALUES (?, ?, ?, ?)");
    // id, content, days since active (= happened = recorded), stored tier, pinned, supersedes, superseded_by
    const rows: [number, string, number, string, number, number | null, number | null][] = [
      [1, "pinned rule about tea", 400, "hot", 1, null, null],
      [2, "recent thing about the bike", 2, "hot", 0, null, null],
      [3, "month old thing about the garden", 30, "warm", 0, null, null],
      [4, "long cold thing about a trip", 400, "cold", 0, null, null],
      // Stored warm, but aged past the window before any maintain ran: cold now.
      [5, "stale warm thing about a concert", 200, "warm", 0, null, null],
      [6, "replaced thing about the flat", 1, "warm", 0, null, 7],
      [7, "replacing thing about the flat", 0, "hot", 0, 6, null],
      // Stored cold under a narrower window: warm under today's.
      [8, "widened thing about a book", 60, "cold", 0, null, null],
    ];
    for (const [id, content, days, t, pinned, supersedes, supersededBy] of rows) {
      item.run(id, content, ago(days), ago(days), ago(days), pinned, id, supersedes, supersededBy);
      tier.run(id, t, ago(days), pinned, supersededBy === null ? 1 : 0);
      old.prepare("INSERT INTO memory_fts (rowid, content, context) VALUES (?, ?, '')").run(id, content);
    }
    event.run(3, ago(23), "hot", "warm");
    event.run(4, ago(393), "hot", "warm");
    event.run(4, ago(310), "warm", "cold");
    event.run(5, ago(193), "hot", "warm");
    old.close();

    const db = openDatabase(path);
    expect(memoryMigrations.map((m) => m.version)).toContain(102);
    const cols = db.prepare<{ name: string }>("SELECT name FROM pragma_table_info('memory_tiers')").all().map((r) => r.name);
    // (`kind` is added beside the tier by migration 104.)
    expect(cols).toEqual(["item_id", "hot", "active_at", "pinned", "current", "kind"]);
    const idx = db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memory_tiers'").all().map((x) => x.name);
    expect(idx).toEqual(expect.arrayContaining(["memory_tiers_hot_active", "memory_tiers_pinned"]));
    expect(db.prepare<{ hot: number }>("SELECT hot FROM memory_tiers ORDER BY item_id").all().map((r) => r.hot)).toEqual([1, 1, 0, 0, 0, 0, 1, 0]);

    let now = NOW;
    const store = openMemory(db, configSchema.parse({ memory: { hotWindowDays: 7, warmWindowDays: 90, hotCap: 50 } }), { now: () => new Date(now) });
    expect(rows.map(([id]) => store.get(id)!.tier)).toEqual(["hot", "hot", "warm", "cold", "cold", "warm", "hot", "warm"]);
    expect(store.stats().byTier).toEqual({ hot: 3, warm: 3, cold: 2 });
    expect(store.hot().map((m) => m.id)).toEqual([1, 7, 2]);
    expect(store.list({ tier: "cold" }).map((m) => m.id)).toEqual([5, 4]);
    expect(store.list({ tier: "warm", includeSuperseded: true }).map((m) => m.id)).toEqual([6, 3, 8]);
    expect(store.search("thing", { tier: "cold" }).map((h) => h.id).sort()).toEqual([4, 5]);
    // The stored history survives; a move to cold that was never stored is derived (item 5, 90 days after it
    // was last active), and none is added where one is stored (item 4).
    expect(store.history(3).tiers).toEqual([{ at: ago(23), from: "hot", to: "warm" }]);
    expect(store.history(4).tiers).toEqual([
      { at: ago(393), from: "hot", to: "warm" },
      { at: ago(310), from: "warm", to: "cold" },
    ]);
    expect(store.history(5).tiers).toEqual([
      { at: ago(193), from: "hot", to: "warm" },
      { at: ago(110), from: "warm", to: "cold" },
    ]);
    // Nothing was stale: a full maintain moves nothing.
    expect(store.maintain().moved).toEqual({});
    // Using the stale item warms it, and its history keeps the move to cold it ends.
    now = NOW + DAY;
    store.touch([5]);
    expect(store.get(5)!.tier).toBe("hot");
    expect(store.history(5).tiers).toEqual([
      { at: ago(193), from: "hot", to: "warm" },
      { at: ago(110), from: "warm", to: "cold" },
      { at: new Date(now).toISOString(), from: "cold", to: "hot" },
    ]);
    expect(integrityCheck(db)).toEqual([]);
    db.close();
  });
});

describe("maintain: a changed warm window moves nothing", () => {
  it("re-reads every item as warm, then cold, without a write", () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const now = Date.parse("2026-06-01T00:00:00Z");
    const store = openMemory(db, configSchema.parse({}), { now: () => new Date(now) });
    store.rememberMany(
      Array.from({ length: 1500 }, (_, i) => ({ content: `item number ${i} about topic ${i % 7}`, createdAt: new Date(now - (100 + (i % 900)) * DAY - i * 1000).toISOString() })),
    );
    expect(store.stats().byTier).toEqual({ hot: 0, warm: 0, cold: 1500 });
    const snapshot = () => ({
      tiers: db.prepare("SELECT * FROM memory_tiers ORDER BY item_id").all(),
      events: db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tier_events").get()!.n,
    });
    const before = snapshot();
    const wide = openMemory(db, configSchema.parse({ memory: { warmWindowDays: 3650 } }), { now: () => new Date(now) });
    const r = wide.maintain();
    expect(r.moved).toEqual({});
    expect(r.byTier).toEqual({ hot: 0, warm: 1500, cold: 0 });
    expect(wide.get(5)!.tier).toBe("warm");
    expect(wide.list({ tier: "warm", limit: 5000 })).toHaveLength(1500);
    const back = store.maintain();
    expect(back.moved).toEqual({});
    expect(back.byTier).toEqual({ hot: 0, warm: 0, cold: 1500 });
    expect(snapshot()).toEqual(before);
    expect(before.events).toBe(0);
    expect(store.list({ tier: "cold", limit: 5000 })).toHaveLength(1500);
    // Recorded already cold (an old import): no move to cold in its history; using it records the way back.
    expect(store.history(5).tiers).toEqual([]);
    store.touch([5]);
    expect(store.history(5).tiers).toEqual([{ at: new Date(now).toISOString(), from: "cold", to: "hot" }]);
    db.close();
  });
});

describe("memory migration 109 (date words of type ANY)", () => {
  it("keeps the date words and their index, and leaves a column the integrity check does not compute", () => {
    const path = join(tmpDir(), "pai.db");
    const old = openDatabase(path, { migrate: false });
    migrate(old, allMigrations().filter((m) => m.version < 109));
    const store0 = openMemory(old, configSchema.parse({}));
    const id = store0.remember({ content: "bought a rye loaf at the market", kind: "event", createdAt: "2023-05-08T13:00:00.000Z" }).item.id;
    const before = old.prepare<{ context: string }>("SELECT context FROM memory_items WHERE id = ?").get(id)!.context;
    expect(before).toBe("8 may 2023 monday");
    old.close();

    const db = openDatabase(path);
    const col = db.prepare<{ type: string; hidden: number }>("SELECT type, hidden FROM pragma_table_xinfo('memory_items') WHERE name = 'context'").get()!;
    // hidden 2: a VIRTUAL generated column, still computed, never stored.
    expect(col).toEqual({ type: "ANY", hidden: 2 });
    expect(db.prepare<{ context: string; t: string }>("SELECT context, typeof(context) AS t FROM memory_items WHERE id = ?").get(id)).toEqual({ context: before, t: "text" });
    expect(db.prepare<{ rowid: number }>("SELECT rowid FROM memory_fts WHERE memory_fts MATCH 'context:monday'").all().map((r) => r.rowid)).toEqual([id]);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'view' AND name = 'memory_fts_source'").get()).toBeTruthy();
    expect(integrityCheck(db)).toEqual([]);
    const store = openMemory(db, configSchema.parse({}));
    const later = store.remember({ content: "a walk by the river", kind: "event", createdAt: "2024-02-29T09:00:00.000Z" }).item.id;
    expect(db.prepare<{ rowid: number }>("SELECT rowid FROM memory_fts WHERE memory_fts MATCH 'context:february AND river'").all().map((r) => r.rowid)).toEqual([later]);
    db.close();
  });
});

describe("a command that only reads, on a database an older pai wrote", () => {
  it("migrates it first (the read-only connection is only for a database that is up to date), then answers", () => {
    const h = initHome(tmpDir());
    const file = paths(h).db;
    for (const ext of ["", "-wal", "-shm"]) rmSync(file + ext, { force: true });
    const old = openDatabase(file, { migrate: false });
    migrate(old, allMigrations().filter((m) => m.version < 109));
    openMemory(old, configSchema.parse({})).remember({ content: "the spare key is under the blue pot", createdAt: "2023-05-08T13:00:00.000Z", pinned: true });
    old.close();
    for (const args of [["memory", "search", "--json", "spare key"], ["memory", "list", "--json"], ["memory", "stats", "--json"], ["context", "--json"]]) {
      const r = pai(args, { home: h, env: { PAI_NO_RESIDENT: "1", OLLAMA_HOST: "http://127.0.0.1:9" } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(args[0] === "memory" && args[1] === "stats" ? '"total": 1' : "blue pot");
    }
    const db = openDatabase(file, { migrate: false });
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM schema_migrations WHERE version = 109").get()!.n).toBe(1);
    expect(db.prepare<{ type: string }>("SELECT type FROM pragma_table_xinfo('memory_items') WHERE name = 'context'").get()!.type).toBe("ANY");
    db.close();
  });
});
