// Conversations in memory: threads, sessions, the turn each turn follows, and what search makes of them.
// Runs under Bun (bun:sqlite) and Node (better-sqlite3) against real database files.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { importJsonlFile } from "../../src/memory/io/jsonl.ts";
import { allMigrations, integrityCheck, migrate, openDatabase } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

const NOW = new Date("2025-06-15T12:00:00.000Z");

function setup() {
  const dir = tmpDir();
  const db = openDatabase(join(dir, "pai.db"));
  return { dir, db, store: openMemory(db, configSchema.parse({}), { now: () => NOW }) };
}

const ftsIds = (db: ReturnType<typeof openDatabase>, word: string) =>
  db.prepare<{ rowid: number }>("SELECT rowid FROM memory_fts WHERE memory_fts MATCH ?").all(`"${word}"`).map((r) => r.rowid);

/** SQLite's own check finds nothing, and the full-text index agrees with the text it indexes. */
function expectWhole(db: ReturnType<typeof openDatabase>) {
  expect(integrityCheck(db)).toEqual([]);
  db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)");
}

describe("conversations in memory", () => {
  it("lines imported from one file are one conversation, whatever their kind: an answer is found by its question", async () => {
    const { dir, db, store } = setup();
    const at = "2023-05-08T13:00:00Z";
    const lines = [
      { content: "Caroline: Which instrument did you pick up last year?", created_at: at },
      { content: "Melanie: The violin, I practise every evening.", created_at: at },
      { content: "Caroline: That sounds lovely.", created_at: at },
      // Not a turn of the file's conversation.
      { content: "Melanie: Bought a new music stand for the instrument.", created_at: at, thread: null },
    ];
    const file = join(dir, "chat.jsonl");
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
    await importJsonlFile(store, file);
    const items = store.list({ limit: 10 }).sort((a, b) => a.id - b.id);
    expect(items.map((i) => i.kind)).toEqual(["note", "note", "note", "note"]);
    expect(items[0]!.thread).toMatch(/^import:chat\.jsonl:/);
    expect(items[1]!.thread).toBe(items[0]!.thread);
    expect(items[3]!.thread).toBeNull();
    // The answer holds no word of the question, yet comes right after it.
    const hits = store.search("what instrument does Melanie play?").map((h) => h.content);
    expect(hits.slice(0, 3)).toContain("Melanie: The violin, I practise every evening.");
    // The words of the turn it follows are indexed beside the answer; an item outside the thread has none.
    expect(ftsIds(db, "instrument")).toEqual(expect.arrayContaining([items[0]!.id, items[1]!.id, items[3]!.id]));
    expect(ftsIds(db, "violin")).toEqual([items[1]!.id, items[2]!.id]);
    expectWhole(db);
    db.close();
  });

  it("a silence longer than the session gap starts a new session: no words cross it", () => {
    const { db, store } = setup();
    const a = store.remember({ content: "Caroline: where did you go hiking?", thread: "t1", createdAt: "2023-05-08T10:00:00Z" }).item;
    const b = store.remember({ content: "Melanie: Mount Tamalpais, lovely trail.", thread: "t1", createdAt: "2023-05-08T10:05:00Z" }).item;
    const c = store.remember({ content: "Melanie: I bought new boots today.", thread: "t1", createdAt: "2023-05-09T18:00:00Z" }).item;
    const other = store.remember({ content: "Some unrelated line in another thread", thread: "t2", createdAt: "2023-05-08T10:06:00Z" }).item;
    const rows = db.prepare<{ id: number; session: number | null; follows: number | null }>("SELECT id, session, follows FROM memory_items ORDER BY id").all();
    expect(rows).toEqual([
      { id: a.id, session: a.id, follows: null },
      { id: b.id, session: a.id, follows: a.id },
      { id: c.id, session: c.id, follows: null },
      { id: other.id, session: other.id, follows: null },
    ]);
    expect(ftsIds(db, "hiking")).toEqual([a.id, b.id]);
    db.close();
  });

  it("a shareable turn never follows a private one: no private word makes it match", () => {
    const { db, store } = setup();
    const at = "2023-05-08T13:00:00Z";
    store.remember({ content: "my diagnosis is hypothyroidism", thread: "t", createdAt: at, visibility: "private" });
    const shared = store.remember({ content: "thanks, that helps a lot", thread: "t", createdAt: at, visibility: "shareable" }).item;
    expect(ftsIds(db, "hypothyroidism")).not.toContain(shared.id);
    expect(store.search("hypothyroidism", { audience: "cloud" })).toEqual([]);
    db.close();
  });

  it("forgetting a turn removes its words from the turn that followed it, and the index stays whole", () => {
    const { db, store } = setup();
    const at = "2023-05-08T13:00:00Z";
    const q = store.remember({ content: "what is the door code of the cabin", thread: "t", createdAt: at }).item;
    const a = store.remember({ content: "it is written on the back of the calendar", thread: "t", createdAt: at }).item;
    const next = store.remember({ content: "ok got it", thread: "t", createdAt: at }).item;
    expect(ftsIds(db, "cabin")).toEqual([q.id, a.id]);
    store.forget([q.id]);
    expect(ftsIds(db, "cabin")).toEqual([]);
    expect(ftsIds(db, "calendar")).toEqual([a.id, next.id]);
    expect(db.prepare<{ follows: number | null }>("SELECT follows FROM memory_items WHERE id = ?").get(a.id)!.follows).toBeNull();
    expectWhole(db);
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_fts WHERE memory_fts MATCH 'cabin'").get()!.n).toBe(0);
    // Forgetting several turns at once, including one that follows another forgotten one.
    store.forget([a.id, next.id]);
    expect(ftsIds(db, "calendar")).toEqual([]);
    expectWhole(db);
    db.close();
  });

  it("export carries the thread and import honours it, null included", async () => {
    const { dir, db, store } = setup();
    store.remember({ content: "turn one of the call", thread: "call-7", createdAt: "2023-05-08T13:00:00Z" });
    store.remember({ content: "a fact on its own", kind: "fact", createdAt: "2023-05-08T13:00:00Z" });
    const exported = store.list({ limit: 10 }).map((i) => ({ content: i.content, kind: i.kind, created_at: i.createdAt, thread: i.thread }));
    const file = join(dir, "export.jsonl");
    writeFileSync(file, exported.map((l) => JSON.stringify(l)).join("\n"));
    const other = setup();
    await importJsonlFile(other.store, file);
    const back = other.store.list({ limit: 10 });
    expect(back.find((i) => i.kind === "fact")!.thread).toBeNull();
    expect(back.find((i) => i.kind !== "fact")!.thread).toBe("call-7");
    db.close();
    other.db.close();
  });

  it("a database from before conversations: its episodes are placed in sessions and the index rebuilt", () => {
    const path = join(tmpDir(), "old.db");
    // A database with every migration before conversations, written as that version did.
    const db0 = openDatabase(path, { migrate: false });
    migrate(db0, allMigrations().filter((m) => m.version < 106));
    const ins = db0.prepare(
      "INSERT INTO memory_items (id, content, kind, created_at, recorded_at, active_at, hash, visibility) VALUES (?, ?, 'episode', ?, ?, ?, ?, 'private')",
    );
    const fts = db0.prepare("INSERT INTO memory_fts (rowid, content, context) VALUES (?, ?, '')");
    const tier = db0.prepare("INSERT INTO memory_tiers (item_id, hot, active_at, pinned, current, kind) VALUES (?, 0, ?, 0, 1, 'episode')");
    const rows: [number, string, string][] = [
      [1, "Q: which bakery do you like\nA: the one on Rue Cler", "2023-05-08T13:00:00.000Z"],
      [2, "Q: and their best bread?\nA: the rye loaf", "2023-05-08T13:10:00.000Z"],
      [3, "Q: weather tomorrow?\nA: rain", "2023-06-01T08:00:00.000Z"],
    ];
    for (const [id, content, at] of rows) {
      ins.run(id, content, at, at, at, id);
      fts.run(id, content);
      tier.run(id, at);
    }
    db0.close();
    const db = openDatabase(path);
    expect(db.prepare<{ id: number; session: number; follows: number | null }>("SELECT id, session, follows FROM memory_items ORDER BY id").all()).toEqual([
      { id: 1, session: 1, follows: null },
      { id: 2, session: 1, follows: 1 },
      { id: 3, session: 3, follows: null },
    ]);
    expect(ftsIds(db, "bakery")).toEqual([1, 2]);
    expectWhole(db);
    db.close();
  });
});
