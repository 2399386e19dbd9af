/**
 * Only runs that change something are remembered: a command's `changes` (declared, or following from its
 * permissions) decides whether a run stores an `action` memory; every run keeps its record in pack_runs.
 * Everything here goes through the real CLI in a fresh PAI_HOME.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { home, makePack, writeTree } from "./helpers.ts";

type Item = { id: number; kind: string; source: string | null; content: string };

const memoryTotal = (h: string) => JSON.parse(pai(["memory", "stats", "--json"], { home: h }).stdout).total as number;
const memoryItems = (h: string) => JSON.parse(pai(["memory", "list", "--json", "--limit", "100"], { home: h }).stdout) as Item[];
const runsOf = (h: string, pack: string) =>
  JSON.parse(pai(["pack", "info", pack, "--json"], { home: h }).stdout).recent_runs as { command: string; outcome: string; origin: string }[];

function ok(r: { code: number; stderr: string }): void {
  expect(r.code, r.stderr).toBe(0);
}

/** A pack with one command per case of the default: declared either way, or following from the permissions. */
function mixedPack(): string {
  const cli = (extra: object) => ({ tier: "cli", description: "echoes", exec: "echo", args: ["{{input}}"], permissions: { exec: ["echo"] }, ...extra });
  const code = (extra: object) => ({ tier: "code", description: "greets", module: "hello.ts", export: "hello", ...extra });
  return makePack(
    {
      name: "mixed",
      version: "1.0.0",
      description: "one command per case",
      commands: {
        echo: cli({}), // may run a program: taken to change something
        peek: cli({ changes: false }), // says it only reads
        hello: code({}), // no permissions: can only read
        poke: code({ changes: true }), // says it changes something
        look: { tier: "skill", description: "looks around", skill: "skills/look" }, // its tools only read
        act: { tier: "skill", description: "acts", skill: "skills/act" }, // one of its tools may change something
      },
    },
    {
      "hello.ts": "export function hello(ctx: { text: string }) { return `hello ${ctx.text}`; }\n",
      "skills/look/SKILL.md": "---\nname: look\ndescription: Looks around.\nallowed-tools: peek hello\n---\n\nLook.\n",
      "skills/act/SKILL.md": "---\nname: act\ndescription: Acts.\nallowed-tools: peek echo\n---\n\nAct.\n",
    },
  );
}

