/**
 * What the command benchmarks share: how pai and bare Bun are spawned, a PAI_HOME holding N generated memory
 * items (built once with `pai memory import` and kept under the OS temp dir, keyed by N and a hash of the
 * generator, so later runs reuse it), round-robin timing and quantiles.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BUN = existsSync(join(ROOT, "node_modules/bun/bin/bun.exe")) ? join(ROOT, "node_modules/bun/bin/bun.exe") : process.execPath;
export const MAIN = join(ROOT, "src/cli/main.ts");

/** The environment of every spawned command in `home`: no colour, no debug output, no Ollama (a closed port). */
export function paiEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PAI_HOME: home, NO_COLOR: "1", PAI_DEBUG: "", OLLAMA_HOST: "http://127.0.0.1:9", ...extra };
  if (!("PAI_NO_RESIDENT" in extra)) delete env.PAI_NO_RESIDENT;
  return env;
}

export function pai(home: string, argv: string[], extra: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(BUN, [MAIN, ...argv], { cwd: ROOT, env: paiEnv(home, extra), encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

export function must(home: string, argv: string[], extra: NodeJS.ProcessEnv = {}): string {
  const r = pai(home, argv, extra);
  if (r.code !== 0) throw new Error(`pai ${argv.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** A word in about one generated item in six: the query of the search rows. */
export const QUERY = "marathon";
const WORDS =
  "Lyon Paris Berlin Lisbon Tokyo report invoice passport contract budget garden kitchen bicycle laptop server backup lease marathon guitar piano novel roadmap prototype dashboard pipeline visa ticket flight hotel met called visited bought fixed finished started booked planned discussed reviewed wrote read cooked Alice Bob Carol Dave Erin Frank Grace taxes health travel family work finance cooking music".split(
    " ",
  );
/** Dates are spread over about three years before this fixed day, so a rebuilt store holds the same lines. */
const EPOCH = Date.parse("2026-01-01T00:00:00Z");

/** Writes `n` generated JSON Lines items to `file` (deterministic: seed 42), in chunks. */
export function writeItems(file: string, n: number): void {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
  const fd = openSync(file, "w");
  try {
    let out = "";
    for (let i = 0; i < n; i++) {
      const words = Array.from({ length: 8 + Math.floor(rnd() * 8) }, () => WORDS[Math.floor(WORDS.length * rnd() ** 2)]!);
      out += `${JSON.stringify({ content: `${words.join(" ")} #${i}`, created_at: new Date(EPOCH - Math.floor(rnd() * 9e10)).toISOString(), kind: "note" })}\n`;
      if (out.length > 1 << 20) {
        writeSync(fd, out);
        out = "";
      }
    }
    writeSync(fd, out);
  } finally {
    closeSync(fd);
  }
}

/** A hash of the generator: a home built by another generator is never reused. */
export const GENERATOR_HASH = createHash("sha256").update(writeItems.toString()).update(WORDS.join(" ")).update(String(EPOCH)).digest("hex").slice(0, 12);

/**
 * A PAI_HOME made by `pai init` holding `n` generated items, built once and kept in
 * $TMPDIR/pai-bench-homes/<n>-<hash> (built in a sibling directory and renamed, so an interrupted build is
 * never reused). `fresh`: rebuild it. Returns its path and the seconds the build took (0 when reused).
 */
export function cachedHome(n: number, opts: { fresh?: boolean; log?: (s: string) => void } = {}): { home: string; builtS: number } {
  const base = join(tmpdir(), "pai-bench-homes");
  const home = join(base, `${n}-${GENERATOR_HASH}`);
  if (existsSync(join(home, "ready")) && !opts.fresh) return { home, builtS: 0 };
  mkdirSync(base, { recursive: true });
  const building = `${home}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building);
  const t0 = performance.now();
  opts.log?.(`building a home of ${n.toLocaleString("en")} items in ${home} …`);
  must(building, ["init", "--name", "Bench"]);
  const file = join(base, `items-${n}-${process.pid}.jsonl`);
  try {
    writeItems(file, n);
    must(building, ["memory", "import", file]);
  } finally {
    rmSync(file, { force: true });
  }
  const builtS = (performance.now() - t0) / 1000;
  // The paths inside a home are found from PAI_HOME, so the home can move.
  writeFileSync(join(building, "ready"), `${new Date().toISOString()}\n`);
  rmSync(home, { recursive: true, force: true });
  renameSync(building, home);
  return { home, builtS };
}

export function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

export interface TimedCase {
  label: string;
  cmd: string;
  /** The arguments, or those of each round (a command that writes something new each time). */
  argv: string[] | ((round: number) => string[]);
  env: NodeJS.ProcessEnv;
}

/**
 * Runs every case `warmup + runs` times in round-robin (so drift on the machine hits every case alike) and
 * returns each case's times after the warm-up rounds, and the first failure of each case.
 */
export function roundRobin(cases: TimedCase[], runs: number, warmup: number): { times: Map<string, number[]>; errors: Map<string, string> } {
  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  const errors = new Map<string, string>();
  for (let round = 0; round < warmup + runs; round++) {
    for (const c of cases) {
      const t0 = performance.now();
      const r = spawnSync(c.cmd, typeof c.argv === "function" ? c.argv(round) : c.argv, { cwd: ROOT, env: c.env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
      const ms = performance.now() - t0;
      if (r.status !== 0 && !errors.has(c.label)) errors.set(c.label, `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n")[0] ?? ""}`);
      if (round >= warmup) times.get(c.label)!.push(ms);
    }
  }
  return { times, errors };
}
