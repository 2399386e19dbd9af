import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendAudit, canonicalJson, listAudit, verifyAudit } from "../../src/automation/audit/index.ts";
import { Secrets } from "../../src/kernel/secrets.ts";
import { openDatabase, type Database } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function freshDb(): Database {
  return openDatabase(join(tmpDir(), "pai.db"));
}

function fill(db: Database, n: number): void {
  for (let i = 1; i <= n; i++) appendAudit(db, new Secrets(), { job: `job${i % 2}`, type: "trigger", data: { i, note: `entry ${i}` } });
}

/** Tampering needs the append-only triggers out of the way first, as an attacker would. */
function unlock(db: Database): void {
  db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
}

describe("audit log", () => {
  it("chains entries and verifies an intact log", () => {
    const db = freshDb();
    fill(db, 5);
    const entries = listAudit(db);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]!.prev).toBe("0".repeat(64));
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prev).toBe(entries[i - 1]!.hash);
    expect(verifyAudit(db)).toEqual({ ok: true, entries: 5 });
    db.close();
  });

  it("refuses UPDATE and DELETE through SQL", () => {
    const db = freshDb();
    fill(db, 2);
    expect(() => db.prepare("UPDATE audit_log SET data = '{}' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM audit_log WHERE seq = 1").run()).toThrow(/append-only/);
    db.close();
  });

  it("catches an edited entry and names its seq", () => {
    const db = freshDb();
    fill(db, 5);
    unlock(db);
    db.prepare("UPDATE audit_log SET data = ? WHERE seq = 3").run(canonicalJson({ i: 3, note: "nothing happened" }));
    const r = verifyAudit(db);
    expect(r).toMatchObject({ ok: false, badSeq: 3, problem: "edited" });
    db.close();
  });

  it("catches a removed entry in the middle and a cut-off tail", () => {
    const db = freshDb();
    fill(db, 6);
    unlock(db);
    db.prepare("DELETE FROM audit_log WHERE seq = 4").run();
    expect(verifyAudit(db)).toMatchObject({ ok: false, badSeq: 4, problem: "removed" });

    const db2 = freshDb();
    fill(db2, 6);
    unlock(db2);
    db2.prepare("DELETE FROM audit_log WHERE seq >= 5").run();
    const r = verifyAudit(db2);
    expect(r).toMatchObject({ ok: false, badSeq: 5, problem: "removed" });
    expect(r.message).toMatch(/cut off/);
    db.close();
    db2.close();
  });

  it("an entry appended by another process while the log is verified is not taken for a cut-off tail", () => {
    const file = join(tmpDir(), "pai.db");
    const db = openDatabase(file);
    const writer = openDatabase(file); // the daemon, appending on its own connection
    fill(db, 3);
    // Every read verify makes is followed by an append from the writer, as when the daemon runs alongside.
    // While verify holds the write lock (its second look), a real writer waits: so does this one.
    let locked = false;
    const reader = Object.create(db) as Database;
    reader.transaction = (<T>(fn: () => T): T => {
      locked = true;
      try {
        return db.transaction(fn);
      } finally {
        locked = false;
      }
    }) as Database["transaction"];
    reader.prepare = ((sql: string) => {
      const st = db.prepare<any>(sql);
      const after = <T>(v: T): T => (locked || appendAudit(writer, new Secrets(), { job: "daemon", type: "trigger", data: { during: "verify" } }), v);
      return { ...st, get: (...a: any[]) => after(st.get(...a)), all: (...a: any[]) => after(st.all(...a)) };
    }) as Database["prepare"];
    expect(verifyAudit(reader)).toMatchObject({ ok: true });
    expect(verifyAudit(db)).toMatchObject({ ok: true }); // one more entry per read verify made
    writer.close();
    db.close();
  });

  it("catches reordered entries", () => {
    const db = freshDb();
    fill(db, 5);
    unlock(db);
    const rows = db.prepare<any>("SELECT * FROM audit_log WHERE seq IN (2, 3) ORDER BY seq").all();
    const put = db.prepare("UPDATE audit_log SET time = ?, job = ?, type = ?, data = ?, prev = ?, hash = ? WHERE seq = ?");
    put.run(rows[1].time, rows[1].job, rows[1].type, rows[1].data, rows[1].prev, rows[1].hash, 2);
    put.run(rows[0].time, rows[0].job, rows[0].type, rows[0].data, rows[0].prev, rows[0].hash, 3);
    const r = verifyAudit(db);
    expect(r).toMatchObject({ ok: false, badSeq: 2, problem: "reordered" });
    expect(r.message).toMatch(/written as entry 3/);
    db.close();
  });

  it("never stores a secret", () => {
    const db = freshDb();
    const secrets = new Secrets();
    secrets.add("hunter2-the-mail-password");
    appendAudit(db, secrets, {
      job: "x",
      type: "action",
      data: { output: "login with hunter2-the-mail-password ok", key: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789", password: "plain" },
    });
    const raw = db.prepare<{ data: string }>("SELECT data FROM audit_log").get()!.data;
    expect(raw).not.toContain("hunter2-the-mail-password");
    expect(raw).not.toContain("sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789");
    expect(raw).not.toContain("plain");
    expect(verifyAudit(db).ok).toBe(true);
    db.close();
  });

  it("pai audit shows and filters entries; pai audit verify exits 1 on a tampered log", () => {
    const home = initHome(tmpDir());
    const db = openDatabase(join(home, "user", "pai.db"));
    fill(db, 4);
    db.close();
    const all = pai(["audit", "--json"], { home });
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toHaveLength(4);
    const one = JSON.parse(pai(["audit", "--job", "job1", "--json"], { home }).stdout);
    expect(one.map((e: { seq: number }) => e.seq)).toEqual([1, 3]);
    expect(JSON.parse(pai(["audit", "--since", "2999-01-01", "--json"], { home }).stdout)).toEqual([]);
    expect(pai(["audit", "--since", "not a date"], { home }).code).toBe(2);

    const ok = pai(["audit", "verify"], { home });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/intact: 4 entries/);

    const db2 = openDatabase(join(home, "user", "pai.db"));
    unlock(db2);
    db2.prepare("UPDATE audit_log SET job = 'someone-else' WHERE seq = 2").run();
    db2.close();
    const bad = pai(["audit", "verify"], { home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/entry 2 was edited/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(pai(["audit", "verify", "--json"], { home }).stdout)).toMatchObject({ ok: false, bad_seq: 2, problem: "edited" });
  });
});
