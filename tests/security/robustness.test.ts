// Robustness against hostile or broken input and a broken environment, through the real CLI: a bad import
// line is reported and skipped, a damaged database is reported and never written, and a failure of the
// machine (a folder where a file should be, a FIFO, a full disk) is one line naming the file, exit 3.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, pai, PAI_BIN, ROOT, type RunResult } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Exactly one stderr line, starting `pai:`, naming `what`, and no "unexpected error". */
function oneLine(r: RunResult, what: string | RegExp): string {
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0]!;
  expect(line.startsWith("pai: ")).toBe(true);
  expect(line).not.toMatch(/unexpected error/);
  if (typeof what === "string") expect(line).toContain(what);
  else expect(line).toMatch(what);
  return line;
}

function deepMeta(levels: number, open: string, close: string): string {
  return `${open.repeat(levels)}${close.repeat(levels)}`;
}

function mkfifo(path: string): void {
  const r = spawnSync("mkfifo", [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
}

const hasMkfifo = spawnSync("sh", ["-c", "command -v mkfifo"]).status === 0;

function listContents(home: string): string[] {
  const r = pai(["memory", "export"], { home });
  expect(r.code).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { content: string }).content).sort();
}

describe("a bad import line is reported with its number and skipped", () => {
  it("a 5-line file whose lines 2 and 4 are bad imports 3 items and reports lines 2 and 4", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const file = join(home, "five.jsonl");
    const deep = `{"content":"deep meta","meta":{"a":${"{\"a\":".repeat(100_000)}1${"}".repeat(100_000)}}}`;
    writeFileSync(
      file,
      [
        JSON.stringify({ content: "first good line" }),
        JSON.stringify({ content: "year zero", created_at: "0000-01-01" }),
        JSON.stringify({ content: "third good line" }),
        deep,
        JSON.stringify({ content: "fifth good line" }),
      ].join("\n") + "\n",
    );
    const r = pai(["memory", "import", file], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.stdout).toMatch(/Imported 3 item\(s\); skipped 2 bad line\(s\)/);
    expect(r.stderr).toMatch(/line 2: created_at: '0000-01-01' .*\(skipped\)/);
    expect(r.stderr).toMatch(/line 4: meta is nested more than 32 levels deep.*\(skipped\)/);
    expect(listContents(home)).toEqual(["fifth good line", "first good line", "third good line"]);
  });

  it("every date that cannot be stored and read back, deep or large meta and an over-long line: each skipped, the rest imported", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const file = join(home, "bad.jsonl");
    const badDates = ["0000-01-01", "10000-01-01", "+275760-09-13", "-000001-01-01", "2026-02-30", "2025-04-31T10:00:00Z", "9999-12-31T23:59:60Z"];
    const lines: string[] = [];
    const bad: number[] = [];
    const good: string[] = [];
    const addGood = (c: string) => {
      lines.push(JSON.stringify({ content: c, created_at: "2024-02-29" }));
      good.push(c);
    };
    const addBad = (line: string) => {
      lines.push(line);
      bad.push(lines.length);
    };
    addGood("good 0");
    for (const d of badDates) {
      addBad(JSON.stringify({ content: `dated ${d}`, created_at: d }));
      addGood(`good after ${d}`);
    }
    addBad(`{"content":"deep array","meta":{"a":${deepMeta(100_000, "[", "]")}}}`);
    addGood("good after deep array");
    addBad(JSON.stringify({ content: "meta 33 deep", meta: JSON.parse(`${"{\"a\":".repeat(33)}1${"}".repeat(33)}`) }));
    addGood("good after meta 33 deep");
    addBad(JSON.stringify({ content: "huge meta", meta: { blob: "m".repeat(200_000) } }));
    addGood("good after huge meta");
    addBad(JSON.stringify({ content: `long ${"y".repeat(5 * 1024 * 1024)}` }));
    addGood("good after a long line");
    writeFileSync(file, `${lines.join("\n")}\n`);

    // --incognito checks the file the same way and stores nothing.
    const check = pai(["memory", "import", "--incognito", file], { home });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain(`nothing was stored (${good.length} valid item(s) in ${lines.length} line(s))`);

    const r = pai(["memory", "import", "--json", file], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const out = JSON.parse(r.stdout) as { imported: number; bad: { line: number; error: string }[] };
    expect(out.imported).toBe(good.length);
    expect(out.bad.map((b) => b.line)).toEqual(bad);
    for (const l of bad) expect(r.stderr).toMatch(new RegExp(`line ${l}: .*\\(skipped\\)`));
    expect(out.bad.find((b) => b.line === bad.at(-1))!.error).toMatch(/line is 5\.0 MiB long \(at most 1 MiB\)/);
    expect(out.bad.find((b) => b.line === bad.at(-2))!.error).toMatch(/meta is .*KiB/);
    expect(listContents(home)).toEqual([...good].sort());
    // Leap day of a leap year is a real day: stored as given.
    const list = JSON.parse(pai(["memory", "list", "--json", "--limit", "100"], { home }).stdout) as { content: string; created_at: string }[];
    expect(list.find((i) => i.content === "good 0")?.created_at).toBe("2024-02-29T00:00:00.000Z");
  });

  it("a transcript line dated outside years 1-9999 is reported; the other exchanges are imported", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const file = join(home, "session.jsonl");
    const user = (uuid: string, text: string, timestamp: string) =>
      JSON.stringify({ type: "user", uuid, sessionId: "s1", timestamp, message: { role: "user", content: text } });
    const reply = (text: string) => JSON.stringify({ type: "assistant", message: { role: "assistant", content: [{ type: "text", text }] } });
    writeFileSync(
      file,
      [
        user("u1", "plan the Lyon move", "2026-03-02T09:00:00Z"),
        reply("here is a plan"),
        user("u2", "what about year zero", "0000-06-01T00:00:00Z"),
        reply("never stored"),
        user("u3", "book the movers", "2026-03-02T10:00:00Z"),
        reply("booked"),
      ].join("\n") + "\n",
    );
    const r = pai(["memory", "import-transcript", file], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.stderr).toMatch(/line 3: .*valid timestamp/);
    const contents = listContents(home).join("\n");
    expect(contents).toContain("plan the Lyon move");
    expect(contents).toContain("book the movers");
    expect(contents).not.toContain("year zero");
  });
});

