/**
 * Start-up benchmark: wall time of model-free commands against bare Bun's own start-up.
 *
 *   bun run bench:startup [-- --runs 20] [--json]
 *
 * In a temporary PAI_HOME made with `pai init`, runs each command RUNS times (after 2 warm-up runs), in
 * round-robin so drift on the machine hits every command alike, and prints the median, the p90, the median's
 * delta over bare Bun, and whether that delta is within the 40 ms target. Bare Bun is `bun -e 0`: `bun -e ''`
 * (also shown) only prints Bun's help without starting a JavaScript VM, so it is no fair baseline. Commands are spawned as
 * `node_modules/bun/bin/bun.exe src/cli/main.ts …` and, for comparison, through the bin/pai launcher.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const BUN = existsSync(join(ROOT, "node_modules/bun/bin/bun.exe")) ? join(ROOT, "node_modules/bun/bin/bun.exe") : process.execPath;
const MAIN = join(ROOT, "src/cli/main.ts");
const LAUNCHER = join(ROOT, "bin/pai");
const TARGET_MS = 40;
const WARMUP = 2;

const args = process.argv.slice(2);
const runsArg = args.indexOf("--runs");
const RUNS = Math.max(10, runsArg >= 0 ? Number(args[runsArg + 1]) || 20 : 20);
const asJson = args.includes("--json");

const home = mkdtempSync(join(tmpdir(), "pai-bench-startup-"));
const env: NodeJS.ProcessEnv = { ...process.env, PAI_HOME: home, NO_COLOR: "1", PAI_DEBUG: "" };

interface Case {
  label: string;
  cmd: string;
  argv: string[];
}

const paiArgs: string[][] = [["--version"], ["telos", "list"], ["status"]];
const cases: Case[] = [
  { label: "bun -e 0 (bare Bun)", cmd: BUN, argv: ["-e", "0"] },
  { label: "bun -e '' (help only)", cmd: BUN, argv: ["-e", ""] },
  ...paiArgs.map((a) => ({ label: `pai ${a.join(" ")}`, cmd: BUN, argv: [MAIN, ...a] })),
  ...paiArgs.map((a) => ({ label: `bin/pai ${a.join(" ")}`, cmd: LAUNCHER, argv: a })),
];

function runOnce(c: Case): { ms: number; code: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(c.cmd, c.argv, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - t0;
  return { ms, code: r.status ?? 1, stderr: r.stderr ?? "" };
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

try {
  const init = spawnSync(BUN, [MAIN, "init", "--name", "Bench"], { cwd: ROOT, env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`pai init failed: ${init.stderr}`);

  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  const errors = new Map<string, string>();
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const c of cases) {
      const r = runOnce(c);
      if (r.code !== 0 && !errors.has(c.label)) errors.set(c.label, `exit ${r.code}: ${r.stderr.trim().split("\n")[0] ?? ""}`);
      if (round >= WARMUP) times.get(c.label)!.push(r.ms);
    }
  }

  const bare = quantile([...times.get(cases[0]!.label)!].sort((a, b) => a - b), 0.5);
  const rows = cases.map((c) => {
    const t = [...times.get(c.label)!].sort((a, b) => a - b);
    const median = quantile(t, 0.5);
    const p90 = quantile(t, 0.9);
    const delta = median - bare;
    return {
      command: c.label,
      medianMs: +median.toFixed(1),
      p90Ms: +p90.toFixed(1),
      deltaMs: +delta.toFixed(1),
      withinTarget: c.cmd === BUN && c.argv[0] === "-e" ? null : delta <= TARGET_MS,
      error: errors.get(c.label) ?? null,
    };
  });

  if (asJson) {
    console.log(JSON.stringify({ runs: RUNS, warmup: WARMUP, targetMs: TARGET_MS, bun: BUN, rows }, null, 2));
  } else {
    const header = ["command", "median ms", "p90 ms", "Δ vs bare Bun", `within ${TARGET_MS} ms`];
    const body = rows.map((r) => [
      r.command,
      r.medianMs.toFixed(1),
      r.p90Ms.toFixed(1),
      r.withinTarget === null ? "—" : `${r.deltaMs >= 0 ? "+" : ""}${r.deltaMs.toFixed(1)}`,
      r.withinTarget === null ? "—" : r.error ? `FAILED (${r.error})` : r.withinTarget ? "yes" : "NO",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
    console.log(`Start-up: median of ${RUNS} runs after ${WARMUP} warm-up runs, Bun ${spawnSync(BUN, ["--version"], { encoding: "utf8" }).stdout.trim()}, PAI_HOME from 'pai init'`);
    console.log(line(header));
    for (const b of body) console.log(line(b));
  }
  if (errors.size) process.exitCode = 1;
} finally {
  rmSync(home, { recursive: true, force: true });
}
