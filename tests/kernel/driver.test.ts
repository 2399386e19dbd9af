// The storage contract: the same tests run under Bun (bun:sqlite) and Node (better-sqlite3).
import { existsSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { integrityCheck, schemaVersion, migrate, type Migration } from "../../src/kernel/storage/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { EnvironmentError } from "../../src/kernel/errors.ts";
import { tmpDir } from "../helpers/tmp.ts";

const isBun = typeof (globalThis as any).Bun !== "undefined";

describe(`storage (${isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("uses the driver of the runtime", () => {
    const db = openDatabase(join(tmpDir(), "a.db"));
    expect(db.name).toBe(isBun ? "bun:sqlite" : "better-sqlite3");
    db.close();
  });

  it("opens with WAL, foreign keys and a busy timeout, and migrates", () => {
    const file = join(tmpDir(), "a.db");
    const db = openDatabase(file);
    expect(db.prepare<{ journal_mode: string }>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(db.prepare<{ foreign_keys: number }>("PRAGMA foreign_keys").get()?.foreign_keys).toBe(1);
    expect(db.prepare<{ timeout: number }>("PRAGMA busy_timeout").get()?.timeout).toBeGreaterThan(0);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(1);
    expect(integrityCheck(db)).toEqual([]);
    db.close();
  });

  it("get returns undefined, never null, when there is no row", () => {
    const db = openDatabase(join(tmpDir(), "a.db"));
    expect(db.prepare("SELECT * FROM meta WHERE key = ?").get("nope")).toBeUndefined();
    db.close();
  });

  it("binds positional and named parameters, and iterates", () => {
    const db = openDatabase(join(tmpDir(), "a.db"));
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("a", "1");
    db.prepare("INSERT INTO meta (key, value) VALUES (@key, @value)").run({ key: "b", value: "2" });
    expect(db.prepare<{ value: string }>("SELECT value FROM meta WHERE key = :k").get({ k: "b" })?.value).toBe("2");
    expect([...db.prepare<{ key: string }>("SELECT key FROM meta ORDER BY key").iterate()].map((r) => r.key)).toEqual(["a", "b"]);
    db.close();
  });

  it("rolls a transaction back when it throws", () => {
    const db = openDatabase(join(tmpDir(), "a.db"));
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("x", "1");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(db.prepare("SELECT * FROM meta WHERE key = 'x'").get()).toBeUndefined();
    db.close();
  });

  it("applies each migration once, in order, and records the schema version", () => {
    const db = openDatabase(join(tmpDir(), "a.db"), { migrate: false });
    const ms: Migration[] = [
      { version: 1, name: "one", up: "CREATE TABLE t1 (x INTEGER)" },
      { version: 3, name: "three", up: (d) => d.exec("CREATE TABLE t3 (x INTEGER)") },
    ];
    expect(migrate(db, ms).applied).toEqual([1, 3]);
    expect(migrate(db, ms).applied).toEqual([]);
    expect(schemaVersion(db)).toBe(3);
    db.close();
  });

  it("refuses a file that is not SQLite and leaves it untouched", () => {
    const file = join(tmpDir(), "a.db");
    writeFileSync(file, "these are my notes, not a database\n".repeat(20));
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(EnvironmentError);
    expect(() => openDatabase(file)).toThrow(/is not a SQLite database/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it("reports a corrupt database without overwriting it", () => {
    const file = join(tmpDir(), "a.db");
    const db = openDatabase(file);
    db.exec("CREATE TABLE big (x TEXT)");
    for (let i = 0; i < 200; i++) db.prepare("INSERT INTO big VALUES (?)").run("x".repeat(500));
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const bytes = readFileSync(file);
    // Keep the header, scribble over the schema page and beyond.
    for (let i = 100; i < Math.min(bytes.length, 8192); i++) bytes[i] = 0xa5;
    writeFileSync(file, bytes);
    expect(() => {
      const d = openDatabase(file);
      try {
        const problems = integrityCheck(d);
        if (problems.length) throw new EnvironmentError(problems[0]!);
      } finally {
        d.close();
      }
    }).toThrow(EnvironmentError);
    expect(readFileSync(file).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
  });
});
