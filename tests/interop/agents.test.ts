import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { BEGIN, END, exportAgents, mergeBlock, type ExportOptions } from "../../src/interop/agents.ts";
import { withHome } from "../../src/app/home.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function home() {
  const h = initHome(tmpDir());
  writeFileSync(join(h, "user", "telos", "beliefs.md"), "---\ntitle: Beliefs\nvisibility: private\n---\n\n- B1: Secret belief\n");
  writeFileSync(
    join(h, "user", "telos", "projects.md"),
    "---\ntitle: Projects\nvisibility: shareable\n---\n\n# Projects\n\n- P1: pai, a personal assistant (serves: G1)\n\n## Done\n\n- P2: the old blog\n",
  );
  const db = openDatabase(join(h, "user", "pai.db"));
  const mem = openMemory(db, configSchema.parse({}));
  mem.remember({ content: "Ada moved to Lyon in March", kind: "fact", visibility: "shareable" });
  mem.remember({ content: "Ada's salary is 70k", kind: "fact", visibility: "private" });
  mem.remember({ content: "User: hello\nAssistant: hi there", kind: "episode", visibility: "shareable" });
  db.close();
  return { h, p: paths(h) };
}

/** Exports as the CLI does: with the paths, config and database of a home opened for the call. */
function exportFrom(opts: Omit<ExportOptions, "config" | "db">) {
  return withHome((h) => exportAgents({ ...opts, config: h.config, db: h.db }), { paths: opts.paths });
}

const USER_TEXT = "# Project notes\n\nRun `make test` before committing.\n";

describe("mergeBlock", () => {
  const block = `${BEGIN}\nnew\n${END}`;
  it("appends to a file without markers and keeps the user's text byte for byte", () => {
    expect(mergeBlock(USER_TEXT, block)).toBe(`${USER_TEXT}\n${block}\n`);
    expect(mergeBlock("no newline", block)).toBe(`no newline\n\n${block}\n`);
    expect(mergeBlock(undefined, block)).toBe(`${block}\n`);
  });
  it("replaces only its own block", () => {
    const file = `top\n\n${BEGIN}\nold\nlines\n${END}\n\nbottom, the user's\n`;
    expect(mergeBlock(file, block)).toBe(`top\n\n${BEGIN}\nnew\n${END}\n\nbottom, the user's\n`);
  });
  it("keeps CRLF files CRLF", () => {
    expect(mergeBlock("a\r\n", block)).toBe(`a\r\n\r\n${BEGIN}\r\nnew\r\n${END}\r\n`);
  });
  it("refuses unbalanced markers", () => {
    expect(() => mergeBlock(`x\n${BEGIN}\nno end\n`, block, "AGENTS.md")).toThrow(/AGENTS.md has unbalanced pai markers/);
    expect(() => mergeBlock(`${END}\n${BEGIN}\n`, block)).toThrow(/unbalanced/);
    expect(() => mergeBlock(`${BEGIN}${END}${BEGIN}${END}`, block)).toThrow(/unbalanced/);
  });
});

