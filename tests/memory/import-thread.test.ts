// An import's lines prepared on a second thread while the first writes them: the same store, the same report, the
// same line numbers as when they are prepared in turn. Real files, real database files, a real Bun worker.
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { importJsonlFile } from "../../src/memory/io/jsonl.ts";
import { packLines, unpackLines, type PreparedLine } from "../../src/memory/io/packed.ts";
import { startThread, threadAvailable } from "../../src/memory/io/prepare-thread.ts";
import { prepareInput } from "../../src/memory/prepare.ts";
import { openDatabase } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

const NOW = new Date("2025-06-15T12:00:00.000Z");
const config = configSchema.parse({});
// A credential of a well-known shape (split so that no scanner takes this file for a leak).
const SECRET = ["ghp", "_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"].join("");

describe("packing prepared lines", () => {
  it("gives back every field as it was prepared: absent, null, empty, and text of several bytes per character", () => {
    const lines: PreparedLine[] = [
      { content: "plain", createdAt: "2024-01-02T03:04:05Z" },
      { content: "café ☕ 𝄞 and a secret " + SECRET, kind: "preference", pinned: true, visibility: "shareable", importance: 0.25 },
      { content: "sourced", source: "", meta: { a: [1, { b: "é" }] }, thread: null },
      { content: "threaded", source: "mail from Dana", thread: "chat:42", redacted: true, gid: "0190a5c2-0000-7000-8000-000000000001" },
      { content: "x".repeat(5000), kind: "action", createdAt: "1999-12-31T23:59:59.999Z", meta: {} },
    ].map((input, i) => ({ line: i * 3 + 1, item: prepareInput(input as Parameters<typeof prepareInput>[0]) }));
    const packed = packLines(lines);
    const back = unpackLines(packed);
    // What a structured clone would give (undefined fields are kept as undefined either way).
    expect(back).toEqual(lines.map((l) => ({ ...l, item: { ...l.item, supersedes: undefined } })));
    expect(back[1]!.item.content).not.toContain(SECRET);
    expect(back[2]!.item.source).toBe("");
    expect(back[2]!.item.thread).toBeNull();
    expect(back[0]!.item.thread).toBeUndefined();
  });

  it("refuses an item with links, which no import line has", () => {
    expect(() => packLines([{ line: 1, item: prepareInput({ content: "a", derivedFrom: [3] }) }])).toThrow(/no links/);
    expect(() => packLines([{ line: 1, item: prepareInput({ content: "a", supersedes: 3 }) }])).toThrow(/no links/);
  });
});

/**
 * An import file of more than one read (1 MiB) and many messages between the threads, with every kind of line:
 * bad ones, blank ones, duplicates, secrets, other threads, at the start, across a read's end and at the end.
 */
function importFile(dir: string): { file: string; bad: number[]; total: number } {
  const out: string[] = [];
  const bad: number[] = [];
  let bytes = 0;
  let crossed = false;
  const add = (text: string, isBad = false) => {
    out.push(text);
    if (isBad) bad.push(out.length);
    bytes += Buffer.byteLength(text) + 1;
  };
  for (let i = 0; out.length < 9000 || !crossed; i++) {
    if (!crossed && bytes > 1 << 20) {
      crossed = true;
      // Just past the first read: a bad line, a blank line and a duplicate of a line before it.
      add("{not json", true);
      add("");
      add(JSON.stringify({ content: "note number 7 about the garden", created_at: "2024-03-01T10:00:00Z" }));
    }
    const at = new Date(Date.UTC(2024, 0, 1) + i * 600_000).toISOString();
    const kind = ["note", "fact", "event", "preference", "episode"][i % 5];
    if (i === 1 || i === 40) add("[1, 2]", true);
    else if (i % 997 === 5) add(JSON.stringify({ content: `my token is ${SECRET} (${i})`, created_at: at }));
    else if (i % 1009 === 9) add(JSON.stringify({ content: `bad date ${i}`, created_at: "2024-02-30" }), true);
    else if (i % 1013 === 11) add("   ");
    else if (i % 1019 === 13) add(JSON.stringify({ content: `turn ${i} of chat`, thread: `chat-${i % 3}`, visibility: "shareable", created_at: at }));
    else if (i % 1021 === 17) add(JSON.stringify({ content: `not a turn ${i}`, thread: null, meta: { from: "mail", n: i }, source: "inbox" }));
    else add(JSON.stringify({ content: `note number ${i % 4000} about the ${["garden", "café ☕", "ferry", "𝄞 music"][i % 4]}`, kind, created_at: at, importance: (i % 10) / 10 }));
  }
  // The last line has no line end.
  add(JSON.stringify({ content: "the very last line", created_at: "2024-06-01T00:00:00Z" }));
  const file = join(dir, "big.jsonl");
  writeFileSync(file, `\uFEFF${out.slice(0, 3).join("\r\n")}\r\n${out.slice(3).join("\n")}`);
  return { file, bad, total: out.length };
}

const ROWS = `SELECT content, kind, created_at, active_at, importance, pinned, visibility, source, redacted, meta, hash, thread, session, follows, seen_count
  FROM memory_items ORDER BY id`;