describe("the database is never written before it is known good", () => {
  /** A home whose database holds a few thousand items, made through the CLI and closed cleanly. */
  function filledHome(): { home: string; db: string } {
    const home = initHome(tmpDir("pai-rob-"));
    const file = join(home, "items.jsonl");
    let s = "";
    for (let i = 0; i < 3000; i++) s += `${JSON.stringify({ content: `item ${i} about the ${i % 37} report in Lyon ${"x".repeat(150)}`, created_at: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString() })}\n`;
    writeFileSync(file, s);
    const r = pai(["memory", "import", "--quiet", file], { home });
    expect(r.code, r.stderr).toBe(0);
    return { home, db: paths(home).db };
  }

  const walSize = (db: string) => (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);

  it("commands that only read leave an up-to-date database's bytes as they were (no header write on open)", () => {
    const { home, db } = filledHome();
    const before = sha256(db);
    for (const args of [["memory", "search", "nothing-matches-this"], ["memory", "list"], ["status"], ["memory", "stats"]]) {
      const r = pai(args, { home });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    expect(sha256(db)).toBe(before);
    expect(walSize(db)).toBe(0);
  });

  it("a database with damaged pages is reported as damaged, exit 3, one line, and its bytes are unchanged", () => {
    const { home, db } = filledHome();
    const bytes = readFileSync(db);
    const pages = bytes.length / 4096;
    expect(pages).toBeGreaterThan(100);
    // Scramble every other page from a quarter of the file on (the header and the schema, written first, stay
    // intact): the items, their tier rows and the full-text index each lie partly in what is scrambled.
    for (let pg = Math.floor(pages / 4); pg < pages; pg += 2) {
      for (let i = pg * 4096; i < (pg + 1) * 4096; i++) bytes[i] = (i * 131 + 7) & 0xff;
    }
    writeFileSync(db, bytes);
    const before = sha256(db);
    // What reads a damaged page says so; what reads only intact pages answers (memory stats reads only the
    // counts kept beside the items). Neither writes.
    const mustFail = [["memory", "search", "lyon", "report"], ["memory", "export"]];
    for (const args of [["memory", "search", "x"], ["status"], ["memory", "list"], ["memory", "stats"], ...mustFail]) {
      const r = pai(args, { home });
      expect(r.stderr).not.toMatch(/unexpected error/);
      if (mustFail.includes(args)) expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(3);
      if (r.code === 0) continue;
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(3);
      const line = oneLine(r, db);
      expect(line).toMatch(/is damaged \(.*malformed.*\) — .*user\/backups\/.*pai memory backup.*pai doctor/);
    }
    expect(sha256(db)).toBe(before);
    expect(walSize(db)).toBe(0);
  });
});

describe("a failure of the environment is one line naming the file, exit 3", () => {
  it("user/pai.db that is a folder", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const db = paths(home).db;
    renameSync(db, `${db}.real`);
    mkdirSync(db);
    for (const args of [["memory", "list"], ["remember", "hello"]]) {
      const r = pai(args, { home });
      expect(r.code, r.stderr).toBe(3);
      expect(oneLine(r, db)).toMatch(/is not a regular file \(it is a folder\)/);
    }
  });

  it("user/config.json that is a folder", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const config = paths(home).config;
    renameSync(config, `${config}.real`);
    mkdirSync(config);
    for (const args of [["memory", "list"], ["config", "set", "backend.retries", "1"]]) {
      const r = pai(args, { home });
      expect(r.code, r.stderr).toBe(3);
      expect(oneLine(r, config)).toMatch(/is a folder, not a regular file — move it aside/);
    }
  });

  it.skipIf(!hasMkfifo)("user/config.json that is a FIFO is refused, not waited on", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const config = paths(home).config;
    renameSync(config, `${config}.real`);
    mkfifo(config);
    const r = pai(["memory", "list"], { home, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(oneLine(r, config)).toMatch(/is a FIFO/);
  });

  it.skipIf(!hasMkfifo)("a FIFO inside a pack: install and info refuse it before reading any file of the pack", () => {
    const home = initHome(tmpDir("pai-rob-"));
    const pack = join(tmpDir("pai-rob-pack-"), "journal");
    cpSync(join(ROOT, "packs", "journal"), pack, { recursive: true });
    mkfifo(join(pack, "pipe"));
    const r = pai(["pack", "install", "--yes", pack], { home, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(oneLine(r, "pipe")).toMatch(/is a FIFO, not a plain file/);
    expect(existsSync(join(paths(home).packs, "journal"))).toBe(false);

    // The manifest itself a FIFO: reading it would block forever.
    unlinkSync(join(pack, "pipe"));
    renameSync(join(pack, "pack.json"), join(pack, "pack.json.real"));
    mkfifo(join(pack, "pack.json"));
    const info = pai(["pack", "info", pack], { home, timeoutMs: 20_000 });
    expect(info.code, info.stderr).toBe(3);
    expect(oneLine(info, "pack.json")).toMatch(/is a FIFO/);
  });

  it("an export written over a folder or a FIFO is refused, naming it", () => {
    const home = initHome(tmpDir("pai-rob-"));
    expect(pai(["remember", "something to export"], { home }).code).toBe(0);
    const folder = join(home, "out");
    mkdirSync(folder);
    const r = pai(["memory", "export", "--output", folder], { home });
    expect(r.code, r.stderr).toBe(3);
    expect(oneLine(r, folder)).toMatch(/is a folder, not a regular file/);
    if (hasMkfifo) {
      // Never replaced by the temporary file's rename, never opened.
      const fifo = join(home, "out.fifo");
      mkfifo(fifo);
      const d = pai(["memory", "export", "--output", fifo], { home, timeoutMs: 20_000 });
      expect(d.code, d.stderr).toBe(3);
      expect(oneLine(d, fifo)).toMatch(/is a FIFO, not a regular file/);
      expect(statSync(fifo).isFIFO()).toBe(true);
    }
  });

  it.skipIf(!existsSync("/dev/full"))("a full disk behind standard output", () => {
    const home = initHome(tmpDir("pai-rob-"));
    expect(pai(["remember", "something to export"], { home }).code).toBe(0);
    const fd = openSync("/dev/full", "w");
    try {
      const r = spawnSync(PAI_BIN, ["memory", "export"], {
        cwd: ROOT,
        env: { ...process.env, PAI_HOME: home, NO_COLOR: "1", PAI_DEBUG: "" },
        stdio: ["ignore", fd, "pipe"],
        encoding: "utf8",
        timeout: 30_000,
      });
      const res = { code: r.status ?? 1, stdout: "", stderr: r.stderr ?? "" };
      expect(res.code, res.stderr).toBe(3);
      expect(oneLine(res, "standard output")).toMatch(/no space left/);
    } finally {
      closeSync(fd);
    }
  });
});
