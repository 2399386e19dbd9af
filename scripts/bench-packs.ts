/**
 * Pack benchmarks: with the whole catalogue installed in a temporary PAI_HOME, the time to
 *   - match a request against every trigger (matchRequest, in-process),
 *   - run a code command in-process (journal:write, recorded and remembered),
 *   - install a built-in pack (validate, copy through a temp folder, hash every file),
 *   - run `pai do --explain` and `pai run journal:write` end to end (a fresh process each time).
 * Prints medians and 95th percentiles over several runs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { initUser } from "../src/admin/init.ts";
import { withHome } from "../src/app/home.ts";
import { installPack, listAvailable, matchRequest, runPackCommand, uninstallPack } from "../src/packs/index.ts";
import { paths } from "../src/kernel/paths.ts";
import { openDatabase } from "../src/app/db.ts";

const ROOT = resolve(import.meta.dirname, "..");
const home = mkdtempSync(join(tmpdir(), "pai-bench-packs-"));
const p = paths(home);
initUser({ name: "Bench", paths: p, openDatabase });

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return `p50 ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms (n=${s.length})`;
}

async function time(n: number, fn: (i: number) => unknown | Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

try {
  for (const a of listAvailable(p)) await installPack(a.name, { yes: true, paths: p });
  const requests = [
    "journal had a good day",
    "search my notes for kubernetes",
    "what changed in my repos since monday",
    "summarize: a long text about packs",
    "how tall is mont blanc",
    "scaffold a typescript cli named x",
    "notify me: done",
    "please review my goals",
  ];
  const match = await time(400, (i) => matchRequest(requests[i % requests.length]!, p));
  console.log(`matchRequest (9 packs, 27 commands):      ${stats(match)}`);
  const run = await time(60, (i) => withHome((h) => runPackCommand({ pack: "journal", command: "write" }, { text: `entry ${i}` }, { paths: p, config: h.config, db: h.db }), { paths: p }));
  console.log(`runPackCommand journal:write (in-process): ${stats(run)}`);
  const inst = await time(15, async () => {
    uninstallPack("journal", p);
    await installPack("journal", { yes: true, paths: p });
  });
  console.log(`install journal (validate, copy, hash):   ${stats(inst)}`);
  const env = { ...process.env, PAI_HOME: home, NO_COLOR: "1" };
  const bin = join(ROOT, "bin", "pai");
  const spawnOk = (args: string[]) => {
    const r = spawnSync(bin, args, { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pai ${args.join(" ")} failed: ${r.stderr}`);
  };
  const explain = await time(15, () => spawnOk(["do", "--explain", "search my notes for kubernetes"]));
  console.log(`pai do --explain (process):                ${stats(explain)}`);
  const cli = await time(15, (i) => spawnOk(["run", "journal:write", `cli entry ${i}`]));
  console.log(`pai run journal:write (process):           ${stats(cli)}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
