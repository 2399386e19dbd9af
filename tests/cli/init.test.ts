import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("pai init", () => {
  it("creates user/ with the ten Telos files, preferences, config and database", () => {
    const home = tmpDir();
    const r = pai(["init", "--name", "Ada"], { home });
    // What to do next is a notice (stderr); what was created is the data (stdout).
    expect(r.stderr).toBe("Next: edit user/telos/goals.md, then try 'pai status'.\n");
    expect(r.stdout).toContain("created  user/telos/goals.md");
    expect(r.stdout).toContain("created  user/README.md");
    expect(existsSync(join(home, "user", "README.md"))).toBe(true);
    expect(r.code).toBe(0);
    for (const f of ["mission", "goals", "projects", "beliefs", "models", "strategies", "narratives", "learned", "challenges", "ideas"]) {
      expect(existsSync(join(home, "user", "telos", `${f}.md`))).toBe(true);
    }
    expect(existsSync(join(home, "user", "preferences.md"))).toBe(true);
    expect(JSON.parse(readFileSync(join(home, "user", "config.json"), "utf8")).user.name).toBe("Ada");
    expect(readFileSync(join(home, "user", "pai.db")).subarray(0, 15).toString()).toBe("SQLite format 3");
  });

  it("never overwrites what the user wrote, and says what it added", () => {
    const home = tmpDir();
    pai(["init"], { home });
    const goals = join(home, "user", "telos", "goals.md");
    writeFileSync(goals, "---\ntitle: Goals\nupdated: 2026-02-02\nvisibility: private\n---\n- G1: mine\n");
    const ideas = join(home, "user", "telos", "ideas.md");
    require("node:fs").unlinkSync(ideas);
    const r = pai(["init", "--json"], { home });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.created).toEqual(["user/telos/ideas.md"]);
    expect(readFileSync(goals, "utf8")).toContain("- G1: mine");
  });

  it("run again, says nothing was changed, unless --name changed the name", () => {
    const home = tmpDir();
    pai(["init", "--name", "Ada"], { home });
    expect(pai(["init"], { home }).stdout).toBe(`user/ in ${home} is already complete; nothing was changed.\n`);
    expect(pai(["init", "--name", "Bob"], { home }).stdout).toBe(`user/ in ${home} is already complete.\nName set to Bob.\n`);
    expect(JSON.parse(readFileSync(join(home, "user", "config.json"), "utf8")).user.name).toBe("Bob");
  });

  it("exits 3 with 'run pai init' when PAI_HOME has no user/", () => {
    const home = tmpDir();
    const r = pai(["config", "list"], { home });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pai: no user\/ folder in .* — run 'pai init'/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("usage errors exit 2 with one line", () => {
    const r = pai(["definitely-not-a-command"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
