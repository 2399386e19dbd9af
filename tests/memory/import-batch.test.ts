// A batch of inserts in one transaction keeps the last turn of each thread, the next id and the counts in
// memory: what it stores must equal what the same items give one at a time (threads, sessions, the turns
// followed, the full-text index) and the counts must equal a full recount, also when the batch merges or
// supersedes items it has just inserted (the count triggers then fire within the batch).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { importInputs } from "../../src/memory/io/jsonl.ts";
import { splitLineBatches, type JsonLine } from "../../src/memory/io/lines.ts";
import type { RememberInput } from "../../src/memory/types.ts";
import { integrityCheck, openDatabase, type Database } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

const NOW = new Date("2025-06-15T12:00:00.000Z");
const HOUR = 3_600_000;
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();

function open() {
  const db = openDatabase(join(tmpDir(), "pai.db"));
  return { db, store: openMemory(db, configSchema.parse({ memory: { hotCap: 20 } }), { now: () => NOW }) };
}

/** Items of two threads interleaved, episodes outside any thread, gaps that start new sessions, private turns. */
function inputs(): RememberInput[] {
  const out: RememberInput[] = [];
  for (let i = 0; i < 120; i++) {
    const hoursAgo = 3000 - i * (i % 17 === 0 ? 9 : 1) * 2;
    out.push({
      content: `turn ${i} of the talk about ${i % 3 ? "gardens" : "boats"}`,
      kind: i % 5 === 0 ? "episode" : "note",
      createdAt: at(hoursAgo),
      thread: i % 7 === 0 ? null : i % 2 ? "talk:a" : "talk:b",
      visibility: i % 11 === 0 ? "private" : "shareable",
    });
  }
  return out;
}

const rows = (db: Database) =>
  db.prepare("SELECT id, content, kind, thread, session, follows, visibility, created_at FROM memory_items ORDER BY id").all();
const fts = (db: Database, word: string) =>
  db.prepare<{ rowid: number }>("SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid").all(word).map((r) => r.rowid);

function recountEqual(db: Database): void {
  const maintained = Object.fromEntries(db.prepare<{ key: string; n: number }>("SELECT key, n FROM memory_counts WHERE n <> 0").all().map((r) => [r.key, r.n]));
  const one = (sql: string) => db.prepare<{ n: number }>(sql).get()!.n;
  const expected: Record<string, number> = { tiers: one("SELECT count(*) AS n FROM memory_tiers") };
  for (const r of db.prepare<{ kind: string; n: number }>("SELECT kind, count(*) AS n FROM memory_items GROUP BY kind").all()) expected[`kind:${r.kind}`] = r.n;
  for (const [k, sql] of [
    ["hot", "SELECT count(*) AS n FROM memory_tiers WHERE hot = 1"],
    ["pinned", "SELECT count(*) AS n FROM memory_items WHERE pinned = 1"],
    ["superseded", "SELECT count(*) AS n FROM memory_tiers WHERE current = 0"],
    ["redacted", "SELECT count(*) AS n FROM memory_items WHERE redacted = 1"],
  ] as const) {
    const n = one(sql);
    if (n) expected[k] = n;
  }
  expect(maintained).toEqual(expected);
  const days = db.prepare("SELECT day, n FROM memory_active_days WHERE n <> 0 ORDER BY day").all();
  expect(days).toEqual(db.prepare("SELECT substr(active_at, 1, 10) AS day, count(*) AS n FROM memory_tiers WHERE hot = 0 GROUP BY 1 ORDER BY 1").all());
}

