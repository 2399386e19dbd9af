/** `pai completion`: scripts made from the parser's tree, run by a real bash, with job and pack names asked of pai. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAI_BIN, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

let home: string;
let script: string;
let bin: string;

// One home for the file (tmpDir's folders last one test only).
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "pai-completion-"));
  expect(pai(["init", "--name", "Ada"], { home }).code).toBe(0);
  expect(pai(["jobs", "add", "nightly", "--cron", "0 7 * * *", "--text", "review"], { home }).code).toBe(0);
  expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
  const r = pai(["completion", "bash"], { home });
  expect(r.code).toBe(0);
  script = join(home, "pai.bash");
  writeFileSync(script, r.stdout);
  // `pai` on the PATH, as the script calls it for job and pack names.
  bin = join(home, "bin");
  mkdirSync(bin);
  symlinkSync(PAI_BIN, join(bin, "pai"));
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** What bash offers for the words typed so far (the last one being completed). */
function complete(...words: string[]): string[] {
  const arr = ["pai", ...words].map((w) => `'${w}'`).join(" ");
  const r = spawnSync("bash", ["-c", `source '${script}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length}; _pai; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: "utf8",
    env: { ...process.env, PAI_HOME: home, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" },
  });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
}

describe("pai completion", () => {
  it("bash completes commands, verbs and options from the parser", () => {
    expect(complete("mem")).toEqual(["memory"]);
    expect(complete("memory", "se")).toEqual(["search"]);
    expect(complete("memory", "search", "--li")).toEqual(["--limit"]);
    expect(complete("")).toEqual(expect.arrayContaining(["init", "status", "memory", "jobs", "completion", "--help", "--version"]));
    // Options taking values and other words are skipped over to find the verb.
    expect(complete("--help", "jobs", "li")).toEqual(["list"]);
  });

  it("bash completes job names, installed packs and pack commands, asked of pai", () => {
    expect(complete("jobs", "run", "")).toEqual(expect.arrayContaining(["nightly"]));
    expect(complete("jobs", "disable", "ni")).toEqual(["nightly"]);
    expect(complete("pack", "info", "jo")).toEqual(["journal"]);
    expect(complete("run", "journal:").sort()).toEqual(["journal:today", "journal:write"]);
  });

  it("zsh and fish scripts are made from the same tree", () => {
    const zsh = pai(["completion", "zsh"], { home });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toContain("bashcompinit");
    expect(spawnSync("bash", ["-n"], { input: zsh.stdout }).status).toBe(0);
    const fish = pai(["completion", "fish"], { home }).stdout;
    expect(fish).toContain("complete -c pai -n '__fish_use_subcommand' -a 'memory' -d 'search, inspect, correct, import and export memory'");
    expect(fish).toContain("complete -c pai -n '__fish_seen_subcommand_from memory; and __fish_seen_subcommand_from search' -l limit");
    expect(fish).toContain("(pai completion --words jobs 2>/dev/null)");
  });

  it("an unknown shell or kind is a usage error; words outside a home are none, quietly", () => {
    const r = pai(["completion", "tcsh"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pai: no completion for the shell 'tcsh' — use bash, zsh or fish\n$/);
    expect(pai(["completion", "--words", "nope"], { home }).code).toBe(2);
    const none = pai(["completion", "--words", "jobs"], { home: tmpDir() });
    expect(none).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});
