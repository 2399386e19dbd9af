/**
 * Start-up benchmark: the wall time of every model-free command against bare Bun's own start-up, in a fresh
 * home and in homes holding 10k, 100k and (with --1m) 1M memory items, in their own process and through the
 * daemon.
 *
 *   bun run bench:startup [-- --runs 15] [--1m] [--sizes 10000,100000] [--fresh] [--source] [--json]
 *
 * Commands run as a user runs them, through the launcher (bin/pai, the build in dist/pai/, built first);
 * --source runs `bun src/cli/main.ts` instead.
 *
 * Each group of commands is run RUNS times (after 2 warm-up runs) in round-robin with bare Bun (`bun -e 0`),
 * so drift on the machine hits every command alike; each row prints the median, the p90, and the median's
 * delta over bare Bun (measured in the same group) and ratio to it, and whether the delta is within its target
 * (with --source, the fresh home's `--version` and `status` also through the bin/pai launcher):
 *
 *   - `pai --version`, `pai --help`: bare Bun + 15 ms;
 *   - `status`, `telos list` in a fresh home (`pai init`): + 40 ms; `pai remember TEXT` there too, a write for
 *     comparison, without a target;
 *   - `status`, `telos list`, `memory search Q`, `memory list`, `memory show ID`, `memory stats`, `context`,
 *     `context --query Q` in their own process, as a user without a daemon runs them (no daemon runs in the home,
 *     so the client finds no socket): + 60 ms up to 100k items, + 100 ms at 1M;
 *     `memory stats` flat from the smallest store to the largest (their ratio is printed);
 *   - `memory search Q` and `context --query Q` through a daemon started in the home (`pai daemon start`):
 *     + 20 ms and + 25 ms.
 *
 * Homes with items are built once by `pai memory import` of generated JSON Lines and kept under the OS temp
 * dir (scripts/lib/homes.ts), keyed by size and a hash of the generator; --fresh rebuilds them (1M takes
 * minutes). Bare Bun is `bun -e 0`: `bun -e ''` only prints Bun's help without starting a JavaScript VM.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, MAIN, QUERY, ROOT, cachedHome, must, pai, paiEnv, quantile, roundRobin, type TimedCase } from "./lib/homes.ts";

const WARMUP = 2;
/** The installed launcher, beside `bun src/cli/main.ts` in the fresh home. */
const LAUNCHER = join(ROOT, "bin/pai");
const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const RUNS = Math.max(5, Number(opt("--runs")) || 15);
const asJson = args.includes("--json");
const fresh = args.includes("--fresh");
/** --source: `bun src/cli/main.ts` instead of the installed launcher (bin/pai, which runs the build in dist/pai/). */
const fromSource = args.includes("--source");
if (!fromSource) {
  // The launcher runs the build only while it is newer than every source file: build it now.
  const b = spawnSync(BUN, [join(ROOT, "scripts/build.ts")], { cwd: ROOT, encoding: "utf8" });
  if (b.status !== 0) throw new Error(`the build failed: ${b.stderr}`);
}
const SIZES = opt("--sizes")
  ? opt("--sizes")!.split(",").map(Number).filter((n) => n > 0)
  : [10_000, 100_000, ...(args.includes("--1m") ? [1_000_000] : [])];
const log = (s: string) => {
  if (!asJson) console.log(s);
  else console.error(s);
};

interface Row {
  group: string;
  /** Short: "fresh", "100k", "100k daemon". */
  tag: string;
  command: string;
  medianMs: number;
  p90Ms: number;
  deltaMs: number;
  ratio: number;
  targetMs: number | null;
  withinTarget: boolean | null;
  error: string | null;
}

const short = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));
/** The label of bare Bun's row in every group. */
const BARE = "bun -e 0 (bare Bun)";
const oneShot = (size: number) => (size >= 1_000_000 ? 100 : 60);