describe("a batch of inserts", () => {
  it("places turns and indexes them as inserting one item at a time does, whatever the batch size", () => {
    const one = open();
    for (const input of inputs()) one.store.rememberMany([input]);
    for (const size of [7, 1000]) {
      const many = open();
      importInputs(many.store, inputs().map((input, i) => ({ line: i + 1, input })), { batchSize: size });
      expect(rows(many.db)).toEqual(rows(one.db));
      for (const word of ["gardens", "boats", "turn"]) expect(fts(many.db, word)).toEqual(fts(one.db, word));
      expect(integrityCheck(many.db)).toEqual([]);
      many.db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)");
      recountEqual(many.db);
    }
  });

  it("keeps the counts exact when it merges or supersedes items it has just inserted", () => {
    const { db, store } = open();
    store.rememberMany([{ content: "an old note", kind: "note", createdAt: at(24 * 400) }]);
    const batch: RememberInput[] = [
      // First item of its day in the batch, then seen again later in the same batch: the merge moves its day.
      { content: "a note about the harbour", kind: "note", createdAt: at(24 * 200) },
      { content: "another note", kind: "fact", createdAt: at(24 * 200) },
      { content: "a note about the harbour", kind: "note", createdAt: at(2), pinned: true },
      // Supersedes the item stored before the batch, and one inserted in it.
      { content: "the old note, corrected", kind: "note", createdAt: at(24 * 300), supersedes: 1 },
      { content: "another note, corrected", kind: "fact", createdAt: at(24 * 150), supersedes: 3 },
      { content: "a secret: password=hunter2-xyz-123", kind: "note", createdAt: at(5) },
    ];
    const r = store.rememberMany(batch);
    expect(r).toMatchObject({ added: 5, merged: 1, redacted: 1 });
    recountEqual(db);
    expect(JSON.stringify(rows(db))).not.toContain("hunter2");
  });

  it("holds its items' tier rows and index entries until a merge, a supersede or its end, leaving what items one at a time leave", () => {
    // The batch writes the tier rows and index entries of a run of new items with one statement each (flushRows):
    // a merge or a supersede of an item of that run comes first, so each must find its row written.
    const batch: RememberInput[] = [
      { content: "the ferry leaves at nine", kind: "note", createdAt: at(30), thread: "talk:c" },
      { content: "the ferry is late", kind: "episode", createdAt: at(29), thread: "talk:c" },
      // Supersedes the item before it, whose rows are still held.
      { content: "the ferry is late, corrected", kind: "note", createdAt: at(28), supersedes: 2 },
      { content: "an action on the ferry", kind: "action", createdAt: at(1) },
      // Seen again, pinned: merges into the item before it, whose rows are still held.
      { content: "an action on the ferry", kind: "action", createdAt: at(3), pinned: true },
      { content: "a late note about the ferry", kind: "note", createdAt: at(24 * 90), thread: "talk:c" },
    ];
    const tiers = (db: Database) => db.prepare("SELECT item_id, hot, active_at, pinned, current, kind FROM memory_tiers ORDER BY item_id").all();
    const one = open();
    for (const input of batch) one.store.rememberMany([input]);
    const many = open();
    expect(many.store.rememberMany(batch)).toMatchObject({ added: 5, merged: 1 });
    expect(rows(many.db)).toEqual(rows(one.db));
    expect(tiers(many.db)).toEqual(tiers(one.db));
    for (const word of ["ferry", "nine", "corrected", "late", "action", "monday", "friday"]) expect(fts(many.db, word)).toEqual(fts(one.db, word));
    many.db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)");
    recountEqual(many.db);
  });

  it("into an empty store builds memory_items' indexes once at its end, also when a merge or a supersede needs them sooner, and leaves them whole when it fails", () => {
    const schema = (db: Database) => db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name").all();
    const tiers = (db: Database) => db.prepare("SELECT item_id, hot, active_at, pinned, current, kind FROM memory_tiers ORDER BY item_id").all();
    const fresh = open();
    const items: RememberInput[] = [
      ...inputs().slice(0, 40),
      // A repeat (a merge reads through the hash index), then a supersede, then more turns.
      { ...inputs()[3]!, createdAt: at(1) },
      { content: "turn 5, corrected", kind: "note", createdAt: at(2), supersedes: 6 },
      ...inputs().slice(40, 80),
    ];
    const one = open();
    for (const input of items) one.store.rememberMany([input]);
    for (const size of [25, 1000]) {
      const bulk = open();
      const r = importInputs(bulk.store, items.map((input, i) => ({ line: i + 1, input })), { batchSize: size });
      expect(r).toMatchObject({ added: 81, merged: 1 });
      expect(rows(bulk.db)).toEqual(rows(one.db));
      expect(tiers(bulk.db)).toEqual(tiers(one.db));
      for (const word of ["gardens", "boats", "corrected"]) expect(fts(bulk.db, word)).toEqual(fts(one.db, word));
      expect(schema(bulk.db)).toEqual(schema(fresh.db));
      expect(integrityCheck(bulk.db)).toEqual([]);
      recountEqual(bulk.db);
    }
    // An item the store refuses (it supersedes no item) fails the first batch: rolled back with its indexes dropped,
    // then written again in halves without, the item reported; the indexes are all there.
    const failing = open();
    const bad: { line: number; error: string }[] = [];
    const withBad = [...items.slice(0, 30), { content: "replaces nothing", supersedes: 9999 }, ...items.slice(30)];
    importInputs(failing.store, withBad.map((input, i) => ({ line: i + 1, input })), { onBadLine: (line, error) => bad.push({ line, error }) });
    expect(bad).toEqual([{ line: 31, error: expect.stringContaining("no memory item 9999") }]);
    expect(schema(failing.db)).toEqual(schema(fresh.db));
    expect(failing.db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items").get()!.n).toBe(81);
    expect(integrityCheck(failing.db)).toEqual([]);
  });

  it("merges repeated texts in an import that began on an empty store, and those another connection writes meanwhile", () => {
    const dir = tmpDir();
    const db = openDatabase(join(dir, "pai.db"));
    const store = openMemory(db, configSchema.parse({}), { now: () => NOW });
    const lines = ["the ferry leaves at nine", "a note on the harbour", "The ferry leaves at nine!", "the tide tables", "a note about sails", "the tide tables"];
    // After the first batch, another process remembers the text of a line still to come.
    let other: Database | undefined;
    const r = importInputs(
      store,
      lines.map((content, i) => ({ line: i + 1, input: { content, createdAt: at(10 - i) } })),
      {
        batchSize: 3,
        onBatch: () => {
          if (other) return;
          other = openDatabase(join(dir, "pai.db"));
          openMemory(other, configSchema.parse({}), { now: () => NOW }).remember({ content: "a note about sails", createdAt: at(30) });
        },
      },
    );
    other?.close();
    expect(r).toMatchObject({ added: 3, merged: 3 });
    const texts = db.prepare<{ content: string; seen_count: number }>("SELECT content, seen_count FROM memory_items ORDER BY id").all();
    expect(texts).toEqual([
      { content: "the ferry leaves at nine", seen_count: 2 },
      { content: "a note on the harbour", seen_count: 1 },
      { content: "a note about sails", seen_count: 2 },
      { content: "the tide tables", seen_count: 2 },
    ]);
    recountEqual(db);
  });
});

