import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { BEGIN, END, exportAgents, mergeBlock, type ExportOptions } from "../../src/interop/agents.ts";
import { withHome } from "../../src/app/home.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";

function home() {
  const h = useTelosExamples(initHome(tmpDir()));
  writeFileSync(join(h, "user", "telos", "beliefs.md"), "---\ntitle: Beliefs\nvisibility: private\n---\n\n- B1: Secret belief\n");
  writeFileSync(
    join(h, "user", "telos", "projects.md"),
    "---\ntitle: Projects\nvisibility: shareable\n---\n\n# Projects\n\n- P1: pai, a personal assistant (serves: G1)\n\n## Done\n\n- P2: the old blog\n",
  );
  const db = openDatabase(join(h, "user", "pai.db"));
  const mem = openMemory(db, configSchema.parse({}));
  // The user chose these for agents files: one marked, one pinned; the rest are not theirs to read.
  const lyon = mem.remember({ content: "Ada moved to Lyon in March", kind: "fact", visibility: "shareable" }).item.id;
  mem.setForAgents([lyon], true);
  mem.remember({ content: "Ada's salary is 70k", kind: "fact", visibility: "private", pinned: true });
  mem.remember({ content: "User: hello\nAssistant: hi there", kind: "episode", visibility: "shareable", pinned: true });
  mem.remember({ content: "Flight AF1234 on 3 June, seat 14C", kind: "event", visibility: "shareable" });
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
  it("writes the shareable Telos and the chosen memories between markers, leaving the user's text alone on re-export", async () => {
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
    expect(text).not.toContain("AF1234"); // shareable, but not chosen for agents files
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
    expect(text).not.toContain("AF1234");
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

describe("what goes into agents files", () => {
  it("only memories the user chose: remember --for-agents, memory edit --for-agents / --not-for-agents, pinned", () => {
    const h = initHome(tmpDir());
    const dir = tmpDir();
    const id = (r: { code: number; stdout: string; stderr: string }) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).id as number;
    };
    id(pai(["remember", "--json", "--kind", "event", "Flight AF1234 on 3 June, seat 14C"], { home: h }));
    id(pai(["remember", "--json", "--kind", "fact", "My partner Dario works as a nurse at the Croix-Rousse hospital"], { home: h }));
    const indent = id(pai(["remember", "--json", "--for-agents", "--kind", "preference", "I write TypeScript with 2-space indents"], { home: h }));
    const tests = id(pai(["remember", "--json", "--kind", "preference", "Run the tests before every commit"], { home: h }));
    const privateMark = id(pai(["remember", "--json", "--private", "--for-agents", "My home server is at 10.0.0.5"], { home: h }));
    const marked = JSON.parse(pai(["memory", "edit", "--json", String(tests), "--for-agents"], { home: h }).stdout);
    expect(marked).toMatchObject({ id: tests, meta: { forAgents: true } });

    let r = pai(["export", "agents", "--to", dir], { home: h });
    expect(r.code, r.stderr).toBe(0);
    let text = readFileSync(join(dir, "AGENTS.md"), "utf8");
    expect(text).toContain("- I write TypeScript with 2-space indents");
    expect(text).toContain("- Run the tests before every commit");
    expect(text).not.toContain("AF1234");
    expect(text).not.toContain("Dario");
    expect(text).not.toContain("10.0.0.5"); // marked, but private
    expect(pai(["export", "agents", "--to", dir, "--include-private", "--dry-run"], { home: h }).stdout).toContain("10.0.0.5");

    // The mark comes off; a correction keeps it; a pinned memory goes in.
    expect(pai(["memory", "edit", String(indent), "--not-for-agents"], { home: h }).code).toBe(0);
    const corrected = id(pai(["memory", "edit", "--json", String(tests), "Run the unit tests before every commit"], { home: h }));
    expect(pai(["memory", "pin", String(privateMark)], { home: h }).code).toBe(0);
    const pinned = id(pai(["remember", "--json", "--pin", "Answer in English"], { home: h }));
    expect(JSON.parse(pai(["memory", "show", "--json", String(pinned)], { home: h }).stdout).pinned).toBe(true);
    expect(JSON.parse(pai(["memory", "show", "--json", String(corrected)], { home: h }).stdout)).toMatchObject({ supersedes: tests, meta: { forAgents: true } });
    const replaced = pai(["memory", "edit", String(tests), "--for-agents"], { home: h });
    expect(replaced.code).toBe(1);
    expect(replaced.stderr).toBe(`pai: memory item ${tests} was replaced by ${corrected} — mark ${corrected} instead\n`);
    r = pai(["export", "agents", "--to", dir], { home: h });
    expect(r.code, r.stderr).toBe(0);
    text = readFileSync(join(dir, "AGENTS.md"), "utf8");
    expect(text).not.toContain("2-space indents");
    expect(text).toContain("- Run the unit tests before every commit");
    expect(text).not.toContain("- Run the tests before every commit");
    expect(text).toContain("- Answer in English");
    expect(text).not.toContain("10.0.0.5");
  });

  it("--dry-run prints the exact block and writes nothing; a folder in a git repository gets a one-line warning", () => {
    const h = initHome(tmpDir());
    const repo = tmpDir();
    mkdirSync(join(repo, ".git"));
    const dir = join(repo, "app");
    mkdirSync(dir);
    expect(pai(["remember", "--for-agents", "I write TypeScript with 2-space indents"], { home: h }).code).toBe(0);
    expect(pai(["remember", "Flight AF1234 on 3 June, seat 14C"], { home: h }).code).toBe(0);

    const dry = pai(["export", "agents", "--to", dir, "--dry-run"], { home: h });
    expect(dry.code, dry.stderr).toBe(0);
    expect(existsSync(join(dir, "AGENTS.md"))).toBe(false);
    const shown = dry.stdout.slice(dry.stdout.indexOf(BEGIN), dry.stdout.indexOf(END) + END.length);
    expect(shown).toContain("- I write TypeScript with 2-space indents");
    expect(shown).not.toContain("AF1234");
    expect(dry.stderr.trim().split("\n")).toHaveLength(1);
    expect(dry.stderr).toMatch(/^pai: warning: .*app is in the git repository .*; the file may be committed/);

    const wet = pai(["export", "agents", "--to", dir], { home: h });
    expect(wet.code, wet.stderr).toBe(0);
    expect(wet.stderr).toMatch(/^pai: warning: .* is in the git repository/);
    expect(wet.stdout).not.toContain(BEGIN);
    // What the dry run showed is exactly what was written.
    expect(readFileSync(join(dir, "AGENTS.md"), "utf8")).toBe(`${shown}\n`);
    const json = JSON.parse(pai(["export", "agents", "--to", dir, "--json", "--dry-run"], { home: h }).stdout);
    expect(json).toMatchObject({ block: shown, git_repository: repo, files: [{ action: "unchanged" }] });
  });
});
