/**
 * bench:daemon — 1,000 scheduled jobs and 100 file watches in a temporary PAI_HOME, with the real daemon
 * started by `pai daemon start`:
 *   - idle CPU over one minute (utime + stime from /proc/<pid>/stat) and RSS (VmRSS from /proc/<pid>/status);
 *   - latency from a file change to the end of its action (p50, p95 over ≥ 20 changes), read from the
 *     firing's finished_at in the database.
 * Targets: idle CPU < 1% of a core, RSS < 150 MB, change-to-action p50 < 300 ms.
 *
 *   npx bun scripts/bench-daemon.ts [--idle-seconds 60] [--changes 30]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openDatabase } from "../src/app/db.ts";

const ROOT = resolve(import.meta.dirname, "..");
const PAI = join(ROOT, "bin", "pai");

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const IDLE_SECONDS = arg("--idle-seconds", 60);
const CHANGES = Math.max(20, arg("--changes", 30));
const SCHEDULED = 1000;
const WATCHES = 100;

const home = mkdtempSync(join(tmpdir(), "pai-bench-daemon-"));
const env = { ...process.env, PAI_HOME: home, NO_COLOR: "1" };
const pai = (...args: string[]) => {
  const r = spawnSync(PAI, args, { env, encoding: "utf8" });
  if (r.status !== 0 && args[1] !== "status") throw new Error(`pai ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procStat(pid: number): { ticks: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { ticks, rssKb: Number(rss?.[1] ?? 0) };
}

function clockTicks(): number {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  return Number(r.stdout.trim()) || 100;
}

function pct(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function main(): Promise<void> {
  pai("init", "--name", "Bench");
  const jobs = join(home, "user", "jobs");
  // Daily schedules spread over the day, none due during the measurement (next minute or later).
  for (let i = 0; i < SCHEDULED; i++) {
    const m = i % 60;
    const h = (Math.floor(i / 60) + new Date().getUTCHours() + 2) % 24;
    writeFileSync(join(jobs, `sched-${i}.json`), JSON.stringify({ trigger: { type: "schedule", cron: `${m} ${h} * * *`, tz: "UTC" }, action: { type: "remember", text: `scheduled ${i}` } }));
  }
  const watched = join(home, "watched");
  for (let i = 0; i < WATCHES; i++) {
    const dir = join(watched, `w${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "seed.txt"), "seed\n");
    writeFileSync(join(jobs, `watch-${i}.json`), JSON.stringify({ trigger: { type: "file", path: dir }, action: { type: "remember", text: `w${i} changed {{path}}` } }));
  }
  const started = JSON.parse(pai("daemon", "start", "--json")) as { pid: number };
  const pid = started.pid;
  try {
    const status = JSON.parse(pai("daemon", "status", "--json"));
    console.log(`daemon pid ${pid}: ${status.jobs} jobs (${SCHEDULED} scheduled, ${WATCHES} file watches)`);
    await sleep(3000); // settle after start-up

    // ---- idle CPU and RSS ----
    const hz = clockTicks();
    const a = procStat(pid);
    const t0 = performance.now();
    const rssSamples: number[] = [a.rssKb];
    for (let s = 0; s < IDLE_SECONDS; s += 5) {
      await sleep(Math.min(5, IDLE_SECONDS - s) * 1000);
      rssSamples.push(procStat(pid).rssKb);
    }
    const b = procStat(pid);
    const seconds = (performance.now() - t0) / 1000;
    const cpuPct = ((b.ticks - a.ticks) / hz / seconds) * 100;
    rssSamples.sort((x, y) => x - y);
    const rssMb = rssSamples[rssSamples.length - 1]! / 1024;

    // ---- file change to action ----
    const db = openDatabase(join(home, "user", "pai.db"));
    const lat: number[] = [];
    const lastId = () => db.prepare<{ id: number }>("SELECT coalesce(max(id), 0) AS id FROM job_firings").get()!.id;
    for (let i = 0; i < CHANGES; i++) {
      const w = (i * 37) % WATCHES;
      const since = lastId();
      const t = Date.now();
      writeFileSync(join(watched, `w${w}`, `change-${i}.txt`), `change ${i}\n`);
      const deadline = Date.now() + 10_000;
      let done: { finished_at: string } | undefined;
      while (!done && Date.now() < deadline) {
        await sleep(5);
        done = db
          .prepare<{ finished_at: string }>("SELECT finished_at FROM job_firings WHERE id > ? AND job = ? AND status = 'ok' AND finished_at IS NOT NULL")
          .get(since, `watch-${w}`);
      }
      if (!done) throw new Error(`change ${i} in w${w} did not fire within 10 s`);
      lat.push(Date.parse(done.finished_at) - t);
      await sleep(150);
    }
    db.close();
    lat.sort((x, y) => x - y);

    console.log("");
    console.log(`idle CPU over ${seconds.toFixed(0)} s:  ${cpuPct.toFixed(3)}% of one core   (target < 1%)`);
    console.log(`RSS (max of ${rssSamples.length} samples):   ${rssMb.toFixed(1)} MB          (target < 150 MB)`);
    console.log(`file change → action done, ${lat.length} changes: p50 ${pct(lat, 50)} ms, p95 ${pct(lat, 95)} ms, min ${lat[0]} ms, max ${lat[lat.length - 1]} ms   (target p50 < 300 ms)`);
    const pass = cpuPct < 1 && rssMb < 150 && pct(lat, 50) < 300;
    console.log(pass ? "all targets met" : "some targets missed");
  } finally {
    spawnSync(PAI, ["daemon", "stop", "--force"], { env });
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