describe("splitting an import into lines", () => {
  async function split(chunks: (string | Buffer)[], maxBytes?: number): Promise<JsonLine[]> {
    const out: JsonLine[] = [];
    async function* input() {
      yield* chunks;
    }
    for await (const batch of splitLineBatches(input(), maxBytes)) out.push(...batch);
    return out;
  }
  const text = (lines: JsonLine[]) => lines.map((l) => l.text ?? `<${l.bytes} bytes>`);

  it("gives the same lines whatever the chunks, a character of several bytes cut in two included", async () => {
    const whole = '{"a":"café ☕ 𝄞"}\r\n\n{"b":2}\r\nlast, without newline';
    const expected = ['{"a":"café ☕ 𝄞"}', "", '{"b":2}', "last, without newline"];
    const bytes = Buffer.from(whole, "utf8");
    expect(text(await split([whole]))).toEqual(expected);
    for (const size of [1, 2, 3, 5, 7, 16]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const lines = await split(chunks);
      expect(text(lines), `chunks of ${size}`).toEqual(expected);
      expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
    }
  });

  it("counts a line longer than the limit without keeping it, inside one chunk or across several", async () => {
    const long = "x".repeat(40);
    const lines = `a\n${long}\nb\n${long}é\nc`;
    const expected = ["a", "<40 bytes>", "b", "<42 bytes>", "c"];
    expect(text(await split([lines], 30))).toEqual(expected);
    const bytes = Buffer.from(lines, "utf8");
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 8) chunks.push(bytes.subarray(i, i + 8));
    expect(text(await split(chunks, 30))).toEqual(expected);
    // Exactly at the limit is kept.
    expect(text(await split([`${"y".repeat(30)}\n`], 30))).toEqual(["y".repeat(30)]);
  });
});
