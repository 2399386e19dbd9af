/**
 * The audit trail's end cannot be cut, emptied or re-pointed by editing the database alone: user/audit.head
 * mirrors its head. And a forget leaves no readable copy in pack runs or job firings; the audit trail records
 * only a fingerprint of what an action produced.
 */
import { Database as BunDatabase } from "bun:sqlite";
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson, entryHash } from "../../src/automation/audit/index.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { makePack } from "../packs/helpers.ts";

function homeWithEntries(n: number): string {
  const home = initHome(tmpDir("pai-audit-"));
  for (let i = 0; i < n; i++) expect(pai(["jobs", "add", `j${i}`, "--manual", "--action", "remember", "--text", `note ${i}`], { home }).code).toBe(0);
  expect(pai(["audit", "verify"], { home }).code).toBe(0);
  return home;
}

function attack(home: string, sql: string[]): void {
  const db = new BunDatabase(join(home, "user", "pai.db"));
  // The append-only triggers are dropped first, as an attacker with the file would.
  for (const t of db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").all()) db.run(`DROP TRIGGER "${t.name}"`);
  for (const s of sql) db.run(s);
  db.close();
}

describe("audit tail truncation is seen", () => {
  const headOf = (home: string) => JSON.parse(readFileSync(join(home, "user", "audit.head"), "utf8")) as { seq: number; hash: string };
  const verify = (home: string) => {
    const r = pai(["audit", "verify"], { home });
    return { code: r.code, lines: r.stderr.trim().split("\n").filter(Boolean), out: r.stdout + r.stderr };
  };

  it("tail cut and the head row re-pointed at the new last entry", () => {
    const home = homeWithEntries(4);
    expect(headOf(home).seq).toBe(4);
    attack(home, [
      "DELETE FROM audit_log WHERE seq > 2",
      "UPDATE daemon_state SET value = (SELECT json_object('seq', seq, 'hash', hash) FROM audit_log WHERE seq = 2) WHERE key = 'audit_head'",
    ]);
    const r = verify(home);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^pai: .*the audit trail has 2 entries but its head file records 4: entries were removed after #2/);
    // The next append does not paper over it: the file only moves from a head that agreed with the table.
    expect(pai(["jobs", "add", "later", "--manual", "--action", "remember", "--text", "x"], { home }).code).toBe(0);
    expect(verify(home).out).toMatch(/has 3 entries but its head file records 4/);
  });

  it("head row deleted, or corrupted, with the tail cut", () => {
    for (const edit of ["DELETE FROM daemon_state WHERE key = 'audit_head'", "UPDATE daemon_state SET value = 'garbage' WHERE key = 'audit_head'"]) {
      const home = homeWithEntries(3);
      attack(home, ["DELETE FROM audit_log WHERE seq = 3", edit]);
      const r = verify(home);
      expect(r.code, edit).toBe(1);
      expect(r.out, edit).toMatch(/has 2 entries but its head file records 3: entries were removed after #2/);
      if (edit.startsWith("UPDATE")) expect(r.out).toMatch(/head of the log recorded in the database is damaged/);
    }
  });

  it("an emptied log does not verify as intact", () => {
    const home = homeWithEntries(2);
    attack(home, ["DELETE FROM audit_log", "DELETE FROM daemon_state WHERE key = 'audit_head'"]);
    const r = verify(home);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the audit trail is empty but its head file records 2 entries: the log was emptied/);
    expect(r.out).not.toMatch(/intact/);

    // Head file removed as well: the database remembers there was one.
    const home2 = homeWithEntries(2);
    attack(home2, ["DELETE FROM audit_log WHERE seq = 2", "DELETE FROM daemon_state WHERE key = 'audit_head'"]);
    unlinkSync(join(home2, "user", "audit.head"));
    const r2 = verify(home2);
    expect(r2.code).toBe(1);
    expect(r2.out).toMatch(/has 1 entry but its head file .* was removed/);

    // Every trace removed (rows, head row, file, the row that remembers the file): the firings still tell.
    const home3 = homeWithEntries(1);
    expect(pai(["jobs", "run", "j0"], { home: home3 }).code).toBe(0);
    attack(home3, ["DELETE FROM audit_log", "DELETE FROM daemon_state WHERE key LIKE 'audit_head%'"]);
    unlinkSync(join(home3, "user", "audit.head"));
    const r3 = verify(home3);
    expect(r3.code).toBe(1);
    expect(r3.out).toMatch(/the audit trail is empty but 1 job firing\(s\) are recorded/);
  });

  it("a head file that was tampered with, or entries forged into the table alone, are reported", () => {
    const home = homeWithEntries(2);
    writeFileSync(join(home, "user", "audit.head"), JSON.stringify({ seq: 2, hash: "0".repeat(64) }));
    expect(verify(home).out).toMatch(/entry #2 does not match the head recorded in .*audit.head/);
    writeFileSync(join(home, "user", "audit.head"), "{not json");
    expect(verify(home).out).toMatch(/head file .* is damaged/);

    // An entry appended with SQL, correctly chained and with the head row moved: the file did not move.
    const home2 = homeWithEntries(2);
    const d = new BunDatabase(join(home2, "user", "pai.db"));
    const last = d.query<{ hash: string }, []>("SELECT hash FROM audit_log WHERE seq = 2").get()!;
    const time = new Date().toISOString();
    const data = { event: "forged" };
    const hash = entryHash({ seq: 3, time, job: null, type: "job", data, prev: last.hash });
    d.run("INSERT INTO audit_log (seq, time, job, type, data, prev, hash) VALUES (3, ?, NULL, 'job', ?, ?, ?)", [time, canonicalJson(data), last.hash, hash]);
    d.run("UPDATE daemon_state SET value = ? WHERE key = 'audit_head'", [JSON.stringify({ seq: 3, hash })]);
    d.close();
    const r = verify(home2);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/has 3 entries but its head file records 2: entries #3-#3 were added without it/);
  });

  it("processes appending at the same time leave the file matching the table", async () => {
    const home = initHome(tmpDir("pai-audit-"));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => paiAsync(["jobs", "add", `c${i}`, "--manual", "--action", "remember", "--text", `n${i}`], { home })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const r = pai(["audit", "verify"], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/intact: 6 entries/);
    expect(headOf(home).seq).toBe(6);
  });
});

describe("forget leaves no copies", () => {
  /** Every file under user/ (the database, its write-ahead log, logs, the head file) but the job definitions, the user's own words. */
  function userFiles(dir: string): string[] {
    const out: string[] = [];
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const f = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "jobs") out.push(...userFiles(f));
      } else if (e.isFile()) out.push(f);
    }
    return out;
  }

  it("every version, the action memories, pack runs and job firings lose the text; the audit trail never had it", () => {
    const home = initHome(tmpDir("pai-forget-"));
    const SENTENCE = "my neighbour Ottoline keeps bees on the roof at Rue Colbert 19";
    const src = makePack(
      { name: "echoer", version: "1.0.0", description: "echoes", commands: { say: { tier: "code", description: "say", module: "m.ts", export: "run" } } },
      { "m.ts": "export function run(ctx: any) { return 'heard: ' + ctx.text; }\n" },
    );
    expect(pai(["pack", "install", src, "--yes"], { home }).code).toBe(0);
    expect(pai(["jobs", "add", "echo", "--manual", "--action", "pack", "--command", "echoer:say", "--text", SENTENCE], { home }).code).toBe(0);
    expect(pai(["jobs", "run", "echo"], { home }).code).toBe(0);
    expect(pai(["run", "echoer:say", SENTENCE], { home }).code).toBe(0);
    const first = JSON.parse(pai(["remember", SENTENCE, "--json"], { home }).stdout).id as number;
    // An edit keeps the earlier version as an item of its own.
    const edited = pai(["memory", "edit", String(first), `${SENTENCE}, since 2021`, "--json"], { home });
    expect(edited.code, edited.stderr).toBe(0);
    const id = (JSON.parse(edited.stdout).id ?? JSON.parse(edited.stdout).item?.id) as number;
    expect(id).not.toBe(first);
    const other = JSON.parse(pai(["remember", `Ask about honey: ${SENTENCE}`, "--json"], { home }).stdout).id as number;

    const dbFile = join(home, "user", "pai.db");
    const tablesHolding = () => {
      const d = new BunDatabase(dbFile);
      const out = new Set<string>();
      for (const { name } of d.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all()) {
        for (const row of d.query<Record<string, unknown>, []>(`SELECT * FROM "${name}"`).all()) {
          if (/ottolin/i.test(JSON.stringify(row, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v)))) out.add(name);
        }
      }
      d.close();
      return [...out].sort();
    };
    const before = tablesHolding();
    expect(before).toEqual(expect.arrayContaining(["job_firings", "memory_items", "pack_runs"]));
    expect(before).not.toContain("audit_log");
    expect(JSON.stringify(JSON.parse(pai(["memory", "list", "--json", "--limit", "50"], { home }).stdout))).toMatch(/"kind":"action"[^}]*Ottoline|Ottoline[^}]*"kind":"action"/);

    const f = pai(["memory", "forget", String(id), "--json"], { home });
    expect(f.code, f.stderr).toBe(0);
    const out = JSON.parse(f.stdout);
    expect(out.ids).toEqual(expect.arrayContaining([id, first]));
    expect(out.versions).toEqual([first]);
    expect(out.actions.length).toBeGreaterThanOrEqual(1);
    expect(out.blanked.pack_runs).toBeGreaterThanOrEqual(2);
    expect(out.blanked.job_firings).toBeGreaterThanOrEqual(1);
    expect(out.remaining).toEqual({ audit_entries: 0, model_calls: 0, memories: [other], unsearched: 0 });
    // The human output says the same, including what stays.
    const again = pai(["memory", "forget", String(other)], { home });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Forgot 1 memory \(mem:\d+\)/);

    expect(tablesHolding()).toEqual([]);
    for (const file of userFiles(join(home, "user"))) expect(readFileSync(file).toString("latin1"), file).not.toMatch(/ottolin/i);
    expect(pai(["audit", "verify"], { home }).code).toBe(0);
  });

  it("forget says what other memories still hold the text", () => {
    const home = initHome(tmpDir("pai-forget-"));
    const a = JSON.parse(pai(["remember", "the spare key is under the third flowerpot", "--json"], { home }).stdout).id as number;
    const b = JSON.parse(pai(["remember", "remind me: the spare key is under the third flowerpot", "--json"], { home }).stdout).id as number;
    const r = pai(["memory", "forget", String(a)], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`1 other memory mentions it: mem:${b}`);
  });
});