/** Times `cmds` (label, argv, target) in `home` with bare Bun in the same round-robin. */
function group(name: string, tag: string, home: string, cmds: { label: string; argv: TimedCase["argv"]; target: number | null; launcher?: boolean }[]): Row[] {
  const bareCase: TimedCase = { label: BARE, cmd: BUN, argv: ["-e", "0"], env: paiEnv(home) };
  const cases: TimedCase[] = [
    bareCase,
    ...cmds.map((c): TimedCase => {
      if (c.launcher || !fromSource) return { label: c.label, cmd: LAUNCHER, argv: c.argv, env: paiEnv(home) };
      const argv = c.argv;
      return { label: c.label, cmd: BUN, argv: typeof argv === "function" ? (k) => [MAIN, ...argv(k)] : [MAIN, ...argv], env: paiEnv(home) };
    }),
  ];
  const { times, errors } = roundRobin(cases, RUNS, WARMUP);
  const stat = (label: string) => {
    const t = [...times.get(label)!].sort((a, b) => a - b);
    return { median: quantile(t, 0.5), p90: quantile(t, 0.9) };
  };
  const bare = stat(bareCase.label);
  const rows: Row[] = [{ group: name, tag, command: bareCase.label, medianMs: r1(bare.median), p90Ms: r1(bare.p90), deltaMs: 0, ratio: 1, targetMs: null, withinTarget: null, error: null }];
  for (const c of cmds) {
    const s = stat(c.label);
    const delta = s.median - bare.median;
    const error = errors.get(c.label) ?? null;
    rows.push({ group: name, tag, command: c.label, medianMs: r1(s.median), p90Ms: r1(s.p90), deltaMs: r1(delta), ratio: +(s.median / bare.median).toFixed(2), targetMs: c.target, withinTarget: error ? false : c.target === null ? null : delta <= c.target, error });
  }
  if (!asJson) print(name, rows);
  return rows;
}

const r1 = (x: number) => +x.toFixed(1);

/** Requests the daemon in `home` has answered from its resident store. */
function requests(home: string): number {
  return Number(JSON.parse(pai(home, ["daemon", "status", "--json"]).stdout).resident_requests ?? -1);
}

function print(name: string, rows: Row[]): void {
  console.log(`\n${name}`);
  console.log(`  ${"command".padEnd(44)}${"median".padStart(8)}${"p90".padStart(8)}${"Δ bare".padStart(9)}${"ratio".padStart(8)}  target`);
  for (const r of rows) {
    const target = r.error ? `FAILED (${r.error})` : r.targetMs === null ? "" : `≤ +${r.targetMs} ms ${r.withinTarget ? "within" : "OVER"}`;
    const delta = r.command === BARE ? "" : `${r.deltaMs >= 0 ? "+" : ""}${r.deltaMs.toFixed(1)}`;
    console.log(`  ${r.command.padEnd(44)}${r.medianMs.toFixed(1).padStart(8)}${r.p90Ms.toFixed(1).padStart(8)}${delta.padStart(9)}${`${r.ratio.toFixed(2)}×`.padStart(8)}  ${target}`);
  }
}

/** The database file and its log as seen from outside: sizes and modification times (a log of 0 bytes is no log). */
function dbState(home: string): string {
  const db = join(home, "user", "pai.db");
  const f = (p: string) => (existsSync(p) && statSync(p).size > 0 ? `${statSync(p).size}@${statSync(p).mtimeMs}` : "-");
  return `${f(db)} ${f(`${db}-wal`)}`;
}

/** The read-only commands (memory show --incognito: without it, showing an item uses it) that changed the database. */
function writers(home: string, id: string): { checked: number; changed: string[] } {
  const cmds = [["status"], ["telos", "list"], ["memory", "search", QUERY], ["memory", "list"], ["memory", "show", "--incognito", id], ["memory", "stats"], ["context"]];
  const changed: string[] = [];
  for (const argv of cmds) {
    const before = dbState(home);
    pai(home, argv, { PAI_NO_RESIDENT: "1" });
    if (dbState(home) !== before) changed.push(argv.join(" "));
  }
  return { checked: cmds.length, changed };
}