describe.skipIf(!threadAvailable())("an import prepared on a second thread", () => {
  it("stores what an import prepared in turn stores, and reports the same lines", async () => {
    const dir = tmpDir();
    const { file, bad, total } = importFile(dir);
    const run = async (thread: boolean) => {
      const db = openDatabase(join(dir, `${thread}.db`));
      const store = openMemory(db, config, { now: () => NOW });
      const batches: number[] = [];
      const r = await importJsonlFile(store, file, { thread, batchSize: 3000, onBatch: (p) => batches.push(p.line) });
      // The file's own thread is named with the time of the import: the same once that is taken out.
      const rows = db.prepare<Record<string, unknown>>(ROWS).all().map((row): Record<string, unknown> => ({ ...row, thread: String(row.thread).replace(/:\d{4}-\d\d-\d\dT[\d:.]+Z$/, ":T") }));
      const fts = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_fts WHERE memory_fts MATCH 'garden'").get()!.n;
      db.close();
      return { r, rows, batches, fts };
    };
    const threaded = await run(true);
    const inTurn = await run(false);
    expect(threaded.r.bad.map((b) => b.line)).toEqual(bad);
    expect(threaded.r).toEqual(inTurn.r);
    expect(threaded.r.lines).toBe(total);
    expect(threaded.r.redacted).toBeGreaterThan(0);
    expect(threaded.r.merged).toBeGreaterThan(0);
    expect(threaded.batches).toEqual(inTurn.batches);
    expect(threaded.rows).toEqual(inTurn.rows);
    expect(threaded.fts).toBe(inTurn.fts);
    expect(JSON.stringify(threaded.rows)).not.toContain(SECRET);
    // The byte-order mark is gone from the first line only.
    expect(threaded.rows[0]!.content).toBe("note number 0 about the garden");
  });

  it("keeps the batches committed before a failure that is not a line's, and rolls back the one under way", async () => {
    const dir = tmpDir();
    const { file } = importFile(dir);
    const db = openDatabase(join(dir, "pai.db"));
    const store = openMemory(db, config, { now: () => NOW });
    let committed = 0;
    const run = importJsonlFile(store, file, {
      thread: true,
      batchSize: 1000,
      onBatch: (p) => {
        committed = p.committed;
        // From now on the connection refuses to write: no line is at fault, so the import stops.
        db.exec("PRAGMA query_only = 1");
      },
    });
    await expect(run).rejects.toThrow(/readonly|read-only|query_only/i);
    db.exec("PRAGMA query_only = 0");
    expect(committed).toBeGreaterThan(0);
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items").get()!.n).toBe(committed);
    // No transaction is left open: the connection writes again.
    store.remember({ content: "written after the failed import" });
    expect(store.count()).toBe(committed + 1);
    db.close();
  });

  it("copies the committed log back into the database on its own connection, and stops only once that is done", async () => {
    const dir = tmpDir();
    const { file } = importFile(dir);
    const path = join(dir, "pai.db");
    const db = openDatabase(path);
    db.exec("PRAGMA wal_autocheckpoint = 0");
    const store = openMemory(db, config, { now: () => NOW });
    store.rememberMany(Array.from({ length: 3000 }, (_, i) => ({ content: `a committed note ${i} about the harbour and the tides` })));
    const before = statSync(path).size;
    const thread = startThread({ file, path: file }, {});
    thread.checkpoint(path);
    await thread.stop();
    // The pages the log held are in the database file now; a checkpoint finds nothing left to copy.
    expect(statSync(path).size).toBeGreaterThan(before + 100_000);
    const r = db.prepare<{ busy: number; log: number; checkpointed: number }>("PRAGMA wal_checkpoint(PASSIVE)").get()!;
    expect(r.log).toBe(r.checkpointed);
    expect(store.count()).toBe(3000);
    db.close();
  });

  it("a file it cannot read is an error with the system's code, and the thread still stops", async () => {
    const dir = tmpDir();
    const missing = join(dir, "gone.jsonl");
    const thread = startThread({ file: missing, path: missing }, {});
    await expect(thread.next()).rejects.toMatchObject({ code: "ENOENT" });
    await thread.stop();
    await thread.stop();
  });

  it("many small batches, each followed by the thread's checkpoint, still store every line once", async () => {
    const dir = tmpDir();
    const file = join(dir, "small.jsonl");
    writeFileSync(file, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ content: `small batch note ${i} about the lighthouse` })).join("\n"));
    const db = openDatabase(join(dir, "pai.db"));
    const store = openMemory(db, config, { now: () => NOW });
    let batches = 0;
    const r = await importJsonlFile(store, file, { thread: true, batchSize: 7, onBatch: () => batches++ });
    expect(r).toMatchObject({ committed: 2000, added: 2000, lines: 2000, bad: [] });
    expect(batches).toBe(Math.ceil(2000 / 7));
    expect(store.count()).toBe(2000);
    expect(db.prepare<{ n: number }>("SELECT count(DISTINCT content) AS n FROM memory_items").get()!.n).toBe(2000);
    db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)");
    db.close();
  });
});
