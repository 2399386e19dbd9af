// Stored vectors and vector search: runs under Bun (bun:sqlite) and Node (better-sqlite3), on real SQLite files.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { allMigrations, integrityCheck, migrate, openDatabase, type Database } from "../../src/app/db.ts";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory, type MemoryStore } from "../../src/memory/index.ts";
import { openCtx, type Candidate } from "../../src/memory/rows.ts";
import { addVectorScores } from "../../src/memory/vectors.ts";
import { tmpDir } from "../helpers/tmp.ts";

const isBun = typeof (globalThis as any).Bun !== "undefined";
const NOW = new Date("2025-06-15T12:00:00.000Z");
const DIM = 64;

let seed = 7;
function rnd(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296 - 0.5;
}
function randomVector(): number[] {
  const v = Array.from({ length: DIM }, rnd);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
/** A vector close to `v` (a small random step away). */
function near(v: number[], step = 0.05): number[] {
  return v.map((x) => x + step * rnd());
}

const opened: Database[] = [];
function open(path = join(tmpDir(), "pai.db")): { db: Database; store: MemoryStore; path: string } {
  const db = openDatabase(path);
  opened.push(db);
  return { db, store: openMemory(db, configSchema.parse({}), { now: () => NOW }), path };
}
function withVecOff<T>(fn: () => T): T {
  const before = process.env.PAI_SQLITE_VEC;
  process.env.PAI_SQLITE_VEC = "off";
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.PAI_SQLITE_VEC;
    else process.env.PAI_SQLITE_VEC = before;
  }
}
const count = (db: Database, sql: string, ...p: (string | number)[]) => db.prepare<{ n: number }>(sql).get(...p)!.n;

afterEach(() => {
  for (const db of opened.splice(0)) {
    try {
      db.close();
    } catch {}
  }
});

/** A store of `n` notes about gardening, each with a random vector of model "m1", and one planted item. */
function seeded(n: number, store: MemoryStore) {
  const ids = store.rememberMany(
    Array.from({ length: n }, (_, i) => ({ content: `gardening note number ${i} about tomatoes`, kind: "note" as const, visibility: "shareable" as const })),
  ).ids;
  store.setEmbeddings(ids.map((id) => ({ id, vector: randomVector(), model: "m1" })));
  return ids;
}