const all: Row[] = [];
const homes: { size: number; home: string; builtS: number }[] = [];
const scratch = mkdtempSync(join(tmpdir(), "pai-bench-startup-"));
let daemonHome: string | undefined;
try {
  log(`Start-up: median and p90 of ${RUNS} runs after ${WARMUP} warm-up runs, Bun ${spawnSync(BUN, ["--version"], { encoding: "utf8" }).stdout.trim()}`);
  must(scratch, ["init", "--name", "Bench"]);
  all.push(
    ...group("fresh home (pai init)", "fresh", scratch, [
      { label: "pai --version", argv: ["--version"], target: 15 },
      { label: "pai --help", argv: ["--help"], target: 15 },
      { label: "pai status", argv: ["status"], target: 40 },
      { label: "pai telos list", argv: ["telos", "list"], target: 40 },
      // A write, for comparison (no target): a new item each run, its secrets redacted, written and counted.
      { label: "pai remember TEXT (no target)", argv: (k: number) => ["remember", `bench note ${k}: tea with Ada after the run`], target: null },
      ...(fromSource
        ? [
            { label: "bin/pai --version", argv: ["--version"], target: 15, launcher: true },
            { label: "bin/pai status", argv: ["status"], target: 40, launcher: true },
          ]
        : []),
    ]),
  );
  for (const size of SIZES) {
    const h = cachedHome(size, { fresh, log });
    homes.push({ size, ...h });
    const id = String(Math.max(1, Math.floor(size / 2)));
    // As a user without a daemon: none runs in the home (one left by an interrupted run is stopped).
    pai(h.home, ["daemon", "stop"]);
    const t = oneShot(size);
    const label = `${size.toLocaleString("en")} items${h.builtS ? ` (built in ${h.builtS.toFixed(0)} s)` : " (cached)"}`;
    all.push(
      ...group(`${label}, own process (no daemon)`, short(size), h.home, [
        { label: "pai status", argv: ["status"], target: t },
        { label: "pai telos list", argv: ["telos", "list"], target: t },
        { label: `pai memory search ${QUERY}`, argv: ["memory", "search", QUERY], target: t },
        { label: "pai memory list", argv: ["memory", "list"], target: t },
        { label: `pai memory show ${id}`, argv: ["memory", "show", id], target: t },
        { label: "pai memory stats", argv: ["memory", "stats"], target: t },
        { label: "pai context", argv: ["context"], target: t },
        { label: `pai context --query ${QUERY}`, argv: ["context", "--query", QUERY], target: t },
      ]),
    );
    const w = writers(h.home, id);
    log(`  read-only commands that wrote to the database or its log: ${w.changed.length ? w.changed.join(", ") : "none"} (of ${w.checked})`);
    daemonHome = h.home;
    must(h.home, ["daemon", "start", "--json"]);
    try {
      const before = requests(h.home);
      const rows = group(`${size.toLocaleString("en")} items, through the daemon`, `${short(size)} daemon`, h.home, [
        { label: `pai memory search ${QUERY}`, argv: ["memory", "search", QUERY], target: 20 },
        { label: `pai context --query ${QUERY}`, argv: ["context", "--query", QUERY], target: 25 },
      ]);
      // Every run through the daemon must have been answered by it, not by a command that fell back to its own process.
      const answered = requests(h.home) - before;
      const sent = 2 * (RUNS + WARMUP);
      if (answered < sent) for (const r of rows.slice(1)) r.error ??= `the daemon answered ${answered} of ${sent} runs`;
      if (!asJson && answered < sent) console.log(`  the daemon answered only ${answered} of ${sent} runs sent to it`);
      all.push(...rows);
    } finally {
      pai(h.home, ["daemon", "stop"]);
      daemonHome = undefined;
    }
  }
  const stats = all.filter((r) => r.command === "pai memory stats");
  const flat =
    stats.length >= 2
      ? { from: SIZES[0]!, to: SIZES[SIZES.length - 1]!, fromMs: stats[0]!.medianMs, toMs: stats[stats.length - 1]!.medianMs, ratio: +(stats[stats.length - 1]!.medianMs / stats[0]!.medianMs).toFixed(2) }
      : null;
  const over = all.filter((r) => r.withinTarget === false);
  if (asJson) {
    console.log(JSON.stringify({ runs: RUNS, warmup: WARMUP, bun: BUN, homes, memoryStatsFlat: flat, rows: all }, null, 2));
  } else {
    if (flat) console.log(`\nmemory stats ${flat.to.toLocaleString("en")} / ${flat.from.toLocaleString("en")} items: ${flat.toMs} / ${flat.fromMs} ms = ${flat.ratio.toFixed(2)}× (target: flat, ≈ 1.0×)`);
    console.log(`\n${all.filter((r) => r.withinTarget).length} rows within target, ${over.length} over${over.length ? `: ${over.map((r) => `${r.command.replace(/^pai /, "")} (${r.tag})`).join(", ")}` : ""}`);
  }
  if (all.some((r) => r.error)) process.exitCode = 1;
} finally {
  if (daemonHome) pai(daemonHome, ["daemon", "stop"]);
  rmSync(scratch, { recursive: true, force: true });
}
