// The memory store contract: runs under Bun (bun:sqlite) and Node (better-sqlite3). No CLI here.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema, type Config } from "../../src/config/schema.ts";
import { countItems, latestEpisodeId, openMemory, type MemoryStore } from "../../src/memory/index.ts";
import { dateWords } from "../../src/memory/text.ts";
import { openDatabase, integrityCheck, type Database } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

const isBun = typeof (globalThis as any).Bun !== "undefined";
const DAY = 86_400_000;
const NOW = new Date("2025-06-15T12:00:00.000Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

function setup(memory: Partial<Config["memory"]> = {}, now: () => Date = () => NOW): { db: Database; store: MemoryStore; config: Config } {
  const db = openDatabase(join(tmpDir(), "pai.db"));
  const config = configSchema.parse({ memory });
  return { db, store: openMemory(db, config, { now }), config };
}

describe(`memory store (${isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("remembers an item with its provenance and defaults", () => {
    const { db, store } = setup();
    const r = store.remember({ content: "  I moved to Lyon in March  ", kind: "fact", source: "test" });
    expect(r.merged).toBe(false);
    expect(r.item).toMatchObject({
      content: "I moved to Lyon in March",
      kind: "fact",
      tier: "hot",
      createdAt: NOW.toISOString(),
      recordedAt: NOW.toISOString(),
      lastUsedAt: null,
      useCount: 0,
      pinned: false,
      visibility: "private",
      source: "test",
      derivedFrom: [],
      supersedes: null,
      supersededBy: null,
      redacted: false,
    });
    expect(store.get(r.item.id)).toEqual(r.item);
    expect(store.get(999)).toBeUndefined();
    db.close();
  });

  it("rejects empty content, unknown kinds and bad dates without storing anything", () => {
    const { db, store } = setup();
    expect(() => store.remember({ content: "   " })).toThrow(/content/);
    expect(() => store.remember({ content: "x", kind: "opinion" as any })).toThrow(/unknown memory kind/);
    expect(() => store.remember({ content: "x", createdAt: "not a date" })).toThrow(/invalid created_at/);
    expect(store.stats().total).toBe(0);
    db.close();
  });

  it("redacts secrets before storing and says so", () => {
    const { db, store } = setup();
    const r = store.remember({ content: "deploy key is AKIAIOSFODNN7EXAMPLE and password=hunter2!" });
    expect(r.redacted).toBe(true);
    expect(r.item.redacted).toBe(true);
    expect(r.item.content).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(r.item.content).not.toContain("hunter2");
    expect(r.item.content).toContain("[REDACTED:aws_access_key]");
    expect(r.item.meta.redactedKinds).toEqual(expect.arrayContaining(["aws_access_key", "password"]));
    // The secret is not in the full-text index either.
    expect(store.search("AKIAIOSFODNN7EXAMPLE")).toEqual([]);
    expect(store.search("hunter2")).toEqual([]);
    db.close();
  });

  it("keeps secrets out of the source and meta too, and out of every stored column", () => {
    const { db, store } = setup();
    const token = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn";
    const r = store.remember({
      content: "the deploy went fine",
      source: `https://user:${token}@git.example.com/repo`,
      meta: { question: `why does ${token} fail?`, nested: [{ note: `token=${token}` }] },
    });
    expect(r.item.source).not.toContain(token);
    expect(JSON.stringify(r.item.meta)).not.toContain(token);
    store.remember({ content: "the deploy went fine", source: `ci ${token}` }); // merged: its source is kept redacted too
    const tables = db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    for (const { name } of tables) {
      const rows = db.prepare<Record<string, unknown>>(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(rows)).not.toContain(token);
    }
    db.close();
  });

  it("merges exact and near-exact duplicates: warms the existing item and bumps its count", () => {
    const { db, store } = setup();
    const a = store.remember({ content: "I moved to Lyon in March", createdAt: daysAgo(200) });
    expect(a.item.tier).toBe("cold");
    const b = store.remember({ content: "i moved to LYON, in march!", source: "chat:2" });
    expect(b.merged).toBe(true);
    expect(b.item.id).toBe(a.item.id);
    expect(b.item.useCount).toBe(1);
    expect(b.item.tier).toBe("hot");
    expect(b.item.meta.alsoFrom).toEqual(["chat:2"]);
    const long = "We agreed with the landlord that the rent goes up by forty euros from September and the lease runs two more years";
    const c = store.remember({ content: long });
    const d = store.remember({ content: `${long} now` });
    expect(d.merged).toBe(true);
    expect(d.item.id).toBe(c.item.id);
    // Different facts stay apart.
    const e = store.remember({ content: "I moved to Lyon in May" });
    expect(e.merged).toBe(false);
    expect(store.stats().total).toBe(3);
    db.close();
  });

  it("assigns tiers by use and age, caps hot, keeps pinned items hot", () => {
    const { db, store } = setup({ hotWindowDays: 7, warmWindowDays: 90, hotCap: 2 });
    const old = store.remember({ content: "old cold thing about tulips", createdAt: daysAgo(400) }).item;
    const mid = store.remember({ content: "a warm thing about roses", createdAt: daysAgo(30) }).item;
    const pinned = store.remember({ content: "pinned rule about lilies", createdAt: daysAgo(500), pinned: true }).item;
    expect(store.get(old.id)!.tier).toBe("cold");
    expect(store.get(mid.id)!.tier).toBe("warm");
    expect(store.get(pinned.id)!.tier).toBe("hot");
    // hotCap 2 with one pinned: one unpinned hot item, the most recent.
    const r1 = store.remember({ content: "recent one about daisies", createdAt: daysAgo(3) }).item;
    const r2 = store.remember({ content: "recent two about orchids", createdAt: daysAgo(1) }).item;
    expect(store.get(r2.id)!.tier).toBe("hot");
    expect(store.get(r1.id)!.tier).toBe("warm");
    expect(store.hot().map((m) => m.id)).toEqual([pinned.id, r2.id]);
    // Touching warms a cold item; the cap then demotes the least recently active.
    store.touch([old.id]);
    const touched = store.get(old.id)!;
    expect(touched.tier).toBe("hot");
    expect(touched.useCount).toBe(1);
    expect(touched.lastUsedAt).toBe(NOW.toISOString());
    expect(store.get(r2.id)!.tier).toBe("warm");
    const s = store.stats();
    expect(s.byTier).toEqual({ hot: 2, warm: 3, cold: 0 });
    db.close();
  });

  it("tiers follow time: maintain moves what left hot, aged items are cold without a move, and the tier history shows both", () => {
    let now = NOW;
    const { db, store } = setup({ hotWindowDays: 7, warmWindowDays: 90, hotCap: 50 }, () => now);
    const a = store.remember({ content: "fresh fact about the garden" }).item;
    const b = store.remember({ content: "month old fact about the bike", createdAt: daysAgo(30) }).item;
    expect([store.get(a.id)!.tier, store.get(b.id)!.tier]).toEqual(["hot", "warm"]);
    now = new Date(NOW.getTime() + 70 * DAY);
    // b is 100 days old: cold as soon as it is read, before any maintain; a left the hot window.
    expect(store.get(b.id)!.tier).toBe("cold");
    expect(store.list({ tier: "cold" }).map((m) => m.id)).toEqual([b.id]);
    const r = store.maintain();
    expect(r.moved).toEqual({ "hot->warm": 1 });
    expect(r.byTier).toEqual({ hot: 0, warm: 1, cold: 1 });
    expect(store.maintain().moved).toEqual({});
    expect(store.history(a.id).tiers).toEqual([{ at: now.toISOString(), from: "hot", to: "warm" }]);
    // b went cold by itself 90 days after it was last active: the history shows when.
    const coldAt = new Date(NOW.getTime() + 60 * DAY).toISOString();
    expect(store.history(b.id).tiers).toEqual([{ at: coldAt, from: "warm", to: "cold" }]);
    // Using it warms it (hot, within the cap); the history keeps the move to cold and adds the way back.
    now = new Date(NOW.getTime() + 80 * DAY);
    store.touch([b.id]);
    expect(store.get(b.id)!.tier).toBe("hot");
    expect(store.history(b.id).tiers).toEqual([
      { at: coldAt, from: "warm", to: "cold" },
      { at: now.toISOString(), from: "cold", to: "hot" },
    ]);
    // Ten days later it has left hot; 90 days after its use it has gone cold again.
    now = new Date(NOW.getTime() + 90 * DAY);
    expect(store.maintain().moved).toEqual({ "hot->warm": 1 });
    now = new Date(NOW.getTime() + 200 * DAY);
    expect(store.get(b.id)!.tier).toBe("cold");
    expect(store.history(b.id).tiers.map((t) => `${t.at.slice(0, 10)} ${t.from}->${t.to}`)).toEqual([
      `${coldAt.slice(0, 10)} warm->cold`,
      `${new Date(NOW.getTime() + 80 * DAY).toISOString().slice(0, 10)} cold->hot`,
      `${new Date(NOW.getTime() + 90 * DAY).toISOString().slice(0, 10)} hot->warm`,
      `${new Date(NOW.getTime() + 170 * DAY).toISOString().slice(0, 10)} warm->cold`,
    ]);
    db.close();
  });

  it("re-tiers a bounded number of items as a side effect of normal use", () => {
    let now = NOW;
    const { db, store } = setup({ hotWindowDays: 7, warmWindowDays: 90, hotCap: 1000 }, () => now);
    store.rememberMany(Array.from({ length: 50 }, (_, i) => ({ content: `item number ${i} about apples` })));
    expect(store.stats().byTier.hot).toBe(50);
    now = new Date(NOW.getTime() + 30 * DAY);
    expect(store.retier(20)).toBe(20);
    expect(store.stats().byTier).toMatchObject({ hot: 30, warm: 20 });
    store.remember({ content: "something new" });
    store.remember({ content: "something else" });
    expect(store.stats().byTier).toMatchObject({ hot: 2, warm: 50 });
    db.close();
  });

  it("searches with stemming, ranks by relevance, and fuses recency", () => {
    const { db, store } = setup();
    const paint = store.remember({ content: "Melanie painted a sunrise over the lake last summer", createdAt: daysAgo(300) }).item;
    store.remember({ content: "Went running by the lake", createdAt: daysAgo(300) });
    store.remember({ content: "Bought groceries", createdAt: daysAgo(300) });
    const hits = store.search("paintings of sunrises");
    expect(hits[0]!.id).toBe(paint.id);
    expect(hits[0]!.score).toBeGreaterThan(0);
    // Same text relevance: the more recent item ranks first.
    const older = store.remember({ content: "Trip notes: Kyoto temples", createdAt: daysAgo(700) }).item;
    const newer = store.remember({ content: "Trip notes: Kyoto gardens", createdAt: daysAgo(2) }).item;
    expect(store.search("kyoto trip").map((h) => h.id)).toEqual([newer.id, older.id]);
    expect(store.search("kyoto", { limit: 1 })).toHaveLength(1);
    // Items holding the query's phrase rank above items holding its words apart.
    const apart = store.remember({ content: "the group went out; we need support for the group's support desk", createdAt: daysAgo(300) }).item;
    const phrase = store.remember({ content: "went to the support group meeting", createdAt: daysAgo(300) }).item;
    expect(store.search("when did she go to the support group?").map((h) => h.id).slice(0, 2)).toEqual([phrase.id, apart.id]);
    db.close();
  });

  it("the turns of one exchange share relevance with their neighbours; other items do not", () => {
    const { db, store } = setup();
    const at = "2023-05-08T13:00:00Z";
    const turns = store.rememberMany(
      [
        "Caroline: What do your kids like these days?",
        "Dinosaurs! They cannot get enough of them.",
        "Caroline: Ha, lovely.",
      ].map((content) => ({ content, kind: "episode" as const, createdAt: at })),
    ).ids;
    const notes = store.rememberMany(
      ["Note: the kids' school starts at 8", "Note: buy new printer paper"].map((content) => ({ content, kind: "note" as const, createdAt: at })),
    ).ids;
    const hits = store.search("what do the kids like?");
    expect(hits.map((h) => h.id)).toEqual(expect.arrayContaining([turns[0], turns[1]]));
    expect(hits.map((h) => h.id)).not.toContain(notes[1]);
    // A note stored next to a matching note borrows nothing.
    expect(store.search("school").map((h) => h.id)).toEqual([notes[0]]);
    db.close();
  });

  it("never errors on FTS-hostile queries", () => {
    const { db, store } = setup();
    store.remember({ content: 'The "NEAR" operator: (a OR b) AND c* — café, 東京, naïve' });
    const hostile = [
      "",
      "   ",
      '"',
      '""',
      '"unbalanced',
      "col:value",
      "content:café",
      "(",
      ")",
      "((a))",
      "NEAR(a b)",
      "NEAR",
      "a NEAR/3 b",
      "*",
      "a*",
      "^start",
      "AND",
      "OR OR",
      "NOT",
      "-minus",
      "+plus",
      "{a b}:c",
      "x'; DROP TABLE memory_items; --",
      "東京",
      "naive",
      "🙂🙂",
      "\u0000",
      "a".repeat(5000),
      Array.from({ length: 300 }, (_, i) => `w${i}`).join(" "),
    ];
    for (const q of hostile) expect(() => store.search(q)).not.toThrow();
    expect(store.search("NEAR(a b)").length).toBe(1);
    expect(store.search("東京").length).toBe(1);
    expect(store.search("naive").length).toBe(1);
    expect(store.search("content:café").length).toBe(1);
    expect(store.search("")).toEqual([]);
    expect(store.stats().total).toBe(1);
    db.close();
  });

  it("filters by tier, kind, date and audience, and hides superseded items unless asked", () => {
    const { db, store } = setup();
    const pref = store.remember({ content: "likes green tea", kind: "preference", visibility: "shareable" }).item;
    const fact = store.remember({ content: "green tea shop on rue Mercière", kind: "fact", createdAt: daysAgo(400) }).item;
    expect(store.search("green tea", { kind: "preference" }).map((h) => h.id)).toEqual([pref.id]);
    expect(store.search("green tea", { tier: "cold" }).map((h) => h.id)).toEqual([fact.id]);
    expect(store.search("green tea", { since: daysAgo(10).slice(0, 10) }).map((h) => h.id)).toEqual([pref.id]);
    expect(store.search("green tea", { audience: "cloud" }).map((h) => h.id)).toEqual([pref.id]);
    expect(store.hot({ audience: "cloud" }).map((h) => h.id)).toEqual([pref.id]);
    expect(() => store.search("tea", { since: "yesterday-ish" })).toThrow(/since/);
    const edited = store.edit(fact.id, "green tea shop on rue Mercière closed in May");
    expect(store.search("green tea shop").map((h) => h.id)).not.toContain(fact.id);
    expect(store.search("green tea shop", { includeSuperseded: true }).map((h) => h.id)).toContain(fact.id);
    expect(edited.supersedes).toBe(fact.id);
    db.close();
  });

  it("a cloud search finds the shareable matches even when private ones rank far above them", () => {
    const { db, store } = setup();
    store.rememberMany(Array.from({ length: 400 }, (_, i) => ({ content: `kayak kayak trip number ${i} on the lake` })), { dedup: false });
    const shared = store.rememberMany(
      Array.from({ length: 5 }, (_, i) => ({ content: `a long note that mentions a kayak once among many other words, number ${i}`, visibility: "shareable" as const })),
    ).ids;
    const hits = store.search("kayak", { audience: "cloud", limit: 10 });
    expect(hits.map((h) => h.id).sort((a, b) => a - b)).toEqual(shared);
    expect(hits.every((h) => h.visibility === "shareable")).toBe(true);
    // The local audience sees the private ones first.
    expect(store.search("kayak", { limit: 10 }).every((h) => h.visibility === "private")).toBe(true);
    db.close();
  });

  it("edit keeps the old item, marked superseded, and history shows the chain", () => {
    const { db, store } = setup();
    const a = store.remember({ content: "My dentist is Dr Martin", kind: "fact", pinned: true }).item;
    const b = store.edit(a.id, "My dentist is Dr Moreau");
    const c = store.edit(b.id, "My dentist is Dr Moreau, rue de la République");
    expect(store.get(a.id)!.supersededBy).toBe(b.id);
    expect(store.get(a.id)!.pinned).toBe(false);
    expect(c.pinned).toBe(true);
    expect(c.kind).toBe("fact");
    const h = store.history(c.id);
    expect(h.supersedes.map((x) => x.id)).toEqual([b.id, a.id]);
    expect(store.history(a.id).supersededBy.map((x) => x.id)).toEqual([b.id, c.id]);
    expect(() => store.edit(a.id, "again")).toThrow(/already replaced/);
    expect(() => store.edit(c.id, "my dentist is dr moreau rue de la république")).toThrow(/same/);
    expect(() => store.edit(12345, "x")).toThrow(/no memory item 12345/);
    db.close();
  });

  it("pin and unpin", () => {
    const { db, store } = setup();
    const a = store.remember({ content: "old note about the boiler", createdAt: daysAgo(300) }).item;
    expect(store.pin(a.id, true)).toMatchObject({ pinned: true, tier: "hot" });
    expect(store.pin(a.id, false)).toMatchObject({ pinned: false, tier: "cold" });
    db.close();
  });

  it("forget removes the item, its index entries, embeddings and links", () => {
    const { db, store } = setup();
    const a = store.remember({ content: "the zanzibar door code is written in the blue notebook" }).item;
    const b = store.remember({ content: "another note on zanzibar travel" }).item;
    store.setEmbedding(a.id, [0.1, 0.2, 0.3], "test-embed");
    const d = store.remember({ content: "summary of zanzibar", derivedFrom: [a.id] }).item;
    expect(store.forget([a.id, 424242])).toBe(1);
    expect(store.get(a.id)).toBeUndefined();
    expect(store.search("notebook")).toEqual([]);
    expect(store.search("zanzibar").map((h) => h.id).sort()).toEqual([b.id, d.id].sort());
    expect(db.prepare("SELECT rowid FROM memory_fts WHERE memory_fts MATCH 'notebook'").all()).toEqual([]);
    expect(db.prepare("SELECT * FROM memory_embeddings WHERE item_id = ?").all(a.id)).toEqual([]);
    expect(db.prepare("SELECT * FROM memory_links WHERE from_id = ?").all(a.id)).toEqual([]);
    expect(store.stats().total).toBe(2);
    expect(integrityCheck(db)).toEqual([]);
    expect(db.prepare<{ x: unknown }>("INSERT INTO memory_fts (memory_fts) VALUES ('integrity-check')").run()).toBeTruthy();
    db.close();
  });

  it("ranks by embeddings when given a query vector, and works without them", () => {
    const { db, store } = setup();
    const a = store.remember({ content: "the cat sleeps on the sofa" }).item;
    const b = store.remember({ content: "quarterly tax return is due" }).item;
    store.setEmbedding(a.id, [1, 0, 0], "m");
    store.setEmbedding(b.id, [0, 1, 0], "m");
    const hits = store.search("feline nap", { queryEmbedding: [0.9, 0.1, 0] });
    expect(hits[0]!.id).toBe(a.id);
    expect(store.search("feline nap")).toEqual([]);
    expect(() => store.setEmbedding(a.id, [], "m")).toThrow();
    db.close();
  });

  it("rememberMany commits a batch in one transaction: all or nothing", () => {
    const { db, store } = setup();
    const r = store.rememberMany([{ content: "one" }, { content: "two" }, { content: "ONE!" }]);
    expect(r).toMatchObject({ added: 2, merged: 1 });
    expect(() => store.rememberMany([{ content: "three" }, { content: "" }])).toThrow();
    expect(store.stats().total).toBe(2);
    db.close();
  });

  it("consolidates cold items per month into summaries derived from them", async () => {
    const { db, store } = setup();
    const jan = [1, 2, 3].map((d) => store.remember({ content: `january event ${d} at the climbing gym`, createdAt: `2024-01-0${d}T10:00:00Z` }).item);
    const feb = [1, 2].map((d) => store.remember({ content: `february event ${d} at the pool`, createdAt: `2024-02-0${d}T10:00:00Z` }).item);
    store.remember({ content: "recent event stays out" });
    const periods: string[] = [];
    const n = await store.consolidate(async (items, period) => {
      periods.push(`${period.from.slice(0, 7)}:${items.length}`);
      return `Summary of ${items.length} events: ${items.map((i) => i.content.split(" ")[0]).join(", ")}`;
    });
    expect(n).toBe(2);
    expect(periods).toEqual(["2024-01:3", "2024-02:2"]);
    const summaries = store.list().filter((m) => m.meta.consolidation);
    expect(summaries).toHaveLength(2);
    const s = summaries.find((x) => x.content.includes("january"))!;
    expect(s.derivedFrom.sort()).toEqual(jan.map((x) => x.id).sort());
    expect(store.history(jan[0]!.id).derived.map((x) => x.id)).toEqual([s.id]);
    // Sources stay searchable; a second pass has nothing left to do.
    expect(store.search("climbing gym").length).toBe(3);
    expect(store.search("pool").map((h) => h.id)).toEqual(expect.arrayContaining(feb.map((x) => x.id)));
    expect(await store.consolidate(async () => "again")).toBe(0);
    db.close();
  });

  it("stats counts tiers, kinds and size", () => {
    const { db, store } = setup();
    store.remember({ content: "a", kind: "fact" });
    store.remember({ content: "b", kind: "event", createdAt: daysAgo(1000) });
    const s = store.stats();
    expect(s.total).toBe(2);
    expect(s.byKind.fact).toBe(1);
    expect(s.byKind.event).toBe(1);
    expect(s.byTier.cold).toBe(1);
    expect(s.dbBytes).toBeGreaterThan(0);
    expect(s.oldest).toBe(daysAgo(1000));
    db.close();
  });

  it("indexes date words equal to the table's generated column, so the index matches its content", () => {
    const { db, store } = setup();
    const dates = ["2023-05-08T13:56:00Z", "2024-02-29T00:00:00Z", "1999-12-31T23:59:59Z", "0999-01-01T00:00:00Z", "2030-07-04T12:00:00+02:00"];
    for (const d of dates) store.remember({ content: `event on ${d}`, createdAt: d });
    for (const r of db.prepare<{ created_at: string; context: string }>("SELECT created_at, context FROM memory_items").all()) {
      expect(dateWords(r.created_at)).toBe(r.context);
    }
    expect(store.search("may 2023").map((h) => h.content)).toEqual(["event on 2023-05-08T13:56:00Z"]);
    store.forget([1]);
    db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)");
    expect(() => store.remember({ content: "x", createdAt: "+010000-01-01T00:00:00Z" })).toThrow(/invalid created_at/);
    db.close();
  });

  it("answers other concerns' questions without a store: how many items, the latest exchange of a source", () => {
    const { db, store } = setup();
    expect(countItems(db)).toBe(0);
    expect(latestEpisodeId(db, "ask:")).toBeUndefined();
    const first = store.remember({ content: "Q: where? A: Lyon", kind: "episode", source: "ask:1" }).item.id;
    store.remember({ content: "a note", kind: "note", source: "ask:2" });
    store.remember({ content: "Q: who? A: Ada", kind: "episode", source: "chat:3" });
    store.remember({ content: "Q: when? A: March", kind: "episode", source: "ask_x" });
    expect(countItems(db)).toBe(4);
    expect(latestEpisodeId(db, "ask:")).toBe(first);
    // A replaced exchange is not the latest one; the version that replaced it is.
    const edited = store.edit(first, "Q: where? A: Lyon, since March");
    expect(countItems(db)).toBe(5);
    expect(latestEpisodeId(db, "ask:")).toBe(edited.id);
    const empty = openDatabase(join(tmpDir(), "empty.db"), { migrate: false });
    expect(countItems(empty)).toBe(0);
    empty.close();
    db.close();
  });

  it("two connections to one database both write (WAL and busy timeout)", () => {
    const file = join(tmpDir(), "pai.db");
    const config = configSchema.parse({});
    const db1 = openDatabase(file);
    const db2 = openDatabase(file);
    const s1 = openMemory(db1, config);
    const s2 = openMemory(db2, config);
    for (let i = 0; i < 20; i++) {
      s1.remember({ content: `from one ${i}` });
      s2.remember({ content: `from two ${i}` });
    }
    expect(s1.stats().total).toBe(40);
    expect(s2.search("two").length).toBe(10);
    db1.close();
    db2.close();
  });
});
