/**
 * Caps and costs benchmark: a call log of --calls rows spread over the current month (a heavy month: the
 * default is 50,000 calls, about 1,600 a day) in a temporary PAI_HOME, and a user/limits.json with caps on
 * every scope. It prints the time of the check made before each model call (checkCaps, for a call that four
 * scopes and both windows apply to: eight caps), of `pai log --cost` by each group in its own process, and of
 * `bun -e 0` in the same run (the ratio to it). Medians.
 *
 *   node_modules/.bin/bun scripts/bench-limits.ts
 *   node_modules/.bin/bun scripts/bench-limits.ts --calls 200000
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const CALLS = arg("--calls", 50_000);
const ROUNDS = arg("--rounds", 200);
const SPAWNS = arg("--spawns", 10);

const root = resolve(import.meta.dirname, "..");
const home = mkdtempSync(join(tmpdir(), "pai-bench-limits-"));
process.env.PAI_HOME = home;

const { paths } = await import("../src/kernel/paths.ts");
const { initUser } = await import("../src/admin/init.ts");
const { openDatabase } = await import("../src/app/db.ts");
const { recordCall } = await import("../src/models/calllog.ts");
const { checkCaps } = await import("../src/models/limits.ts");
const { costReport, monthStart } = await import("../src/models/usage.ts");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p = paths(home);
initUser({ name: "Ada", paths: p, openDatabase });
const db = openDatabase(p.db);

const now = new Date();
const start = monthStart(now).getTime();
const span = Math.max(1, now.getTime() - start);
const purposes = ["answer", "answer", "answer", "extract", "embed", "skill", "prompt"];
const jobs = [null, null, null, "brief", "digest"];
const packs = [null, null, null, "research", "patterns"];
let seed = 11;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
const t0 = performance.now();
db.transaction(() => {
  for (let i = 0; i < CALLS; i++) {
    const local = rnd() < 0.4;
    const input = Math.floor(500 + rnd() * 4000);
    const output = Math.floor(50 + rnd() * 800);
    recordCall(db, {
      at: new Date(start + (span * i) / CALLS).toISOString(),
      backend: local ? "ollama" : "anthropic",
      model: local ? "llama3.2" : "claude-sonnet-4-6",
      purpose: purposes[Math.floor(rnd() * purposes.length)]!,
      kind: "chat",
      inputTokens: input,
      outputTokens: output,
      latencyMs: 900,
      outcome: "ok",
      attempt: 1,
      error: null,
      exchangeId: null,
      cost: local ? 0 : (input * 3 + output * 15) / 1e6,
      job: jobs[Math.floor(rnd() * jobs.length)]!,
      pack: packs[Math.floor(rnd() * packs.length)]!,
    });
  }
});
console.log(`call log: ${CALLS.toLocaleString("en-US")} calls this month, inserted in ${Math.round(performance.now() - t0)} ms`);

const big = { daily: { cost: 1e9, tokens: 1e12 }, monthly: { cost: 1e9, tokens: 1e12 } };
writeFileSync(join(p.user, "limits.json"), JSON.stringify({ overall: big, purpose: { answer: big }, job: { brief: big }, pack: { research: big }, local: { daily: { tokens: 1e12 } } }));

const time = (fn: () => void, rounds = ROUNDS) => {
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    fn();
    xs.push(performance.now() - s);
  }
  return median(xs);
};
const call = { backend: "anthropic", purpose: "answer", job: "brief", pack: "research" };
checkCaps(db, call, now);
console.log(`checkCaps, a cloud call under 8 caps (job, pack, purpose, overall × day, month): p50 ${time(() => checkCaps(db, call, now)).toFixed(2)} ms`);
console.log(`checkCaps, a local call under 1 cap: p50 ${time(() => checkCaps(db, { backend: "ollama", purpose: "answer" }, now)).toFixed(2)} ms`);
for (const by of ["day", "purpose", "job", "pack"] as const) {
  console.log(`costReport --by ${by} over the month: p50 ${time(() => costReport(db, by, monthStart(now)), 10).toFixed(1)} ms`);
}
db.close();

const spawnMs = (cmd: string, argv: string[]) => {
  const xs: number[] = [];
  for (let i = 0; i < SPAWNS; i++) {
    const s = performance.now();
    const r = spawnSync(cmd, argv, { env: { ...process.env, PAI_HOME: home, NO_COLOR: "1" }, encoding: "utf8" });
    xs.push(performance.now() - s);
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed: ${r.stderr}`);
  }
  return median(xs);
};
const bun = process.execPath;
const bare = spawnMs(bun, ["-e", "0"]);
console.log(`bun -e 0: p50 ${bare.toFixed(1)} ms`);
for (const argv of [["log"], ["log", "--cost"], ["log", "--cost", "--by", "purpose"], ["log", "show", String(CALLS)]]) {
  const ms = spawnMs(join(root, "bin", "pai"), argv);
  console.log(`pai ${argv.join(" ")}: p50 ${ms.toFixed(1)} ms (${(ms / bare).toFixed(1)}× bun -e 0)`);
}
rmSync(home, { recursive: true, force: true });
