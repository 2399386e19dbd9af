// The command-line surface as a script sees it: every group answers --json with snake_case keys (documents the
// user authored keep their own keys), every verb's --help has examples, and a bad flag value or a missing
// argument is a usage error (exit 2) on one line.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/registry.ts";
import { snakeCase, snakeKeys, verbatim } from "../../src/cli/output.ts";
import { initHome, pai, type RunResult } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";

const SNAKE = /^[a-z0-9]+(_[a-z0-9]+)*$/;

/** Every object key under value, as "path.key", except under the paths listed in keep (user documents). */
function keysOf(value: unknown, keep: RegExp[] = [], path = ""): string[] {
  if (keep.some((k) => k.test(path))) return [];
  if (Array.isArray(value)) return value.flatMap((v) => keysOf(v, keep, `${path}[]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...keysOf(v, keep, `${path}.${k}`)]);
}

function badKeys(value: unknown, keep: RegExp[] = []): string[] {
  return keysOf(value, keep).filter((p) => !SNAKE.test(p.slice(p.lastIndexOf(".") + 1)));
}

function expectUsageError(r: RunResult): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^pai: \S.* — \S/);
}

describe("snakeKeys", () => {
  it("renames camelCase keys at every level, keeps verbatim documents and keys that are not camelCase", () => {
    expect(["runId", "inputTokens", "badSeq", "telosItems", "already_running", "PAI_HOME", "ok", "a1B"].map(snakeCase)).toEqual([
      "run_id",
      "input_tokens",
      "bad_seq",
      "telos_items",
      "already_running",
      "PAI_HOME",
      "ok",
      "a1_b",
    ]);
    const job = verbatim({ trigger: { catchUp: "skip" }, policy: { requireApproval: true } });
    const out = snakeKeys({ nextRun: null, jobs: [{ lastRun: { startedAt: "t" }, job }], skipped: undefined });
    expect(out).toEqual({ next_run: null, jobs: [{ last_run: { started_at: "t" }, job: { trigger: { catchUp: "skip" }, policy: { requireApproval: true } } }] });
    expect(Object.keys(out as object)).not.toContain("skipped");
  });
});

describe("the CLI surface", () => {
  // About forty runs of the CLI one after the other: a busy machine needs more than the default 30 s.
  it("a representative command of every group prints JSON with snake_case keys", { timeout: 120_000 }, () => {
    const home = useTelosExamples(initHome(tmpDir())); // items for telos show G1
    const fakeHome = tmpDir();
    const env = { OLLAMA_HOST: "http://127.0.0.1:1", ANTHROPIC_API_KEY: undefined, HOME: fakeHome };
    const run = (args: string[]) => pai(args, { home, env, cwd: home });
    expect(run(["pack", "install", "journal", "--yes"]).code).toBe(0);
    const added = run(["jobs", "add", "nightly", "--cron", "0 7 * * *", "--catch-up", "once", "--action", "remember", "--text", "review", "--approval", "--json"]);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: "nightly", enabled: true, trigger: { catchUp: "once" }, policy: { requireApproval: true }, file: "user/jobs/nightly.json" });
    expect(run(["remember", "I moved to Lyon in March"]).code).toBe(0);

    // [args, paths whose subtree is a user document, allowed exit codes]
    const cases: [string[], RegExp[], number[]][] = [
      [["init", "--json"], [], [0]],
      [["status", "--json"], [], [0]],
      [["telos", "show", "G1", "--json"], [], [0]],
      [["telos", "check", "--json"], [], [0]],
      [["context", "--json"], [], [0]],
      [["config", "list", "--json"], [/^\[\]\.(value|default)$/], [0]],
      [["memory", "stats", "--json"], [], [0]],
      [["models", "--json"], [], [0]],
      [["log", "--json"], [], [0]],
      [["do", "--explain", "journal", "a calm day", "--json"], [/\.input\.vars$/], [0]],
      [["run", "journal:write", "a calm day", "--json"], [/^\.data$/], [0]],
      [["pack", "list", "--json"], [], [0]],
      [["pack", "info", "journal", "--json"], [/\.settings\[\]\.(value|default)$/], [0]],
      [["pack", "verify", "--json"], [], [0]],
      [["jobs", "list", "--json"], [/^\.jobs\[\]\.(trigger|action|policy)$/], [0]],
      [["jobs", "run", "nightly", "--json"], [], [0, 1]],
      [["jobs", "disable", "nightly", "--json"], [], [0]],
      [["daemon", "status", "--json"], [], [3]],
      [["approvals", "list", "--all", "--json"], [/\.action$/, /\.trigger\.vars$/], [0]],
      [["audit", "--json"], [/^\[\]\.data$/], [0]],
      [["audit", "verify", "--json"], [], [0]],
      [["export", "agents", "--dry-run", "--to", home, "--json"], [], [0]],
      [["integrate", "claude-code", "--dry-run", "--json"], [/^\.server$/], [0]],
      [["doctor", "--json"], [], [0, 1]],
    ];
    for (const [args, keep, codes] of cases) {
      const r = run(args);
      expect(codes, `${args.join(" ")}: exit ${r.code}, ${r.stderr}`).toContain(r.code);
      let data: unknown;
      expect(() => (data = JSON.parse(r.stdout)), `pai ${args.join(" ")} prints JSON`).not.toThrow();
      expect(badKeys(data, keep), `pai ${args.join(" ")}`).toEqual([]);
    }

    // The job file's own keys are kept as they are in user/jobs/nightly.json.
    const jobs = JSON.parse(run(["jobs", "list", "--json"]).stdout);
    expect(jobs.jobs[0]).toMatchObject({ name: "nightly", trigger: { catchUp: "once" }, policy: { requireApproval: true } });
    expect(jobs.jobs[0]).toHaveProperty("next_run");
    // The run and its memory are named in snake_case.
    expect(Object.keys(JSON.parse(run(["run", "journal:write", "another day", "--json"]).stdout))).toEqual(
      expect.arrayContaining(["run_id", "memory_id"]),
    );

    // Errors stay one line on stderr with --json, nothing on stdout.
    const err = run(["jobs", "run", "nope", "--json"]);
    expect(err.code).toBe(1);
    expect(err.stdout).toBe("");
    expect(err.stderr.trimEnd().split("\n")).toHaveLength(1);
    // A command that ran and failed: the outcome as JSON on stdout, and the one error line on stderr.
    expect(run(["pack", "install", "notify", "--yes"]).code).toBe(0);
    const failed = run(["run", "notify:send", "hi", "--json"]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, pack: "notify", error: { message: expect.any(String) } });
    expect(failed.stderr).toMatch(/^pai: \S[^\n]* — [^\n]+\n$/);
  });

  it("every command and every verb has --help with examples (from the COMMANDS table and commander's tree)", async () => {
    const program = new Command("pai");
    for (const { load } of Object.values(COMMANDS)) await (await load()).register(program);
    const missing: string[] = [];
    const visit = (cmd: Command, name: string) => {
      let out = "";
      cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
      cmd.outputHelp();
      if (!/\nExamples:\n\s+\$ pai /.test(out)) missing.push(name);
      if (!cmd.description()) missing.push(`${name} (no description)`);
      for (const o of cmd.options) if (!o.description) missing.push(`${name} ${o.flags} (no description)`);
      for (const sub of cmd.commands) visit(sub, `${name} ${sub.name()}`);
    };
    for (const cmd of program.commands) visit(cmd, `pai ${cmd.name()}`);
    expect(missing).toEqual([]);

    // The real CLI, for a group and a verb.
    for (const args of [["help", "jobs"], ["jobs", "--help"], ["jobs", "list", "--help"], ["daemon", "status", "--help"]]) {
      const r = pai(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n\s+\$ pai /);
    }
    const group = pai(["daemon", "--help"]).stdout;
    for (const verb of ["start", "stop", "status", "logs", "run", "install", "pause", "resume"]) expect(group).toMatch(new RegExp(`^  ${verb}\\b`, "m"));
  });

  it("human output has no colour when stdout is not a terminal, and empty states say what to do next", () => {
    const home = initHome(tmpDir());
    for (const args of [["telos", "list"], ["daemon", "status"], ["doctor"], ["config", "list"]]) {
      const r = pai(args, { home, env: { NO_COLOR: undefined, TERM: "xterm-256color", OLLAMA_HOST: "http://127.0.0.1:1" } });
      expect(r.stdout.length).toBeGreaterThan(0);
      expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
    }
    expect(pai(["jobs", "list"], { home }).stdout).toMatch(/^No jobs yet\. Add one with 'pai jobs add /);
    expect(pai(["pack", "list"], { home }).stdout).toMatch(/^No packs yet\. Install one with 'pai pack install NAME'/);
    expect(pai(["log"], { home }).stdout).toMatch(/^No model calls yet\. Make one with 'pai ask/);
    const logs = pai(["daemon", "logs"], { home });
    expect(logs.stdout).toBe("");
    expect(logs.stderr).toMatch(/^No daemon log yet\. Start the daemon with 'pai daemon start'\./);
  });

  it("a bad flag value or a missing argument is a usage error (exit 2) in every group", () => {
    const home = initHome(tmpDir());
    const cases = [
      ["status", "--bogus"],
      ["telos", "edit"],
      ["context", "--budget", "many"],
      ["config", "get"],
      ["models", "--backend", "nope"],
      ["log", "--limit", "x"],
      ["do"],
      ["run", "nocolon"],
      ["pack", "install"],
      ["jobs", "add", "x"],
      ["jobs", "run"],
      ["daemon", "logs", "-n", "x"],
      ["approvals", "approve", "x"],
      ["audit", "--since", "yesterday-ish"],
      ["export", "agents", "--flavour", "cursor"],
      ["integrate", "vscode"],
      ["mcp", "--client", "x"],
      ["doctor", "--bogus"],
      ["upgrade", "--bogus"],
    ];
    for (const args of [...cases.map((c) => [...c, "--json"]), ["init", "--json", "--name"]]) {
      const r = pai(args, { home });
      expect(r.code, `pai ${args.join(" ")}: ${r.stderr}`).toBe(2);
      expectUsageError(r);
    }
  });
});
