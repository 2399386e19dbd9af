// The error and exit-code contract of the CLI: 0 ok, 1 user error, 2 usage error, 3 environment error.
// Every error is one line on stderr, `pai: <what> — <what to do>`, with no stack trace unless PAI_DEBUG=1.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/registry.ts";
import { ROOT, initHome, pai, type RunResult } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

function expectOneLine(r: RunResult, code: number): string {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^pai: \S/);
  expect(lines[0]).toContain(" — ");
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe("exit codes and error lines", () => {
  it("0: --version prints the package version; --help and 'help CMD' print help with examples", () => {
    for (const flag of ["--version", "-V"]) {
      const r = pai([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
      expect(r.stderr).toBe("");
    }
    const help = pai(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pai /);
    expect(help.stdout).toMatch(/\nExamples:\n\s+\$ pai /);
    expect(help.stdout).toContain("PAI_DEBUG");
    for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    for (const args of [["doctor", "--help"], ["upgrade", "--help"], ["help", "config"]]) {
      const r = pai(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n\s+\$ pai /);
    }
  });

  it("1: a user error (a bad config value) is one line with a hint", () => {
    const home = initHome(tmpDir());
    const line = expectOneLine(pai(["config", "set", "memory.hotCap", "many"], { home }), 1);
    expect(line).toBe("pai: memory.hotCap must be a number, got 'many' — allowed: an integer");
  });

  it("2: usage errors (unknown command, unknown option, missing argument) are one line pointing to --help", () => {
    const home = initHome(tmpDir());
    const cases: [string[], string][] = [
      [["definitely-not-a-command"], "pai"],
      [["--bogus"], "pai"],
      [["config", "list", "--bogus"], "pai config list"],
      [["config", "get"], "pai config get"],
      [["doctor", "--frobnicate"], "pai doctor"],
      [["upgrade", "now"], "pai upgrade"],
    ];
    for (const [args, help] of cases) {
      const line = expectOneLine(pai(args, { home }), 2);
      expect(line.endsWith(` — see '${help} --help'`)).toBe(true);
    }
    expect(expectOneLine(pai(["confgi"], { home }), 2)).toMatch(/did you mean 'config'|unknown command 'confgi'/);
  });

  it("3: an environment error (no user/, not a git checkout) is one line with what to do", () => {
    const home = tmpDir();
    expect(expectOneLine(pai(["config", "list"], { home }), 3)).toMatch(/^pai: no user\/ folder in .* — run 'pai init'/);
    const notGit = tmpDir();
    writeFileSync(join(notGit, "package.json"), "{}");
    expect(expectOneLine(pai(["upgrade", "--check"], { home, env: { PAI_INSTALL_DIR: notGit } }), 3)).toMatch(/is not a git checkout — /);
  });

  it("a folder where config.json should be is one line naming it (exit 3); PAI_DEBUG adds the stack", () => {
    const home = initHome(tmpDir());
    const file = join(home, "user", "config.json");
    rmSync(file);
    mkdirSync(file);
    const line = expectOneLine(pai(["config", "list"], { home }), 3);
    expect(line).toBe(`pai: ${file} is a folder, not a regular file — move it aside (mv '${file}' '${file}.moved') and run 'pai init' to write a fresh one`);
    const loud = pai(["config", "list"], { home, env: { PAI_DEBUG: "1" } });
    expect(loud.stderr.split("\n")[0]).toBe(line);
    expect(loud.stderr).toMatch(/^\s+at /m);
  });

  it("PAI_DEBUG=1 adds the stack after the same first line", () => {
    const home = tmpDir();
    const quiet = pai(["config", "list"], { home });
    const loud = pai(["config", "list"], { home, env: { PAI_DEBUG: "1" } });
    expect(loud.code).toBe(3);
    const lines = loud.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(quiet.stderr.trimEnd());
    expect(lines.length).toBeGreaterThan(2);
    expect(loud.stderr).toMatch(/EnvironmentError: no user\/ folder/);
    expect(loud.stderr).toMatch(/^\s+at .*paths\.ts/m);
  });

  it("errors go to stderr only: stdout stays empty, also with --json", () => {
    const home = tmpDir();
    const r = pai(["config", "list", "--json"], { home });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
  });
});
