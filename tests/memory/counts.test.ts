// The counts kept for stats (memory_counts, memory_active_days, by triggers and on insert) against a full recount in plain SQL, after
// every kind of write; and `stats` computed from them equals the same figures counted row by row.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory, type MemoryStore } from "../../src/memory/index.ts";
import { importInputs } from "../../src/memory/io/jsonl.ts";
import { maintainedEmbeddingCounts } from "../../src/memory/stats.ts";
import { openDatabase, type Database } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

const DAY = 86_400_000;
const NOW = new Date("2025-06-15T12:00:00.000Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

/** Every count recomputed from the rows themselves. */
function recount(db: Database): { counts: Record<string, number>; days: Record<string, number> } {
  const counts: Record<string, number> = {};
  const put = (key: string, n: number) => {
    if (n) counts[key] = n;
  };
  for (const r of db.prepare<{ kind: string; n: number }>("SELECT kind, count(*) AS n FROM memory_items GROUP BY kind").all()) put(`kind:${r.kind}`, r.n);
  put("pinned", db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items WHERE pinned = 1").get()!.n);
  put("redacted", db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items WHERE redacted = 1").get()!.n);
  put("tiers", db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tiers").get()!.n);
  put("superseded", db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tiers WHERE current = 0").get()!.n);
  put("hot", db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tiers WHERE hot = 1").get()!.n);
  for (const r of db.prepare<{ k: string; n: number }>("SELECT 'emb:' || model || ':' || current AS k, count(*) AS n FROM memory_embedding_bits GROUP BY 1").all()) put(r.k, r.n);
  const days: Record<string, number> = {};
  for (const r of db.prepare<{ day: string; n: number }>("SELECT substr(active_at, 1, 10) AS day, count(*) AS n FROM memory_tiers WHERE hot = 0 GROUP BY 1").all()) days[r.day] = r.n;
  return { counts, days };
}

/** The maintained counts, without the keys at zero (a recount has no row for them). */
function maintained(db: Database): { counts: Record<string, number>; days: Record<string, number> } {
  const counts: Record<string, number> = {};
  for (const r of db.prepare<{ key: string; n: number }>("SELECT key, n FROM memory_counts WHERE n <> 0").all()) counts[r.key] = r.n;
  const days: Record<string, number> = {};
  for (const r of db.prepare<{ day: string; n: number }>("SELECT day, n FROM memory_active_days WHERE n <> 0").all()) days[r.day] = r.n;
  return { counts, days };
}

/** What stats reports, counted row by row at the store's clock. */
function statsByRows(db: Database, warmCut: string) {
  const one = (sql: string, ...p: string[]) => db.prepare<{ n: number }>(sql).get(...p)!.n;
  return {
    total: one("SELECT count(*) AS n FROM memory_items"),
    superseded: one("SELECT count(*) AS n FROM memory_tiers WHERE current = 0"),
    pinned: one("SELECT count(*) AS n FROM memory_items WHERE pinned = 1"),
    redacted: one("SELECT count(*) AS n FROM memory_items WHERE redacted = 1"),
    embeddings: one("SELECT count(*) AS n FROM memory_embedding_bits"),
    byTier: {
      hot: one("SELECT count(*) AS n FROM memory_tiers WHERE hot = 1"),
      warm: one("SELECT count(*) AS n FROM memory_tiers WHERE hot = 0 AND active_at >= ?", warmCut),
      cold: one("SELECT count(*) AS n FROM memory_tiers WHERE hot = 0 AND active_at < ?", warmCut),
    },
  };
}

function check(db: Database, store: MemoryStore, warmCut: string): void {
  expect(maintained(db)).toEqual(recount(db));
  const s = store.stats();
  expect({ total: s.total, superseded: s.superseded, pinned: s.pinned, redacted: s.redacted, embeddings: s.embeddings, byTier: s.byTier }).toEqual(statsByRows(db, warmCut));
  // The embed backlog's figures from the counts equal the store's own index counts.
  for (const model of ["m1", "m2", "none"]) expect(maintainedEmbeddingCounts(db, model)).toEqual(store.embeddingCounts(model));
}

const vec = (seed: number) => Array.from({ length: 8 }, (_, i) => Math.sin(seed * 7 + i));

describe("memory counts kept for stats", () => {
  it("equal a full recount after remember, import, edit, pin, private, embeddings, forget and maintain", () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    let now = NOW;
    const config = configSchema.parse({ memory: { hotCap: 5 } });
    const store = openMemory(db, config, { now: () => now });
    const warmCut = () => new Date(now.getTime() - config.memory.warmWindowDays * DAY).toISOString();
    check(db, store, warmCut());

    const a = store.remember({ content: "I moved to Lyon in March", kind: "fact" }).item;
    const b = store.remember({ content: "the deploy key is AKIAIOSFODNN7EXAMPLE", kind: "note" }).item;
    const c = store.remember({ content: "ran the backup job", kind: "action", createdAt: daysAgo(200) }).item;
    store.remember({ content: "pinned from the start", kind: "preference", pinned: true });
    store.remember({ content: "I moved to Lyon in March", kind: "fact" }); // merged into a
    check(db, store, warmCut());

    // An import: many items at once, over three years, some secrets, some duplicates.
    const inputs = Array.from({ length: 300 }, (_, i) => ({
      line: i + 1,
      input: {
        content: i % 50 === 0 ? `token password=hunter${i}!xyz` : `imported item ${i % 280} about the garden`,
        kind: (["fact", "event", "episode", "note", "action", "preference"] as const)[i % 6],
        createdAt: daysAgo((i * 3.7) % 1100),
      },
    }));
    importInputs(store, inputs);
    check(db, store, warmCut());

    // Edits: new text (the old version superseded), a kind change, a date change.
    const a2 = store.edit(a.id, "I moved to Lyon in April");
    store.edit(a2.id, undefined, { kind: "event" });
    store.edit(c.id, undefined, { createdAt: daysAgo(2), kind: "note" });
    check(db, store, warmCut());

    // Pins and unpins, private marks, touches.
    store.pin(b.id, true);
    const ids = db.prepare<{ id: number }>("SELECT id FROM memory_items WHERE superseded_by IS NULL ORDER BY id LIMIT 40").all().map((r) => r.id);
    for (const id of ids.slice(0, 10)) store.pin(id, true);
    for (const id of ids.slice(0, 4)) store.pin(id, false);
    store.setVisibility(ids.slice(10, 20), "private");
    store.touch(ids.slice(20, 40));
    check(db, store, warmCut());

    // Embeddings of two models, one replaced, then items superseded and forgotten with theirs.
    store.setEmbeddings(ids.slice(0, 30).map((id) => ({ id, vector: vec(id), model: "m1" })));
    store.setEmbeddings(ids.slice(25, 35).map((id) => ({ id, vector: vec(id + 1), model: "m2" })));
    store.setEmbedding(ids[0]!, vec(99), "m1");
    store.edit(ids[1]!, "a corrected text for the counts");
    check(db, store, warmCut());

    store.forget([ids[2]!, ids[3]!, a2.id, b.id]);
    const edited = store.edit(ids[5]!, "edited once more");
    store.forget([edited.id]); // the version it replaced is current again
    check(db, store, warmCut());

    // Time passes: the hot set is re-checked, warm turns cold by the clock alone.
    now = new Date(NOW.getTime() + 40 * DAY);
    store.maintain();
    check(db, store, warmCut());
    now = new Date(NOW.getTime() + 400 * DAY);
    store.maintain();
    store.remember({ content: "a year later", kind: "fact" });
    check(db, store, warmCut());
    db.close();
  });

  it("are filled from the rows a database already holds when the migration runs", () => {
    const path = join(tmpDir(), "pai.db");
    const db = openDatabase(path);
    const store = openMemory(db, configSchema.parse({}), { now: () => NOW });
    for (let i = 0; i < 50; i++) store.remember({ content: `item number ${i} kept`, kind: i % 2 ? "fact" : "note", createdAt: daysAgo(i * 20), pinned: i % 7 === 0 });
    store.setEmbeddings([{ id: 1, vector: vec(1), model: "m1" }]);
    // As a database from before the counts: their tables, triggers and record gone, then opened again.
    db.exec(`DROP TABLE memory_counts; DROP TABLE memory_active_days; DELETE FROM schema_migrations WHERE version = 107`);
    for (const r of db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'memory_counts_%'").all()) db.exec(`DROP TRIGGER ${r.name}`);
    db.exec("UPDATE memory_items SET kind = 'event' WHERE id = 2"); // changed while nothing counted
    db.close();
    const again = openDatabase(path);
    expect(again.prepare<{ n: number }>("SELECT count(*) AS n FROM schema_migrations WHERE version = 107").get()!.n).toBe(1);
    expect(maintained(again)).toEqual(recount(again));
    expect(maintained(again).counts).toMatchObject({ "kind:fact": 24, "kind:note": 25, "kind:event": 1, tiers: 50, pinned: 8, "emb:m1:1": 1 });
    again.close();
  });
});
