// End-to-end: the real CLI in a temporary PAI_HOME.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { THREAD_MIN_BYTES } from "../../src/memory/io/prepare-thread.ts";
import { tmpDir } from "../helpers/tmp.ts";

function home(): string {
  return initHome(tmpDir());
}
function json<T = any>(r: { code: number; stdout: string; stderr: string }): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe("pai remember / pai memory", () => {
  it("remember, search, list, show, edit, pin, unpin with --json shapes", () => {
    const h = home();
    const a = json(pai(["remember", "--json", "--kind", "fact", "--source", "test", "I moved to Lyon in March"], { home: h }));
    expect(a).toMatchObject({ id: 1, content: "I moved to Lyon in March", kind: "fact", tier: "hot", source: "test", stored: true, merged: false });
    expect(typeof a.created_at).toBe("string");
    const dup = json(pai(["remember", "--json", "i moved to lyon in march."], { home: h }));
    expect(dup).toMatchObject({ id: 1, merged: true });
    json(pai(["remember", "--json", "--pin", "--private", "--kind", "preference", "Coffee black, no sugar"], { home: h }));
    expect(pai(["remember", "-"], { home: h, input: "Read from standard input about Lyon\n" }).code).toBe(0);

    const hits = json<any[]>(pai(["memory", "search", "--json", "lyon"], { home: h }));
    expect(hits.map((x) => x.content)).toEqual(expect.arrayContaining(["I moved to Lyon in March", "Read from standard input about Lyon"]));
    for (const x of hits) expect(Object.keys(x)).toEqual(expect.arrayContaining(["id", "content", "kind", "tier", "score", "created_at", "source"]));
    const human = pai(["memory", "search", "lyon"], { home: h });
    expect(human.stdout).toMatch(/ID\s+TIER\s+KIND\s+VISIBILITY\s+DATE \(\S+\)\s+SCORE\s+CONTENT/);

    const list = json<any[]>(pai(["memory", "list", "--json", "--kind", "preference"], { home: h }));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ pinned: true, visibility: "private", tier: "hot" });

    const edited = json(pai(["memory", "edit", "--json", "1", "I moved to Lyon in April"], { home: h }));
    expect(edited).toMatchObject({ supersedes: 1, content: "I moved to Lyon in April" });
    const shown = json(pai(["memory", "show", "--json", "1"], { home: h }));
    expect(shown).toMatchObject({ id: 1, superseded_by: edited.id });
    expect(shown.superseded_by_chain[0].id).toBe(edited.id);
    const why = pai(["memory", "show", String(edited.id)], { home: h });
    expect(why.stdout).toContain("Replaces:");
    expect(why.stdout).toContain("I moved to Lyon in March");
    expect(why.stdout).toContain("Tier history:");

    expect(json(pai(["memory", "pin", "--json", String(edited.id)], { home: h }))).toMatchObject({ pinned: true, tier: "hot" });
    expect(json(pai(["memory", "unpin", "--json", String(edited.id)], { home: h }))).toMatchObject({ pinned: false });

    const stats = json(pai(["memory", "stats", "--json"], { home: h }));
    expect(stats).toMatchObject({ total: 4, superseded: 1, pinned: 1 });
    expect(stats.db_bytes).toBeGreaterThan(0);
    const maint = json(pai(["memory", "maintain", "--json"], { home: h }));
    expect(maint.by_tier.hot + maint.by_tier.warm + maint.by_tier.cold).toBe(4);
  });

  it("memory edit keeps the item's date, kind and visibility; --date, --kind, --private and --shareable change them", () => {
    const h = home();
    const old = json(pai(["remember", "--json", "--kind", "event", "--date", "2024-06-01", "--private", "Started at Acme"], { home: h }));
    const fixed = json(pai(["memory", "edit", "--json", String(old.id), "Started at Acme as a data engineer"], { home: h }));
    expect(fixed).toMatchObject({ supersedes: old.id, content: "Started at Acme as a data engineer", kind: "event", visibility: "private", created_at: old.created_at });
    expect(pai(["memory", "list"], { home: h }).stdout).toMatch(/event\s+private\s+2024-06-01\s+Started at Acme as a data engineer/);

    // The same text, with another date, kind and visibility: a correction of those facts only.
    const moved = json(pai(["memory", "edit", "--json", String(fixed.id), "--date", "2024-06-03", "--kind", "fact", "--shareable"], { home: h }));
    expect(moved).toMatchObject({ supersedes: fixed.id, content: "Started at Acme as a data engineer", kind: "fact", visibility: "shareable" });
    expect(moved.created_at.slice(0, 10)).toBe("2024-06-03");
    const human = pai(["memory", "edit", String(moved.id), "--private", "Started at Acme as a data engineer in Lyon"], { home: h });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^#\d+ now replaces #\d+ \(fact, 2024-06-03, private\)\.$/m);

    const current = json<any[]>(pai(["memory", "list", "--json"], { home: h }));
    for (const [args, code, pattern] of [
      [["memory", "edit", String(current[0].id)], 2, /nothing to change/],
      [["memory", "edit", String(current[0].id), "--date", "June"], 2, /invalid date 'June'/],
      [["memory", "edit", String(current[0].id), "--kind", "opinion"], 2, /unknown kind 'opinion'/],
      [["memory", "edit", String(current[0].id), "--private"], 1, /nothing to change in item/],
      [["memory", "edit", String(current[0].id), "--private", "--shareable"], 2, /contradict/],
      [["memory", "edit", String(old.id), "--kind", "fact"], 1, /already replaced/],
    ] as [string[], number, RegExp][]) {
      const r = pai(args, { home: h });
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(json<any[]>(pai(["memory", "list", "--json"], { home: h }))).toEqual(current);
  });

  it("bad input: one clear line, non-zero exit, nothing changed", () => {
    const h = home();
    pai(["remember", "keep me"], { home: h });
    for (const [args, code, pattern] of [
      [["remember", "--kind", "opinion", "x"], 2, /unknown kind 'opinion'/],
      [["memory", "show", "abc"], 2, /invalid memory id/],
      [["memory", "show", "999"], 1, /no memory item 999/],
      [["memory", "search", "--limit", "0", "x"], 2, /invalid --limit/],
      [["memory", "search", "--since", "someday", "x"], 2, /invalid date 'someday'/],
      [["memory", "list", "--tier", "lukewarm"], 2, /unknown tier/],
      [["memory", "edit", "999", "x"], 1, /no memory item 999/],
      [["memory", "import", "/nonexistent/file.jsonl"], 1, /no such file/],
      [["memory", "forget"], 2, /nothing to forget/],
      [["memory", "export", "--format", "xml"], 2, /unknown format/],
    ] as [string[], number, RegExp][]) {
      const r = pai(args, { home: h });
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(json<any[]>(pai(["memory", "list", "--json"], { home: h })).map((x) => x.content)).toEqual(["keep me"]);
  });

  it("FTS-hostile queries return results or nothing, never an error", () => {
    const h = home();
    pai(["remember", 'Notes on the "NEAR" operator: (a OR b) AND c*'], { home: h });
    for (const q of ['"', "col:x", "NEAR(a b)", "*", "((", "AND OR NOT", "東京", "-x", "^"]) {
      const r = pai(["memory", "search", "--json", "--", q], { home: h });
      expect(r.code, q).toBe(0);
      expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
    }
    expect(json<any[]>(pai(["memory", "search", "--json", "NEAR(operator)"], { home: h }))).toHaveLength(1);
  });

  it("import reports bad lines with their numbers, skips them and prints the count; export round-trips", () => {
    const h = home();
    const file = join(h, "in.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ content: "Started at Acme", kind: "event", created_at: "2024-06-01T09:00:00Z", source: "cv" }),
        "this is not json",
        JSON.stringify({ content: "Likes jasmine tea", kind: "preference", pinned: true, visibility: "shareable" }),
        JSON.stringify({ kind: "fact" }),
        "",
        JSON.stringify({ content: "Bad date", created_at: "last spring" }),
        JSON.stringify({ content: "Bad kind", kind: "rumour" }),
        JSON.stringify({ content: "token=ghp_16C7e42F292c6912E7710c838347Ae178B4a in a note", created_at: "2023-01-02" }),
      ].join("\n"),
    );
    const r = pai(["memory", "import", file], { home: h });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported 3 item\(s\)/);
    expect(r.stdout).toMatch(/skipped 4 bad line/);
    for (const n of [2, 4, 6, 7]) expect(r.stderr).toMatch(new RegExp(`line ${n}: `));
    // Each bad line says which field is wrong, what it must hold and what it got.
    expect(r.stderr).toContain("line 4: content: required: the text to remember (skipped)");
    expect(r.stderr).toContain("line 7: kind: got 'rumour'; allowed: fact, preference, event, episode, note, action (skipped)");
    expect(r.stderr).toMatch(/committed 3 item\(s\) through line 8/);

    const out = pai(["memory", "export", "--format", "jsonl"], { home: h });
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(out.stdout).not.toContain("ghp_16C7");

    const h2 = home();
    const file2 = join(h2, "exported.jsonl");
    writeFileSync(file2, out.stdout);
    expect(json(pai(["memory", "import", "--json", file2], { home: h2 }))).toMatchObject({ imported: 3, bad: [] });
    const again = pai(["memory", "export"], { home: h2 }).stdout.trim().split("\n").map((l) => JSON.parse(l));
    const pick = (x: any) => ({ content: x.content, kind: x.kind, created_at: x.created_at, source: x.source, pinned: x.pinned, visibility: x.visibility, importance: x.importance, redacted: x.redacted });
    expect(again.map(pick)).toEqual(lines.map(pick));
  });

  it("incognito: the flag and memory.incognito store nothing", () => {
    const h = home();
    const r = pai(["remember", "--incognito", "--json", "a secret plan"], { home: h });
    expect(json(r)).toEqual({ stored: false, incognito: true });
    expect(pai(["config", "set", "memory.incognito", "true"], { home: h }).code).toBe(0);
    expect(pai(["remember", "another plan"], { home: h }).stderr).toMatch(/incognito/);
    const file = join(h, "in.jsonl");
    writeFileSync(file, `${JSON.stringify({ content: "imported plan" })}\n`);
    expect(pai(["memory", "import", file], { home: h }).code).toBe(0);
    expect(json(pai(["memory", "stats", "--json"], { home: h })).total).toBe(0);
  });

  it("forget --match lists and asks; refuses without a terminal unless --yes; forget really removes", () => {
    const h = home();
    pai(["remember", "The zanzibarquokka door code is kept in the blue notebook"], { home: h });
    pai(["remember", "Shopping list: apples"], { home: h });
    const refused = pai(["memory", "forget", "--match", "zanzibarquokka notebook"], { home: h });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("zanzibarquokka");
    expect(refused.stderr).toMatch(/--yes/);
    expect(json(pai(["memory", "stats", "--json"], { home: h })).total).toBe(2);
    // Words must all match: this deletes nothing.
    expect(json(pai(["memory", "forget", "--json", "--yes", "--match", "zanzibarquokka apples"], { home: h }))).toEqual({ forgotten: 0, ids: [] });
    const done = json(pai(["memory", "forget", "--json", "--yes", "--match", "zanzibarquokka notebook"], { home: h }));
    expect(done).toMatchObject({ forgotten: 1, ids: [1] });
    expect(json<any[]>(pai(["memory", "search", "--json", "zanzibarquokka"], { home: h }))).toEqual([]);
    expect(pai(["memory", "export"], { home: h }).stdout).not.toContain("zanzibarquokka");
    const backup = join(h, "after.db");
    expect(json(pai(["memory", "backup", "--json", backup], { home: h })).path).toBe(backup);
    expect(readFileSync(backup).includes("zanzibarquokka")).toBe(false);
    expect(readFileSync(join(h, "user", "pai.db")).includes("zanzibarquokka")).toBe(false);
    const wal = join(h, "user", "pai.db-wal");
    if (existsSync(wal)) expect(readFileSync(wal).includes("zanzibarquokka")).toBe(false);
    // By id, too.
    expect(json(pai(["memory", "forget", "--json", "2"], { home: h }))).toMatchObject({ forgotten: 1, ids: [2] });
  });

  it("backup writes a consistent copy to user/backups by default and never overwrites", () => {
    const h = home();
    pai(["remember", "something to keep"], { home: h });
    const b = json(pai(["memory", "backup", "--json"], { home: h }));
    expect(b.path).toMatch(/user\/backups\/pai-\d{8}T\d{6}Z\.db$/);
    expect(readFileSync(b.path).subarray(0, 15).toString()).toBe("SQLite format 3");
    const r = pai(["memory", "backup", b.path], { home: h });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists/);
  });

  it("imports from standard input and from a file alike: a byte-order mark, CRLF, blank lines and many chunks", () => {
    // More than one 1 MiB read: lines end inside chunks and across them; one line holds characters of several bytes.
    // The file is large enough to be prepared on a second thread (THREAD_MIN_BYTES); standard input never is.
    const lines = Array.from({ length: 30_000 }, (_, i) =>
      JSON.stringify({ content: `note ${i} ${i % 7 === 0 ? "café ☕ 𝄞 " : ""}${"x".repeat(60 + (i % 50))}`, created_at: "2024-06-01T09:00:00Z", kind: "note" }),
    );
    const text = `\uFEFF${lines.slice(0, 3).join("\r\n")}\r\n\r\n   \n${lines.slice(3).join("\n")}`;
    const piped = home();
    const fromStdin = json(pai(["memory", "import", "--json", "-"], { home: piped, input: text }));
    expect(fromStdin).toMatchObject({ imported: 30_000, bad: [] });
    const filed = home();
    const file = join(filed, "notes.jsonl");
    writeFileSync(file, text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(THREAD_MIN_BYTES);
    expect(json(pai(["memory", "import", "--json", file], { home: filed }))).toMatchObject({ imported: 30_000, bad: [] });
    const contents = (h: string) => {
      const out = join(h, "out.jsonl");
      expect(pai(["memory", "export", "--output", out], { home: h }).code).toBe(0);
      return readFileSync(out, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { content: string }).content);
    };
    const expected = lines.map((l) => (JSON.parse(l) as { content: string }).content);
    expect(contents(piped)).toEqual(expected);
    expect(contents(filed)).toEqual(expected);
  });

  it("pai context includes hot memory and, with --query, the best older matches, marked by id", () => {
    const h = home();
    json(pai(["remember", "--json", "--pin", "Answer in French"], { home: h }));
    json(pai(["remember", "--json", "--private", "Therapist is Dr Lenoir"], { home: h }));
    const lines = `${JSON.stringify({ content: "The bike lock code is in the kitchen drawer", created_at: "2020-05-01", visibility: "shareable" })}\n`;
    expect(pai(["memory", "import", "--shareable", "-"], { home: h, input: lines }).code).toBe(0);
    const ctx = json(pai(["context", "--json", "--query", "where is my bike lock?"], { home: h }));
    expect(ctx.text).toContain("[mem:1]");
    expect(ctx.text).toContain("[mem:3]");
    expect(ctx.text).toContain("kitchen drawer");
    expect(ctx.memory_ids).toEqual(expect.arrayContaining([1, 2, 3]));
    const cloud = json(pai(["context", "--json", "--for", "cloud"], { home: h }));
    expect(cloud.text).toContain("Answer in French");
    expect(cloud.text).not.toContain("Lenoir");
    // The match was used: it is hot now.
    expect(json(pai(["memory", "show", "--json", "--incognito", "3"], { home: h })).tier).toBe("hot");
    // export --output writes the file atomically.
    const out = join(h, "out.jsonl");
    expect(pai(["memory", "export", "--output", out], { home: h }).code).toBe(0);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(3);
  });

  it("private and shareable change what a cloud model may see, all ids or none", () => {
    const h = home();
    json(pai(["remember", "--json", "Answer in French"], { home: h }));
    json(pai(["remember", "--json", "I prefer short answers"], { home: h }));
    const cloud = () => json(pai(["context", "--json", "--for", "cloud"], { home: h })).text as string;
    expect(cloud()).toContain("Answer in French");
    // An unknown id among them: one line, exit 1, and the known one is left as it was.
    const bad = pai(["memory", "private", "1", "99"], { home: h });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^pai: no memory item 99 — /);
    expect(cloud()).toContain("Answer in French");
    const done = json(pai(["memory", "private", "--json", "1", "2"], { home: h }));
    expect(done.map((i: any) => [i.id, i.visibility])).toEqual([[1, "private"], [2, "private"]]);
    expect(cloud()).not.toContain("Answer in French");
    expect(cloud()).not.toContain("short answers");
    const back = pai(["memory", "shareable", "2"], { home: h });
    expect(back.stdout).toMatch(/#2 is shareable/);
    expect(cloud()).toContain("short answers");
    expect(cloud()).not.toContain("Answer in French");
    expect(pai(["memory", "private", "x"], { home: h }).code).toBe(2);
  });
});
