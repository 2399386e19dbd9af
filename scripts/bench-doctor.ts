/**
 * `pai doctor` (its quick database check) and `pai doctor --full` at 10k, 100k and (with --1m) 1M memory items,
 * against bare Bun (`bun -e 0`) in the same run.
 *
 *   bun scripts/bench-doctor.ts [--runs 5] [--1m] [--sizes 10000,100000] [--json]
 *
 * The homes are built once with `pai memory import` and kept (scripts/lib/homes.ts). Every case runs RUNS times
 * after one warm-up round, in round-robin. Prints the median and p90 of each, and the median's ratio to bare Bun.
 * The default check is meant to stay within 1.5 s at 1M items; --full reads the whole file and takes longer.
 */
import { BUN, MAIN, cachedHome, paiEnv, quantile, roundRobin, type TimedCase } from "./lib/homes.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Math.max(3, Number(flag("--runs")) || 5);
const SIZES = flag("--sizes")
  ? flag("--sizes")!.split(",").map(Number)
  : [10_000, 100_000, ...(args.includes("--1m") ? [1_000_000] : [])];
const asJson = args.includes("--json");

const cases: TimedCase[] = [{ label: "bun -e 0", cmd: BUN, argv: ["-e", "0"], env: process.env }];
for (const n of SIZES) {
  const { home, builtS } = cachedHome(n, { log: (s) => console.error(s) });
  if (builtS) console.error(`built in ${builtS.toFixed(0)} s`);
  const k = n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
  cases.push({ label: `doctor ${k}`, cmd: BUN, argv: [MAIN, "doctor"], env: paiEnv(home) });
  cases.push({ label: `doctor --full ${k}`, cmd: BUN, argv: [MAIN, "doctor", "--full"], env: paiEnv(home) });
}

// doctor exits 1 when a check fails; on these generated homes none should.
const { times, errors } = roundRobin(cases, RUNS, 1);
const bare = [...times.get("bun -e 0")!].sort((a, b) => a - b);
const bareMedian = quantile(bare, 0.5);
const rows = cases.map((c) => {
  const t = [...times.get(c.label)!].sort((a, b) => a - b);
  const median = quantile(t, 0.5);
  return { label: c.label, median_ms: Math.round(median), p90_ms: Math.round(quantile(t, 0.9)), ratio_to_bun: Number((median / bareMedian).toFixed(1)), error: errors.get(c.label) ?? null };
});
if (asJson) console.log(JSON.stringify({ runs: RUNS, rows }, null, 2));
else {
  console.log(`${"case".padEnd(22)}${"median".padStart(9)}${"p90".padStart(9)}${"× bun".padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.label.padEnd(22)}${`${r.median_ms} ms`.padStart(9)}${`${r.p90_ms} ms`.padStart(9)}${`${r.ratio_to_bun}`.padStart(8)}${r.error ? `  (${r.error})` : ""}`);
  }
  console.log(`\n${RUNS} runs each after a warm-up round; the default doctor's target at 1M items: ≤ 1500 ms.`);
}