describe("what a pack run remembers", () => {
  it("pai run of a read-only command stores no memory but records the run; a writing command stores one action", () => {
    const h = home().home;
    ok(pai(["pack", "install", "journal", "--yes"], { home: h }));
    ok(pai(["run", "journal:write", "Planted the tomatoes"], { home: h }));
    expect(memoryTotal(h)).toBe(1);
    const [written] = memoryItems(h);
    expect(written).toMatchObject({ kind: "action", source: "pack:journal:write" });
    expect(written!.content).toContain("Planted the tomatoes");

    // Reading the journal back, three ways: nothing new is remembered, each run is recorded.
    const today = pai(["run", "journal:today"], { home: h });
    ok(today);
    expect(today.stdout).toContain("Planted the tomatoes");
    const json = pai(["run", "journal:today", "--json"], { home: h });
    ok(json);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, memory_id: null });
    ok(pai(["do", "show my journal"], { home: h }));
    expect(memoryTotal(h)).toBe(1);
    expect(memoryItems(h).map((m) => m.id)).toEqual([written!.id]);
    expect(runsOf(h, "journal").map((r) => [r.command, r.outcome])).toEqual([
      ["today", "ok"],
      ["today", "ok"],
      ["today", "ok"],
      ["write", "ok"],
    ]);

    // A second entry is one more action, not a copy of the journal.
    const second = pai(["run", "journal:write", "--json", "Watered them"], { home: h });
    ok(second);
    expect(JSON.parse(second.stdout).memory_id).toBeGreaterThan(written!.id);
    expect(memoryTotal(h)).toBe(2);
  });

  it("left out, changes follows the permissions; declared, it is taken at its word; pack info shows which", () => {
    const h = home().home;
    ok(pai(["pack", "install", mixedPack(), "--yes"], { home: h }));
    const stored: Record<string, number> = {};
    for (const command of ["echo", "peek", "hello", "poke"]) {
      const before = memoryTotal(h);
      const r = pai(["run", `mixed:${command}`, "--json", "world"], { home: h });
      ok(r);
      expect(JSON.parse(r.stdout).ok).toBe(true);
      stored[command] = memoryTotal(h) - before;
    }
    expect(stored).toEqual({ echo: 1, peek: 0, hello: 0, poke: 1 });
    expect(memoryItems(h).map((m) => m.source).sort()).toEqual(["pack:mixed:echo", "pack:mixed:poke"]);
    expect(runsOf(h, "mixed")).toHaveLength(4);

    const info = JSON.parse(pai(["pack", "info", "mixed", "--json"], { home: h }).stdout);
    expect(info.commands.map((c: { name: string; changes: boolean; changes_declared: boolean }) => [c.name, c.changes, c.changes_declared])).toEqual([
      ["echo", true, false],
      ["peek", false, true],
      ["hello", false, false],
      ["poke", true, true],
      ["look", false, false],
      ["act", true, false],
    ]);
    const text = pai(["pack", "info", "mixed"], { home: h }).stdout;
    expect(text).toContain("read-only: runs are recorded, not remembered (from its permissions)");
    expect(text).toContain("changes things: each run is remembered as an action");
  });

  it("--incognito still stores nothing for a command that changes something", () => {
    const h = home().home;
    ok(pai(["pack", "install", "journal", "--yes"], { home: h }));
    ok(pai(["run", "journal:write", "--incognito", "a quiet entry"], { home: h }));
    expect(memoryTotal(h)).toBe(0);
    expect(runsOf(h, "journal")).toHaveLength(1);
  });

  it("every built-in command declares whether it changes anything", () => {
    const root = join(import.meta.dirname, "..", "..", "packs");
    const catalogue = JSON.parse(pai(["pack", "list", "--available", "--json"], { home: home().home }).stdout) as { name: string }[];
    expect(catalogue.length).toBeGreaterThan(5);
    const undeclared: string[] = [];
    for (const { name } of catalogue) {
      const m = JSON.parse(readFileSync(join(root, name, "pack.json"), "utf8")) as { commands: Record<string, { changes?: unknown }> };
      for (const [cmd, c] of Object.entries(m.commands)) if (typeof c.changes !== "boolean") undeclared.push(`${name}:${cmd}`);
    }
    expect(undeclared).toEqual([]);
  });

  it("a bad value for changes is one clear line, exit 1, and nothing is installed", () => {
    const h = home().home;
    const dir = makePack({
      name: "bad-changes",
      version: "1.0.0",
      description: "says maybe",
      commands: { show: { tier: "cli", description: "shows", exec: "echo", changes: "yes", permissions: { exec: ["echo"] } } },
    });
    for (const args of [["pack", "install", dir, "--yes"], ["pack", "info", dir]]) {
      const r = pai(args, { home: h });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        "pai: pack.json is invalid: commands.show.changes: must be true (running it changes something, and each run is remembered) or false (it only reads: runs are recorded, not remembered), got \"yes\" — fix the pack's manifest; 'pai pack info PATH' checks it again\n",
      );
    }
    expect(existsSync(join(h, "user", "packs", "bad-changes"))).toBe(false);
    expect(JSON.parse(pai(["pack", "list", "--json"], { home: h }).stdout)).toEqual([]);
  });

  it("in PACK.md front matter too", () => {
    const h = home().home;
    const dir = tmpDir("pai-pack-md-");
    const md = ["---", "name: md-changes", "version: 1.0.0", "description: x", "commands:", "  show:", "    tier: cli", "    description: shows", "    exec: echo", "    changes: sometimes", "    permissions:", "      exec: [echo]", "---", ""].join("\n");
    writeTree(dir, { "PACK.md": md });
    const r = pai(["pack", "install", dir, "--yes"], { home: h });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pai: PACK\.md is invalid: commands\.show\.changes: must be true .* or false .*, got "sometimes" — /);
  });
});
