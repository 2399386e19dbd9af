/**
 * The real CLI on a terminal (a pseudo-terminal made by script(1)) of COLUMNS=100 and 60: every table fits,
 * its key column whole; piped, every line is whole. And the counts each screen shows agree.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, PAI_BIN, pai, ROOT, type RunResult } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** `pai ARGS…` with stdout and stderr on a terminal `columns` wide. */
function onTerminal(args: string[], home: string, columns: number): RunResult {
  const r = spawnSync("script", ["-qec", [PAI_BIN, ...args].map(quote).join(" "), "/dev/null"], {
    cwd: ROOT,
    env: { ...process.env, PAI_HOME: home, PAI_NO_RESIDENT: "1", NO_COLOR: "1", COLUMNS: String(columns), PAI_DEBUG: "" },
    input: "",
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status ?? 1, stdout: (r.stdout ?? "").replace(/\r/g, ""), stderr: r.stderr ?? "" };
}

const run = (args: string[], home: string) => pai(args, { home, env: { PAI_NO_RESIDENT: "1" } });
const lines = (s: string) => s.replace(/\n$/, "").split("\n");
const widest = (s: string) => Math.max(...lines(s).map((l) => [...l].length));

const LONG = "a memory long enough to overflow any terminal: it talks about trains to Lyon, coffee in the morning, the weather in March and several other things nobody reads in one row";

function home(): string {
  const h = initHome(tmpDir());
  for (const [args, text] of [
    [["--kind", "fact"], LONG],
    [["--private"], "the door code is in the drawer"],
    [["--kind", "preference"], "answer in French"],
    [[], "a plain note"],
  ] as const) {
    expect(run(["remember", ...args, text], h).code).toBe(0);
  }
  return h;
}

describe.skipIf(!hasScript)("tables fit the terminal", () => {
  it("memory list: cut to 60 and 100 columns on a terminal, the ids whole; whole lines through a pipe", () => {
    const h = home();
    for (const cols of [60, 100]) {
      const r = onTerminal(["memory", "list"], h, cols);
      expect(r.code).toBe(0);
      expect(widest(r.stdout)).toBeLessThanOrEqual(cols);
      expect(r.stdout).toMatch(/^1 +hot +fact +shareable .*…$/m);
      expect(r.stdout).toMatch(/^2 +hot +note +private /m);
    }
    const piped = run(["memory", "list"], h);
    expect(piped.stdout).toContain(LONG);
  });

  it("pack list --available and jobs list fit 100 columns; piped they are whole", () => {
    const h = initHome(tmpDir());
    const text = "a reminder with a long text: ".repeat(6).trim();
    expect(run(["jobs", "add", "morning-reminder", "--cron", "0 7 * * *", "--action", "remember", "--text", text], h).code).toBe(0);
    for (const args of [["pack", "list", "--available"], ["jobs", "list"]]) {
      const r = onTerminal(args, h, 100);
      expect(r.code).toBe(0);
      expect(widest(r.stdout)).toBeLessThanOrEqual(100);
      const piped = run(args, h);
      expect(widest(piped.stdout)).toBeGreaterThan(100);
    }
    expect(onTerminal(["jobs", "list"], h, 100).stdout).toMatch(/^morning-reminder +yes /m);
    expect(onTerminal(["pack", "list", "--available"], h, 60).stdout).toMatch(/^notes-search +1\.0\.0/m);
  });

  it("status wraps at word boundaries under its labels at 60 columns", () => {
    const h = initHome(tmpDir());
    const goal = "Ship the first version of the side project that helps people plan their trips by train across Europe";
    appendFileSync(join(h, "user", "telos", "goals.md"), `\n- G1: ${goal}\n`);
    const r = onTerminal(["status"], h, 60);
    expect(r.code).toBe(0);
    expect(widest(r.stdout)).toBeLessThanOrEqual(60);
    const goals = r.stdout.slice(r.stdout.indexOf("Goals"), r.stdout.indexOf("Projects"));
    for (const l of lines(goals).slice(1)) expect(l).toMatch(/^ {10}\S/);
    expect(goals.replace(/\s+/g, " ")).toContain(goal);
  });
});

describe("counts agree across screens", () => {
  it("memories: status, stats and list count the current items, the superseded apart", () => {
    const h = home();
    expect(run(["memory", "edit", "4", "a plain note, edited"], h).code).toBe(0);
    const status = run(["status"], h).stdout;
    expect(status).toMatch(/4 memories \(1 superseded\)/);
    expect(JSON.parse(run(["status", "--json"], h).stdout).counts).toMatchObject({ memory: 4, memory_superseded: 1 });
    expect(run(["memory", "stats"], h).stdout).toMatch(/^4 memories \(1 superseded,/);
    expect(JSON.parse(run(["memory", "stats", "--json"], h).stdout)).toMatchObject({ active: 4, superseded: 1 });
    expect(JSON.parse(run(["memory", "list", "--json"], h).stdout)).toHaveLength(4);
  });

  it("Telos files and items: doctor, check, list and status say the same", () => {
    const h = initHome(tmpDir());
    const goals = join(h, "user", "telos", "goals.md");
    writeFileSync(goals, "---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n# Goals\n\n- G1: Learn Italian\n\n## Done\n\n- G2: Run a marathon\n");
    const check = run(["telos", "check"], h).stderr;
    const files = Number(/(\d+) files/.exec(check)?.[1]);
    expect(files).toBe(11);
    expect(check).toContain("2 items (1 inactive)");
    expect(run(["doctor"], h).stdout).toContain(`telos: ${files} files`);
    const list = JSON.parse(run(["telos", "list", "--json"], h).stdout);
    const g = list.files.find((f: { name: string }) => f.name === "goals");
    expect(g).toMatchObject({ items: 2, active: 1, inactive: 1 });
    expect(run(["telos", "list"], h).stdout).toMatch(/goals\.md +1 active \(1 inactive\)/);
    expect(run(["status"], h).stdout).toContain("2 Telos items (1 inactive)");
  });

  it("jobs: daemon status counts the job files as jobs list does, the disabled and invalid apart", () => {
    const h = initHome(tmpDir());
    for (const name of ["one", "two", "three"]) expect(run(["jobs", "add", name, "--cron", "0 7 * * *", "--action", "remember", "--text", "x"], h).code).toBe(0);
    expect(run(["jobs", "disable", "three"], h).code).toBe(0);
    writeFileSync(join(h, "user", "jobs", "broken.json"), "{");
    expect(JSON.parse(run(["jobs", "list", "--json"], h).stdout).jobs).toHaveLength(3);
    expect(run(["daemon", "status"], h).stdout).toContain("jobs: 3 jobs (2 enabled, 1 invalid)");
    expect(JSON.parse(run(["daemon", "status", "--json"], h).stdout)).toMatchObject({ jobs: 3, jobs_enabled: 2, jobs_invalid: 1 });
  });
});

describe("memory screens", () => {
  it("list and search show visibility and take several kinds and visibilities", () => {
    const h = home();
    const list = run(["memory", "list", "--kind", "fact,note", "--visibility", "private"], h).stdout;
    expect(lines(list)).toHaveLength(2);
    expect(list).toMatch(/^ID +TIER +KIND +VISIBILITY +DATE \(\S+\) +CONTENT$/m);
    expect(list).toContain("door code");
    const both = JSON.parse(run(["memory", "list", "--kind", "fact", "--kind", "preference", "--json"], h).stdout);
    expect(both.map((m: { kind: string }) => m.kind).sort()).toEqual(["fact", "preference"]);
    const search = JSON.parse(run(["memory", "search", "--visibility", "shareable", "--json", "door code French"], h).stdout);
    expect(search.map((m: { visibility: string }) => m.visibility)).not.toContain("private");
    const bad = run(["memory", "list", "--visibility", "secret"], h);
    expect(bad.code).not.toBe(0);
    expect(lines(bad.stderr)).toHaveLength(1);
  });

  it("list says how many it shows of how many", () => {
    const h = home();
    const r = run(["memory", "list", "--limit", "2"], h);
    expect(lines(r.stdout)).toHaveLength(3);
    expect(r.stderr).toContain("showing 2 of 4");
    expect(run(["memory", "list"], h).stderr).not.toContain("showing");
  });

  it("remember --private says private; forget of a missing id is one line, exit 1, nothing deleted", () => {
    const h = initHome(tmpDir());
    expect(run(["remember", "--private", "my passport number is in the safe"], h).stdout).toMatch(/Remembered #1 \(note, hot, private\)\./);
    const r = run(["memory", "forget", "1", "99"], h);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain("no memory item 99");
    expect(JSON.parse(run(["memory", "list", "--json"], h).stdout)).toHaveLength(1);
  });
});