describe(`memory vectors (${isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("finds an item through its vector alone, with no word of the query in it", () => {
    const { store } = open();
    seeded(50, store);
    const target = randomVector();
    const id = store.remember({ content: "the quarterly invoice for the landlord", visibility: "shareable" }).item.id;
    store.setEmbedding(id, target, "m1");
    expect(store.search("holiday plans")).toEqual([]);
    const hits = store.search("holiday plans", { queryEmbedding: near(target), embeddingModel: "m1" });
    expect(hits[0]?.id).toBe(id);
  });

  it("writes the sign bits with the float vector, and forgetting an item removes both", () => {
    const { db, store } = open();
    const ids = seeded(5, store);
    expect(count(db, "SELECT count(*) AS n FROM memory_embeddings")).toBe(5);
    expect(count(db, "SELECT count(*) AS n FROM memory_embedding_bits WHERE dim = ?", DIM)).toBe(5);
    expect(db.prepare<{ b: Uint8Array }>("SELECT bits AS b FROM memory_embedding_bits WHERE item_id = ?").get(ids[0]!)!.b.byteLength).toBe(DIM / 8);
    expect(store.forget([ids[0]!, ids[1]!])).toBe(2);
    for (const table of ["memory_embeddings", "memory_embedding_bits"]) {
      expect(count(db, `SELECT count(*) AS n FROM ${table} WHERE item_id IN (?, ?)`, ids[0]!, ids[1]!)).toBe(0);
      expect(count(db, `SELECT count(*) AS n FROM ${table}`)).toBe(3);
    }
    expect(store.stats().embeddings).toBe(3);
  });

  it("lists items again in the backlog when the model changes, and counts them per model", () => {
    const { store } = open();
    const ids = seeded(6, store);
    expect(store.embeddingBacklog({ model: "m1", limit: 100 })).toEqual([]);
    expect(store.embeddingCounts("m1")).toEqual({ items: 6, embedded: 6, otherModels: 0, pending: 0 });
    const backlog = store.embeddingBacklog({ model: "m2", limit: 4 });
    expect(backlog.map((r) => r.id)).toEqual(ids.slice(0, 4));
    expect(backlog[0]!.content).toBe("gardening note number 0 about tomatoes");
    // Resumed after the last id read.
    expect(store.embeddingBacklog({ model: "m2", afterId: backlog[3]!.id, limit: 4 }).map((r) => r.id)).toEqual(ids.slice(4));
    expect(store.embeddingCounts("m2")).toEqual({ items: 6, embedded: 0, otherModels: 6, pending: 6 });
    expect(store.setEmbeddings(backlog.map((r) => ({ id: r.id, vector: randomVector(), model: "m2" })))).toBe(4);
    expect(store.embeddingCounts("m2")).toEqual({ items: 6, embedded: 4, otherModels: 2, pending: 2 });
    // A replaced vector is counted once, under its model (memory_counts, kept by triggers).
    expect(store.stats().embeddings).toBe(6);
    expect(count(store.db, "SELECT n FROM memory_counts WHERE key = 'emb:m2:1'")).toBe(4);
    expect(count(store.db, "SELECT n FROM memory_counts WHERE key = 'emb:m1:1'")).toBe(2);
    expect(store.embeddingBacklog({ model: "m1", limit: 100 }).map((r) => r.id)).toEqual(ids.slice(0, 4));
  });

  it("compares a query's vector only with vectors of its model and dimension", () => {
    const { db, store } = open();
    const ids = seeded(6, store);
    const target = randomVector();
    store.setEmbedding(ids[5]!, target, "m2");
    store.setEmbedding(ids[4]!, [...target, 0.5], "m1");
    const ctx = openCtx(db, configSchema.parse({}), () => NOW);
    const scored = (model?: string) => {
      const cand = new Map<number, Candidate>();
      addVectorScores(ctx, cand, target, { sql: " AND m.superseded_by IS NULL", params: [] }, 10, model);
      return [...cand.entries()].sort((a, b) => b[1].vec - a[1].vec).map(([id]) => id);
    };
    expect(scored("m1")).toEqual(expect.not.arrayContaining([ids[5], ids[4]]));
    expect(scored("m1")).toHaveLength(4);
    expect(scored("m2")).toEqual([ids[5]]);
    // No model named: every vector of the query's dimension.
    expect(scored()[0]).toBe(ids[5]);
    expect(scored()).toHaveLength(5);
  });

  it("leaves an edited item's new version without a vector, and the old one out of the backlog and counts", () => {
    const { store } = open();
    const [a] = seeded(3, store);
    const edited = store.edit(a!, "gardening note about peppers");
    expect(store.embeddingBacklog({ model: "m1", limit: 10 }).map((r) => r.id)).toEqual([edited.id]);
    expect(store.embeddingCounts("m1")).toEqual({ items: 3, embedded: 2, otherModels: 0, pending: 1 });
    store.setEmbedding(edited.id, randomVector(), "m1");
    expect(store.embeddingCounts("m1").pending).toBe(0);
    // Forgetting the new version makes the old one current again, with its vector counted.
    store.forget([edited.id]);
    expect(store.embeddingCounts("m1")).toEqual({ items: 3, embedded: 3, otherModels: 0, pending: 0 });
  });

  it("never lists a private item in a cloud backlog nor returns one from a cloud vector search", () => {
    const { store } = open();
    seeded(20, store);
    const target = randomVector();
    const secret = store.remember({ content: "my private diagnosis", visibility: "private" }).item.id;
    const open_ = store.remember({ content: "a shareable thought", visibility: "shareable" }).item.id;
    expect(store.embeddingBacklog({ model: "m1", limit: 10, audience: "cloud" }).map((r) => r.id)).toEqual([open_]);
    expect(store.embeddingBacklog({ model: "m1", limit: 10, audience: "local" }).map((r) => r.id)).toEqual([secret, open_]);
    store.setEmbedding(secret, target, "m1");
    store.setEmbedding(open_, near(target, 0.3), "m1");
    const local = store.search("nothing matches", { queryEmbedding: target, embeddingModel: "m1" });
    expect(local[0]!.id).toBe(secret);
    const cloud = store.search("nothing matches", { queryEmbedding: target, embeddingModel: "m1", audience: "cloud", limit: 50 });
    expect(cloud.length).toBeGreaterThan(0);
    expect(cloud.every((h) => h.visibility === "shareable")).toBe(true);
    expect(cloud[0]!.id).toBe(open_);
  });

  it("finds the nearest item of a kind even when the nearest thousands are of another kind", () => {
    const { store } = open();
    const target = randomVector();
    // More than sixteen times the 240 re-ranked: the search ends in the exact pass among the filtered items.
    const ids = store.rememberMany(Array.from({ length: 6500 }, (_, i) => ({ content: `close note ${i}`, kind: "note" as const }))).ids;
    store.setEmbeddings(ids.map((id) => ({ id, vector: near(target, 0.2), model: "m1" })));
    const fact = store.remember({ content: "a distant fact", kind: "fact" }).item.id;
    store.setEmbedding(fact, near(target, 1.5), "m1");
    const hits = store.search("unrelated words", { queryEmbedding: target, embeddingModel: "m1", kind: "fact" });
    expect(hits.map((h) => h.id)).toEqual([fact]);
  });

  it("gives the same nearest items with sqlite-vec and with the JavaScript fallback", () => {
    const { store, path } = open();
    const ids = seeded(300, store);
    const queries = Array.from({ length: 5 }, () => randomVector());
    const withVec = queries.map((q) => store.search("zzz", { queryEmbedding: q, embeddingModel: "m1", limit: 5 }).map((h) => h.id));
    expect(store.vectorStatus().available).toBe(true);
    const without = withVecOff(() => {
      const other = open(path).store;
      expect(other.vectorStatus()).toEqual({ available: false, reason: "PAI_SQLITE_VEC is off", notice: "vectors unavailable: PAI_SQLITE_VEC is off" });
      return queries.map((q) => other.search("zzz", { queryEmbedding: q, embeddingModel: "m1", limit: 5 }).map((h) => h.id));
    });
    expect(without).toEqual(withVec);
    expect(withVec.flat().every((id) => ids.includes(id))).toBe(true);
  });

  it("keeps a connection's sign bits in memory in step with vectors written, replaced and deleted, here or elsewhere", () => {
    const { store, path } = open();
    seeded(40, store);
    const ctx = openCtx(store.db, configSchema.parse({}), () => NOW);
    const find = (_: MemoryStore, v: number[]) => {
      const cand = new Map<number, Candidate>();
      addVectorScores(ctx, cand, v, { sql: " AND m.superseded_by IS NULL", params: [] }, 3, "m1");
      return [...cand.entries()].sort((a, b) => b[1].vec - a[1].vec).map(([id]) => id).slice(0, 3);
    };
    // The first vector search scans in SQL, the later ones in memory.
    for (let i = 0; i < 3; i++) find(store, randomVector());
    const target = randomVector();
    const id = store.remember({ content: "written after the bits were read" }).item.id;
    store.setEmbedding(id, target, "m1");
    expect(find(store, target)[0]).toBe(id);
    store.setEmbedding(id, target, "m2");
    expect(find(store, target)).not.toContain(id);
    store.setEmbedding(id, target, "m1");
    expect(find(store, target)[0]).toBe(id);
    store.forget([id]);
    expect(find(store, target)).not.toContain(id);
    // Another connection's writes.
    const other = open(path).store;
    const id2 = other.remember({ content: "written by another process" }).item.id;
    other.setEmbedding(id2, target, "m1");
    expect(find(store, target)[0]).toBe(id2);
    other.forget([id2]);
    expect(find(store, target)).not.toContain(id2);
  });

  it("searches lexically as before when vectors are unavailable or no query vector is given", () => {
    const { store, path } = open();
    const words = store.rememberMany(["tomatoes in the garden", "tomato soup recipe", "a trip to Lyon"].map((content) => ({ content }))).ids;
    const lexical = store.search("tomato").map((h) => [h.id, h.score]);
    expect(lexical.map(([id]) => id).sort()).toEqual(words.slice(0, 2).sort());
    const target = randomVector();
    store.setEmbeddings(words.map((id, i) => ({ id, vector: i === 2 ? target : randomVector(), model: "m1" })));
    expect(store.search("tomato").map((h) => [h.id, h.score])).toEqual(lexical);
    withVecOff(() => {
      const off = open(path).store;
      expect(off.search("tomato").map((h) => [h.id, h.score])).toEqual(lexical);
      const hybrid = off.search("tomato", { queryEmbedding: target, embeddingModel: "m1" }).map((h) => h.id);
      expect(hybrid).toContain(words[2]);
      expect(hybrid).toEqual(expect.arrayContaining(words.slice(0, 2)));
    });
  });

  it("opens, checks and forgets from a database holding vectors without loading sqlite-vec", () => {
    const { db, store, path } = open();
    const ids = seeded(10, store);
    store.search("zzz", { queryEmbedding: randomVector(), embeddingModel: "m1" });
    db.close();
    opened.splice(opened.indexOf(db), 1);
    withVecOff(() => {
      const { db: again, store: s2 } = open(path);
      // A plain open loads nothing: sqlite-vec's functions are unknown to this connection.
      expect(() => again.prepare("SELECT vec_version() AS v").get()).toThrow();
      expect(again.prepare<{ quick_check: string }>("PRAGMA quick_check").all()).toEqual([{ quick_check: "ok" }]);
      expect(integrityCheck(again)).toEqual([]);
      expect(s2.forget([ids[0]!])).toBe(1);
      expect(count(again, "SELECT count(*) AS n FROM memory_embedding_bits")).toBe(9);
      expect(integrityCheck(again)).toEqual([]);
    });
  });

  it("does not load sqlite-vec on a plain open, and loads it for the first vector written", () => {
    const { db, store } = open();
    expect(() => db.prepare("SELECT vec_version() AS v").get()).toThrow();
    const id = store.remember({ content: "one item" }).item.id;
    store.search("item");
    expect(() => db.prepare("SELECT vec_version() AS v").get()).toThrow();
    store.setEmbedding(id, randomVector(), "m1");
    store.search("item", { queryEmbedding: randomVector(), embeddingModel: "m1" });
    expect(db.prepare<{ v: string }>("SELECT vec_version() AS v").get()!.v).toMatch(/^v0\./);
  });

  it("copies the sign bits of vectors stored before the bits table existed (migration 105)", () => {
    const path = join(tmpDir(), "old.db");
    const db = openDatabase(path, { migrate: false });
    opened.push(db);
    migrate(db, allMigrations().filter((m) => m.version < 105));
    const floats = new Float32Array([0.5, -1, 2, 0, -0.1, 3, 1, -2, 0.25]);
    db.prepare("INSERT INTO memory_items (id, content, created_at, recorded_at, active_at, hash) VALUES (1, 'old', ?, ?, ?, 1)").run(
      NOW.toISOString(),
      NOW.toISOString(),
      NOW.toISOString(),
    );
    db.prepare("INSERT INTO memory_tiers (item_id, hot, active_at) VALUES (1, 0, ?)").run(NOW.toISOString());
    db.prepare("INSERT INTO memory_embeddings (item_id, model, dim, vector) VALUES (1, 'old-model', 9, ?)").run(new Uint8Array(floats.buffer));
    migrate(db, allMigrations());
    const row = db.prepare<{ model: string; dim: number; current: number; bits: Uint8Array }>("SELECT model, dim, current, bits FROM memory_embedding_bits WHERE item_id = 1").get()!;
    // Positive components 0, 2, 5, 6, 8: bits 0b01100101 then 0b1.
    expect({ ...row, bits: [...row.bits] }).toEqual({ model: "old-model", dim: 9, current: 1, bits: [0b01100101, 0b1] });
  });

  it("rejects a malformed vector in a batch before writing any of it", () => {
    const { db, store } = open();
    const ids = seeded(2, store);
    expect(() => store.setEmbeddings([{ id: ids[0]!, vector: randomVector(), model: "m3" }, { id: ids[1]!, vector: [1, Number.NaN], model: "m3" }])).toThrow(/non-empty list of numbers/);
    expect(count(db, "SELECT count(*) AS n FROM memory_embeddings WHERE model = 'm3'")).toBe(0);
    // An item deleted since the batch was read is skipped.
    store.forget([ids[0]!]);
    expect(store.setEmbeddings([{ id: ids[0]!, vector: randomVector(), model: "m3" }, { id: ids[1]!, vector: randomVector(), model: "m3" }])).toBe(1);
  });
});
