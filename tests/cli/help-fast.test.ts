/**
 * `pai --version` and `pai --help` are answered before the parser is loaded (src/cli/main.ts, help.ts), and a
 * group loads only the verb being run (src/cli/verbs.ts). What they print must be what commander would print.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { COMMANDS } from "../../src/cli/registry.ts";
import { topLevelHelp } from "../../src/cli/help.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { pai, ROOT } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** Commander's own top-level help at a width, with every command registered by its summary (as program.ts does). */
function commanderHelp(width: number | undefined): string {
  const program = buildProgram();
  for (const [cmd, { summary }] of Object.entries(COMMANDS)) program.command(cmd).description(summary).allowUnknownOption().helpOption(false);
  let out = "";
  program.configureOutput({ writeOut: (s) => (out += s), getOutHelpWidth: (() => width) as () => number });
  program.outputHelp();
  return out;
}

describe("pai --help and --version without the parser", () => {
  it("lays the top-level help out exactly as commander does, at every width", () => {
    for (const width of [20, 39, 40, 45, 60, 79, 80, 100, 132, 200]) expect(topLevelHelp(width), `width ${width}`).toBe(commanderHelp(width));
    expect(topLevelHelp()).toBe(commanderHelp(undefined));
  });

  it("the real CLI prints the version and the help, bare `pai` the help on stderr, all with exit 0", () => {
    const version = pai(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    expect(pai(["-V"]).stdout).toBe(`${pkg.version}\n`);
    const help = pai(["--help"]);
    expect(help).toMatchObject({ code: 0, stdout: commanderHelp(undefined), stderr: "" });
    for (const args of [["-h"], ["help"]]) expect(pai(args).stdout).toBe(help.stdout);
    const bare = pai([]);
    expect(bare).toMatchObject({ code: 0, stdout: "", stderr: help.stdout });
    // Other words after --version go to the parser, which still knows it.
    expect(pai(["--version", "--help"]).code).toBe(0);
  });

  it("on a terminal, the width is the one commander gets: COLUMNS when set, else the terminal's", () => {
    for (const [cols, width] of [["", 100], ["60", 60]] as const) {
      const r = spawnSync("script", ["-qc", `stty cols 100; COLUMNS=${cols} '${ROOT}/bin/pai' --help`, "/dev/null"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      expect(r.stdout.replace(/\r\n/g, "\n"), `COLUMNS=${cols}`).toBe(commanderHelp(width));
    }
  });

  it("a reader that stops early is not an error", () => {
    const r = spawnSync("sh", ["-c", `'${ROOT}/bin/pai' --help | head -1`], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Usage: pai [options] [command]\n");
    expect(r.stderr).toBe("");
  });
});

describe("a group loads only the verb being run", () => {
  it("runs the verb, suggests on a typo, and its help lists every verb", () => {
    const home = tmpDir();
    expect(pai(["init", "--name", "Ada"], { home }).code).toBe(0);
    expect(pai(["remember", "I moved to Lyon"], { home }).code).toBe(0);
    const found = pai(["memory", "search", "lyon"], { home, env: { PAI_NO_RESIDENT: "1" } });
    expect(found.code).toBe(0);
    expect(found.stdout).toContain("I moved to Lyon");
    const typo = pai(["memory", "serch", "lyon"], { home });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'serch' \(Did you mean search\?\)/);
    const help = pai(["memory", "--help"], { home }).stdout;
    for (const verb of ["search", "list", "show", "edit", "pin", "unpin", "private", "shareable", "forget", "import", "import-transcript", "export", "stats", "maintain", "backup", "embed"]) {
      expect(help).toMatch(new RegExp(`^  ${verb} `, "m"));
    }
    // The verb's own help has its options; an alias still reaches its verb.
    expect(pai(["memory", "search", "--help"], { home }).stdout).toContain("--since <date>");
    expect(pai(["jobs", "rm", "nothing"], { home }).stderr).toMatch(/no job named 'nothing'/);
  });
});
