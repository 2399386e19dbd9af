// Reliability of memory under the real CLI: SIGKILL mid-import, concurrent writers, corrupt databases.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { integrityCheck, openDatabase } from "../../src/app/db.ts";
import { initHome, pai, paiAsync, PAI_BIN, ROOT } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function jsonl(n: number, prefix: string): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += `${JSON.stringify({ content: `${prefix} item ${i}: met Alice about the ${i % 97} report in Lyon`, created_at: new Date(Date.UTC(2023, 0, 1) + i * 60_000).toISOString() })}\n`;
  }
  return s;
}

describe("memory reliability", () => {
  it("SIGKILL in the middle of an import loses nothing reported committed and leaves a usable database", async () => {
    const home = initHome(tmpDir());
    const file = join(home, "big.jsonl");
    writeFileSync(file, jsonl(200_000, "bulk"));
    const child = spawn(PAI_BIN, ["memory", "import", "--batch", "1000", file], {
      cwd: ROOT,
      env: { ...process.env, PAI_HOME: home, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let reported = 0;
    let batches = 0;
    let stderr = "";
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on("close", (code, signal) => res({ code, signal })));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      for (const m of d.toString().matchAll(/committed (\d+) item\(s\)/g)) {
        reported = Math.max(reported, Number(m[1]));
        batches++;
        if (batches === 3) child.kill("SIGKILL");
      }
    });
    const { signal } = await exited;
    expect(signal, stderr).toBe("SIGKILL");
    expect(reported).toBeGreaterThanOrEqual(3000);

    const db = openDatabase(join(home, "user", "pai.db"));
    const n = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items").get()!.n;
    expect(n).toBeGreaterThanOrEqual(reported);
    expect(n).toBeLessThan(200_000);
    expect(integrityCheck(db)).toEqual([]);
    db.exec("INSERT INTO memory_fts (memory_fts) VALUES ('integrity-check')");
    db.close();
    const r = pai(["memory", "search", "--json", "--limit", "3", "bulk report"], { home });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });

  it("two processes writing at once both succeed", async () => {
    const home = initHome(tmpDir());
    writeFileSync(join(home, "a.jsonl"), jsonl(6000, "alpha"));
    writeFileSync(join(home, "b.jsonl"), jsonl(6000, "beta"));
    const [a, b, c] = await Promise.all([
      paiAsync(["memory", "import", "--json", "--batch", "500", join(home, "a.jsonl")], { home }),
      paiAsync(["memory", "import", "--json", "--batch", "500", join(home, "b.jsonl")], { home }),
      paiAsync(["remember", "--json", "written while two imports run"], { home }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(a.stdout).imported).toBe(6000);
    expect(JSON.parse(b.stdout).imported).toBe(6000);
    const stats = JSON.parse(pai(["memory", "stats", "--json"], { home }).stdout);
    expect(stats.total).toBe(12_001);
  });

  it("a foreign or corrupt database file gives one clear error and is never overwritten", () => {
    const home = initHome(tmpDir());
    const dbFile = join(home, "user", "pai.db");
    const foreign = Buffer.from("these are my tax notes, not a database\n".repeat(200));
    writeFileSync(dbFile, foreign);
    for (const args of [["memory", "search", "x"], ["remember", "x"], ["memory", "stats"]]) {
      const r = pai(args, { home });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/is not a SQLite database — .*backup/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(readFileSync(dbFile).equals(foreign)).toBe(true);

    // A real SQLite header followed by garbage.
    const corrupt = Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(8192, 0xab)]);
    writeFileSync(dbFile, corrupt);
    const r = pai(["memory", "list"], { home });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/pai: the database .* (is damaged|cannot be opened)/);
    expect(readFileSync(dbFile).equals(corrupt)).toBe(true);
  });
});
