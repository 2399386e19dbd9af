/**
 * Read-only commands answered by a running daemon over its socket, against the same commands in their own
 * process (PAI_NO_RESIDENT=1) and bare Bun (`bun -e 0`), in one run.
 *
 *   bun scripts/bench-resident.ts [--items 100000] [--1m] [--runs 20] [--json]
 *
 * Builds a store of ITEMS memory items in a temporary PAI_HOME (`pai memory import` of generated JSONL; --1m:
 * 1,000,000), starts the daemon there, and runs each command RUNS times (after 2 warm-up runs each), in
 * round-robin so drift on the machine hits every case alike. Prints the median and p90, the median's delta over
 * bare Bun and its ratio to it, and the targets through the daemon: `memory search` ≤ bare Bun + 20 ms,
 * `context --query` ≤ bare Bun + 25 ms. Each command's output through the daemon is checked to be the same
 * bytes as in its own process, and the daemon's request count to have grown by every run through it. The query is
 * "marathon", a word in about one generated item in six.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const BUN = existsSync(join(ROOT, "node_modules/bun/bin/bun.exe")) ? join(ROOT, "node_modules/bun/bin/bun.exe") : process.execPath;
const MAIN = join(ROOT, "src/cli/main.ts");
const WARMUP = 2;

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) || dflt : dflt;
};
const ITEMS = args.includes("--1m") ? 1_000_000 : flag("--items", 100_000);
const RUNS = Math.max(5, flag("--runs", 20));
const asJson = args.includes("--json");

const home = mkdtempSync(join(tmpdir(), "pai-bench-resident-"));
// No Ollama in the measurement: a closed port, the same for the daemon and every client.
const env: NodeJS.ProcessEnv = { ...process.env, PAI_HOME: home, NO_COLOR: "1", PAI_DEBUG: "", OLLAMA_HOST: "http://127.0.0.1:9" };
delete env.PAI_NO_RESIDENT;

function pai(argv: string[], extra: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(BUN, [MAIN, ...argv], { cwd: ROOT, env: { ...env, ...extra }, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function must(argv: string[]): string {
  const r = pai(argv);
  if (r.code !== 0) throw new Error(`pai ${argv.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

let seed = 42;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
const WORDS = "Lyon Paris Berlin Lisbon Tokyo report invoice passport contract budget garden kitchen bicycle laptop server backup lease marathon guitar piano novel roadmap prototype dashboard pipeline visa ticket flight hotel met called visited bought fixed finished started booked planned discussed reviewed wrote read cooked Alice Bob Carol Dave Erin Frank Grace taxes health travel family work finance cooking music".split(" ");

function store(n: number): void {
  const file = join(home, "items.jsonl");
  const now = Date.now();
  let out = "";
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 8 + Math.floor(rnd() * 8) }, () => WORDS[Math.floor(WORDS.length * rnd() ** 2)]!);
    out += `${JSON.stringify({ content: `${words.join(" ")} #${i}`, created_at: new Date(now - Math.floor(rnd() * 9e10)).toISOString(), kind: "note" })}\n`;
  }
  writeFileSync(file, out);
  must(["memory", "import", file]);
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

function requests(): number {
  return JSON.parse(pai(["daemon", "status", "--json"]).stdout).resident_requests ?? -1;
}

interface Case {
  label: string;
  cmd: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  resident?: boolean;
}

const COMMANDS: string[][] = [["memory", "search", "marathon"], ["context", "--query", "marathon"], ["status"], ["memory", "stats"]];
const TARGETS: Record<string, number> = { "memory search marathon": 20, "context --query marathon": 25 };

let daemonPid: number | undefined;
try {
  const t0 = performance.now();
  must(["init", "--name", "Ada"]);
  store(ITEMS);
  const built = (performance.now() - t0) / 1000;
  daemonPid = JSON.parse(must(["daemon", "start", "--json"])).pid;
  const cases: Case[] = [
    { label: "bun -e 0 (bare Bun)", cmd: BUN, argv: ["-e", "0"] },
    ...COMMANDS.flatMap((c) => [
      { label: `${c.join(" ")} (daemon)`, cmd: BUN, argv: [MAIN, ...c], resident: true },
      { label: `${c.join(" ")} (own process)`, cmd: BUN, argv: [MAIN, ...c], env: { PAI_NO_RESIDENT: "1" } },
    ]),
  ];
  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  const before = requests();
  let viaDaemon = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const c of cases) {
      const t = performance.now();
      const r = spawnSync(c.cmd, c.argv, { cwd: ROOT, env: { ...env, ...c.env }, stdio: ["ignore", "ignore", "ignore"] });
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`${c.label} exited ${r.status}`);
      if (c.resident) viaDaemon++;
      if (i >= WARMUP) times.get(c.label)!.push(ms);
    }
  }
  const answered = requests() - before;
  // Compared after the runs: right after its start, the daemon's first embedding pass can still change what
  // `context` selects, for any process.
  for (const c of COMMANDS) {
    const a = pai(c);
    const b = pai(c, { PAI_NO_RESIDENT: "1" });
    if (a.stdout !== b.stdout || a.stderr !== b.stderr || a.code !== b.code) throw new Error(`pai ${c.join(" ")}: the daemon's output differs from the command's own`);
  }
  const bare = quantile([...times.get(cases[0]!.label)!].sort((x, y) => x - y), 0.5);
  const rows = cases.map((c) => {
    const s = [...times.get(c.label)!].sort((x, y) => x - y);
    const median = quantile(s, 0.5);
    const key = c.label.replace(/ \((daemon|own process)\)$/, "");
    const target = c.resident ? TARGETS[key] : undefined;
    return { label: c.label, median, p90: quantile(s, 0.9), delta: median - bare, ratio: median / bare, target, ok: target === undefined ? undefined : median - bare <= target };
  });
  if (asJson) {
    console.log(JSON.stringify({ items: ITEMS, runs: RUNS, build_s: built, daemon_requests: answered, daemon_runs: viaDaemon, rows }, null, 2));
  } else {
    console.log(`pai through the daemon vs in its own process: ${ITEMS.toLocaleString("en")} items (built in ${built.toFixed(1)} s), ${RUNS} runs each, Bun ${spawnSync(BUN, ["--version"], { encoding: "utf8" }).stdout.trim()}`);
    console.log(`daemon answered ${answered} of ${viaDaemon} runs sent to it\n`);
    console.log(`${"command".padEnd(42)}${"median".padStart(9)}${"p90".padStart(9)}${"Δ bare".padStart(9)}${"ratio".padStart(8)}  target`);
    for (const r of rows) {
      const t = r.target === undefined ? "" : `≤ +${r.target} ms ${r.ok ? "ok" : "MISSED"}`;
      console.log(`${r.label.padEnd(42)}${r.median.toFixed(1).padStart(9)}${r.p90.toFixed(1).padStart(9)}${(r.label.startsWith("bun") ? "" : `+${r.delta.toFixed(1)}`).padStart(9)}${`${r.ratio.toFixed(2)}×`.padStart(8)}  ${t}`);
    }
  }
} finally {
  if (daemonPid) pai(["daemon", "stop"]);
  rmSync(home, { recursive: true, force: true });
}
