// Migration 101 moves the tiers of a store written under migration 100 into memory_tiers, keeping every
// item, its tier and its tier history; the store then works as before.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { memoryMigrations } from "../../src/memory/schema.ts";
import { allMigrations, migrate, openDatabase } from "../../src/storage/index.ts";
import { tmpDir } from "../helpers/tmp.ts";

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
    const tiers = db.prepare<{ item_id: number; tier: string; pinned: number; current: number }>("SELECT item_id, tier, pinned, current FROM memory_tiers ORDER BY item_id").all();
    expect(tiers).toEqual([
      { item_id: 1, tier: "hot", pinned: 1, current: 1 },
      { item_id: 2, tier: "cold", pinned: 0, current: 1 },
      { item_id: 3, tier: "warm", pinned: 0, current: 0 },
      { item_id: 4, tier: "hot", pinned: 0, current: 1 },
    ]);
    const store = openMemory(db, configSchema.parse({}));
    expect(store.get(2)).toMatchObject({ tier: "cold", content: "an old thing" });
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

describe("maintain: a mass move (the warm window widened, then narrowed)", () => {
  it("moves every item (rebuilding the tier index), records each move, and leaves the index in place", () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const now = Date.parse("2026-06-01T00:00:00Z");
    const store = openMemory(db, configSchema.parse({}), { now: () => new Date(now) });
    const day = 86_400_000;
    store.rememberMany(
      Array.from({ length: 1500 }, (_, i) => ({ content: `item number ${i} about topic ${i % 7}`, createdAt: new Date(now - (100 + (i % 900)) * day - i * 1000).toISOString() })),
    );
    expect(store.stats().byTier.cold).toBe(1500);
    const wide = openMemory(db, configSchema.parse({ memory: { warmWindowDays: 3650 } }), { now: () => new Date(now) });
    const r = wide.maintain();
    expect(r.moved).toEqual({ "cold->warm": 1500 });
    expect(r.byTier).toEqual({ hot: 0, warm: 1500, cold: 0 });
    const back = store.maintain();
    expect(back.moved).toEqual({ "warm->cold": 1500 });
    expect(store.history(5).tiers.map((t) => `${t.from}->${t.to}`)).toEqual(["cold->warm", "warm->cold"]);
    const idx = db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memory_tiers'").all().map((x) => x.name);
    expect(idx).toContain("memory_tiers_tier_active");
    expect(store.list({ tier: "cold", limit: 5000 })).toHaveLength(1500);
    db.close();
  });
});