describe("pai export agents", () => {
  it("writes the shareable Telos and hot memory between markers, leaving the user's text alone on re-export", async () => {
    const { p } = home();
    const dir = tmpDir();
    const file = join(dir, "AGENTS.md");
    writeFileSync(file, USER_TEXT);
    chmodSync(file, 0o644); // the user's mode, whatever the umask the tests run under
    const r = await exportFrom({ to: dir, paths: p });
    expect(r.files).toEqual([{ path: file, action: "updated" }]);
    const text = readFileSync(file, "utf8");
    expect(text.startsWith(`${USER_TEXT}\n${BEGIN}\n`)).toBe(true);
    expect(text.endsWith(`${END}\n`)).toBe(true);
    expect(text).toContain("Name: Ada");
    expect(text).toContain("### Mission\n\n- M1: Build tools that let people think more clearly\n");
    expect(text).toContain("- G1: Ship a first version of my side project by summer (supports: M1)");
    expect(text).toContain("- P1: pai, a personal assistant (serves: G1)");
    expect(text).not.toContain("P2"); // under "Done": inactive
    expect(text).toContain("- Answer concisely; lead with the recommendation.");
    expect(text).toMatch(/- Ada moved to Lyon in March \(\d{4}-\d\d-\d\d\)/);
    expect(text).not.toContain("Secret belief");
    expect(text).not.toContain("salary");
    expect(text).not.toContain("hello"); // episodes are history, not standing facts
    expect(statSync(file).mode & 0o777).toBe(0o644);

    // The user edits around the block; the Telos changes; a re-export replaces only the block.
    const edited = `${text.replace("# Project notes", "# Project notes (edited)")}\nMore of the user's notes.\n`;
    writeFileSync(file, edited);
    writeFileSync(join(p.telos, "mission.md"), "---\ntitle: Mission\nvisibility: shareable\n---\n\n- M1: Help people think clearly\n");
    await exportFrom({ to: dir, paths: p });
    const again = readFileSync(file, "utf8");
    expect(again.startsWith("# Project notes (edited)\n\nRun `make test` before committing.\n\n<!-- pai:begin -->")).toBe(true);
    expect(again.endsWith(`${END}\n\nMore of the user's notes.\n`)).toBe(true);
    expect(again).toContain("- M1: Help people think clearly");
    expect(again).not.toContain("Build tools");
    expect(again.split(BEGIN)).toHaveLength(2);
  });

  it("--include-private adds private files and memories; both flavours write both files; a repeat changes nothing", async () => {
    const { p } = home();
    const dir = tmpDir();
    const r = await exportFrom({ to: dir, paths: p, flavour: "both", includePrivate: true });
    expect(r.files.map((f) => [f.path.slice(dir.length + 1), f.action])).toEqual([
      ["AGENTS.md", "created"],
      ["CLAUDE.md", "created"],
    ]);
    const text = readFileSync(join(dir, "CLAUDE.md"), "utf8");
    expect(text).toContain("- B1: Secret belief");
    expect(text).toContain("Ada's salary is 70k");
    expect(readFileSync(join(dir, "AGENTS.md"), "utf8")).toBe(text);
    const again = await exportFrom({ to: dir, paths: p, flavour: "both", includePrivate: true });
    expect(again.files.map((f) => f.action)).toEqual(["unchanged", "unchanged"]);
  });

  it("--dry-run writes nothing", async () => {
    const { p } = home();
    const dir = tmpDir();
    const r = await exportFrom({ to: dir, paths: p, flavour: "claude", dryRun: true });
    expect(r.files[0]!.action).toBe("created");
    expect(() => statSync(join(dir, "CLAUDE.md"))).toThrow();
  });

  it("CLI: --json output, one-line errors, and a file with broken markers left as it was", () => {
    const { h } = home();
    const dir = tmpDir();
    let r = pai(["export", "agents", "--to", dir, "--json"], { home: h });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dir, flavour: "agents", include_private: false, files: [{ path: join(dir, "AGENTS.md"), action: "created" }] });

    r = pai(["export", "agents", "--to", dir, "--flavour", "cursor"], { home: h });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("pai: unknown flavour 'cursor' — choose one of: agents, claude, both\n");

    const broken = `${USER_TEXT}${BEGIN}\nhalf a block\n`;
    writeFileSync(join(dir, "CLAUDE.md"), broken);
    r = pai(["export", "agents", "--to", dir, "--flavour", "both"], { home: h });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/CLAUDE.md has unbalanced pai markers/);
    expect(readFileSync(join(dir, "CLAUDE.md"), "utf8")).toBe(broken);

    r = pai(["export", "agents", "--to", join(dir, "missing")], { home: h });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: no folder .*missing — give --to an existing folder/);
  });
});

describe("symlinked context files", () => {
  it("CLAUDE.md linked to AGENTS.md stays a link and gets one block", async () => {
    const { p } = home();
    const dir = tmpDir();
    writeFileSync(join(dir, "AGENTS.md"), USER_TEXT);
    symlinkSync("AGENTS.md", join(dir, "CLAUDE.md"));
    await exportFrom({ to: dir, paths: p, flavour: "both" });
    expect(lstatSync(join(dir, "CLAUDE.md")).isSymbolicLink()).toBe(true);
    const text = readFileSync(join(dir, "AGENTS.md"), "utf8");
    expect(text.startsWith(USER_TEXT)).toBe(true);
    expect(text.split(BEGIN)).toHaveLength(2);
  });
});
