/**
 * The build bin/pai runs (scripts/build.ts → dist/NAME/): the same output as the source, and a build older than
 * src/ hands over to the source, so an edit is never shadowed by an old build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { READ_ONLY, readOnlyName } from "../../src/cli/resident.ts";

const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");
const NAME = `test-${process.pid}`;
const BUILT = join(ROOT, "dist", NAME, "main.js");
const SOURCE = join(ROOT, "src/cli/main.ts");
/** What main.js awaits: src/cli/main.ts as CommonJS, with its bytecode (entry.js.jsc). */
const ENTRY = join(ROOT, "dist", NAME, "entry.js");

function run(main: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(BUN, [main, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", PAI_DEBUG: "", PAI_NO_RESIDENT: "1", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the build", () => {
  beforeAll(() => {
    const r = spawnSync(BUN, ["scripts/build.ts", "--out", NAME], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // Without its source maps, a stack trace names the file that ran: the build's chunks or src/.
    for (const f of readdirSync(join(ROOT, "dist", NAME))) if (f.endsWith(".map")) rmSync(join(ROOT, "dist", NAME, f));
  }, 60_000);
  afterAll(() => rmSync(join(ROOT, "dist", NAME), { recursive: true, force: true }));

  it("prints what the source prints, and reads and writes the same home", () => {
    expect(existsSync(BUILT)).toBe(true);
    // Fresh: newer than every file under src/.
    utimesSync(BUILT, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
    const home = tmpDir();
    for (const args of [["--version"], ["--help"], ["memory", "--help"], ["memory", "search", "--help"], ["nope"]]) {
      expect(run(BUILT, args, { PAI_HOME: home }), args.join(" ")).toEqual(run(SOURCE, args, { PAI_HOME: home }));
    }
    expect(run(BUILT, ["init", "--name", "Ada"], { PAI_HOME: home }).code).toBe(0);
    expect(run(BUILT, ["remember", "I moved to Lyon in March"], { PAI_HOME: home }).code).toBe(0);
    const built = run(BUILT, ["memory", "search", "lyon"], { PAI_HOME: home });
    expect(built.stdout).toContain("I moved to Lyon in March");
    expect(built).toEqual(run(SOURCE, ["memory", "search", "lyon"], { PAI_HOME: home }));
    // The entry is one file: nothing imported at start (the version and the daemon's client are inside), the rest
    // loaded when needed; main.js only awaits it.
    expect(readFileSync(BUILT, "utf8")).not.toMatch(/\bimport\b(?!\.meta\.require\("\.\/entry\.js"\))/);
    const entry = readFileSync(ENTRY, "utf8");
    expect(entry).not.toMatch(/\bfrom\s*["']\.{1,2}\//);
    expect([...entry.matchAll(/import\(["'](\.[^"']+)["']\)/g)].map((m) => m[1]).sort()).toEqual(["./program.js"]);
    // It runs as the build: a stack trace names the build's files, here the command's own file.
    expect(run(BUILT, ["memory", "show", "99"], { PAI_HOME: home, PAI_DEBUG: "1" }).stderr).toContain(`/dist/${NAME}/ro.memory.show.js`);
  });

  it("runs each command a daemon answers from its own file, with its bytecode, as the source runs it", () => {
    utimesSync(BUILT, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
    const home = tmpDir();
    expect(run(SOURCE, ["init", "--name", "Ada"], { PAI_HOME: home }).code).toBe(0);
    for (const text of ["I moved to Lyon in March", "My sister Mia runs marathons", "I prefer tea to coffee"]) {
      expect(run(SOURCE, ["remember", text], { PAI_HOME: home }).code).toBe(0);
    }
    const files = readdirSync(join(ROOT, "dist", NAME));
    const commands = [
      ["memory", "search", "lyon"], ["memory", "search", "marathon", "--json"], ["memory", "list"], ["memory", "list", "--tier", "cold"],
      ["memory", "show", "1"], ["memory", "show", "99"], ["memory", "stats"], ["memory", "stats", "--json"],
      ["telos", "list"], ["telos", "show", "goals"], ["telos", "show", "nope"], ["telos", "check"],
      ["context"], ["context", "--query", "where do I live"], ["status"], ["status", "--json"],
      ["memory", "search"], ["memory", "list", "--tier", "lukewarm"],
    ];
    const named = new Set<string>();
    for (const args of commands) {
      const name = readOnlyName(args)!;
      named.add(name);
      // Its own file, with Bun's bytecode beside it.
      expect(files, name).toEqual(expect.arrayContaining([`ro.${name}.js`, `ro.${name}.js.jsc`]));
      const built = run(BUILT, args, { PAI_HOME: home });
      // `memory show` counts a use, so each side reads the same count: both run from one state.
      const source = run(SOURCE, args, { PAI_HOME: home });
      expect(built.stdout.replace(/\(\d+ uses?\)/, ""), args.join(" ")).toBe(source.stdout.replace(/\(\d+ uses?\)/, ""));
      expect({ code: built.code, stderr: built.stderr }, args.join(" ")).toEqual({ code: source.code, stderr: source.stderr });
    }
    // Every command a daemon answers has such a file, and was run above.
    expect(files.filter((f) => /^ro\..*\.js$/.test(f)).map((f) => f.slice(3, -3)).sort()).toEqual([...named].sort());
    // The entry every command starts in is such a file too (CommonJS with its bytecode), awaited by main.js, and
    // loads the rest as modules.
    expect(files).toEqual(expect.arrayContaining(["main.js", "entry.js", "entry.js.jsc"]));
    expect(readFileSync(join(ROOT, "dist", NAME, "entry.js"), "utf8").split("\n")[1]).toBe("// @bun @bytecode @bun-cjs");
    expect(readFileSync(BUILT, "utf8")).toContain('await import.meta.require("./entry.js").start()');
    expect(run(BUILT, ["jobs", "list"], { PAI_HOME: home })).toMatchObject({ code: 0, stdout: expect.stringContaining("No jobs yet") });
    // A file holds its command and verb alone: the others are never loaded to run it.
    const search = readFileSync(join(ROOT, "dist", NAME, "ro.memory.search.js"), "utf8");
    expect(search).toContain("src/cli/commands/memory/import.ts is not in the build of `pai memory search`");
    expect(search).not.toContain("JSON Lines file, one item per line");
    expect(readFileSync(join(ROOT, "src/cli/commands/memory/import.ts"), "utf8")).toContain("JSON Lines file, one item per line");
    // Without its file (a build cut short), the command runs the way every other one does.
    const own = join(ROOT, "dist", NAME, "ro.memory.stats.js");
    const text = readFileSync(own);
    rmSync(own);
    try {
      const r = run(BUILT, ["memory", "stats"], { PAI_HOME: home });
      expect(r).toEqual(run(SOURCE, ["memory", "stats"], { PAI_HOME: home }));
      expect(r.code).toBe(0);
    } finally {
      writeFileSync(own, text);
    }
  });

  it("answers --version and --help alone, fresh unless a file it is built from changed", () => {
    // A build whose help reads differently shows which one answered (without the bytecode made from the text before).
    const text = readFileSync(ENTRY, "utf8");
    const bytecode = readFileSync(`${ENTRY}.jsc`);
    writeFileSync(ENTRY, text.replace("Usage: pai [options] [command]", "Usage: BUILT [options] [command]"));
    rmSync(`${ENTRY}.jsc`);
    try {
      const later = new Date(Date.now() + 3_600_000);
      utimesSync(BUILT, later, later);
      expect(run(BUILT, ["--help"]).stdout).toMatch(/^Usage: BUILT/);
      // The files the entry is built from, as the build wrote them into it.
      const own = JSON.parse(text.match(/JSON\.parse\('(\["package\.json"[^']*\])'\)/)![1]!) as string[];
      expect(own).toEqual(expect.arrayContaining(["package.json", "src/cli/main.ts", "src/cli/help.ts", "src/cli/catalog.ts"]));
      const newest = Math.max(...own.map((f) => statSync(join(ROOT, f)).mtimeMs));
      // Older than a source file the entry holds nothing of (a command's module): still the build's own answer.
      const other = join(ROOT, "src/cli/commands/status.ts");
      const helpSource = join(ROOT, "src/cli/help.ts");
      const { mtime: otherTime } = statSync(other);
      const { mtime: helpTime } = statSync(helpSource);
      try {
        utimesSync(BUILT, new Date(newest + 1000), new Date(newest + 1000));
        utimesSync(other, new Date(newest + 5000), new Date(newest + 5000));
        expect(run(BUILT, ["--help"]).stdout).toMatch(/^Usage: BUILT/);
        expect(run(BUILT, ["--version"]).stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
        // Older than help.ts: the source answers.
        utimesSync(helpSource, new Date(newest + 5000), new Date(newest + 5000));
        expect(run(BUILT, ["--help"]).stdout).toMatch(/^Usage: pai /);
      } finally {
        utimesSync(other, otherTime, otherTime);
        utimesSync(helpSource, helpTime, helpTime);
      }
    } finally {
      writeFileSync(ENTRY, text);
      writeFileSync(`${ENTRY}.jsc`, bytecode);
    }
  });

  it("bin/pai runs the commands a daemon answers without the JIT, unless a --limit is asked or the variable is set", () => {
    const launcher = join(ROOT, "bin", "pai");
    const traced = (args: string[], env: Record<string, string> = {}) => {
      const r = spawnSync("sh", ["-x", launcher, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PAI_HOME: tmpDir(), PAI_NO_RESIDENT: "1", ...env } });
      return /export BUN_JSC_useJIT=0/.test(r.stderr);
    };
    // The launcher's list is the daemon's.
    const listed = readFileSync(launcher, "utf8").match(/^\s*(memory:search\|[^)]*)\)/m)![1]!.split("|").sort();
    expect(listed).toEqual(Object.entries(READ_ONLY).flatMap(([cmd, verbs]) => (verbs ? verbs.map((v) => `${cmd}:${v}`) : [`${cmd}:*`])).sort());
    expect(traced(["memory", "search", "lyon"])).toBe(true);
    expect(traced(["status"])).toBe(true);
    expect(traced(["memory", "list", "--limit", "5000"])).toBe(false);
    expect(traced(["memory", "import", "-"])).toBe(false);
    expect(traced(["status"], { BUN_JSC_useJIT: "1" })).toBe(false);
  });

  it("older than a file under src/, it hands over to the source", () => {
    const home = tmpDir();
    utimesSync(BUILT, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(run(BUILT, ["init", "--name", "Ada"], { PAI_HOME: home }).code).toBe(0);
    const r = run(BUILT, ["memory", "show", "99"], { PAI_HOME: home, PAI_DEBUG: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/src/cli/");
    expect(r.stderr).not.toContain(`/dist/${NAME}/`);
  });
});
