/**
 * `pai doctor` on a terminal with a large database: a line says what is being checked while the integrity
 * check runs, and is cleared afterwards; piped, nothing but the report is printed.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai, PAI_BIN } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "./pty.ts";

describe("pai doctor on a terminal", () => {
  it("says it is checking a large database while it does, then clears the line", async () => {
    const home = initHome(tmpDir());
    const db = openDatabase(join(home, "user", "pai.db"));
    db.exec("CREATE TABLE ballast (b BLOB); INSERT INTO ballast VALUES (zeroblob(60 * 1024 * 1024));");
    db.close();
    const t = runPty(`exec ${PAI_BIN} doctor`, { PAI_HOME: home, OLLAMA_HOST: "http://127.0.0.1:1" });
    await t.exited;
    const out = t.output();
    expect(plain(out)).toMatch(/checking the database's integrity \(quick check, 6\d MB\)…/);
    // The line is erased before the report: the report's first line starts on a cleared line.
    expect(out).toMatch(/…(\u001B\[\d+m)?\r\u001B\[K(\u001B\[\d+m)?ok/);
    expect(plain(out)).toMatch(/database: .*integrity ok/);
    const piped = pai(["doctor"], { home, env: { OLLAMA_HOST: "http://127.0.0.1:1" } });
    expect(piped.stdout + piped.stderr).not.toContain("checking the database");
  });
});
