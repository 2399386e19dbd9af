/**
 * Sync benchmark: two PAI_HOMEs sharing a folder in the OS temp dir. Prints the time to write N operations
 * (N items remembered with the outbox triggers on, then published: sealed with each item's key and appended to
 * the device's file), to apply them on the second home, to apply them again (every one already seen: all
 * skipped), and `pai sync now` with nothing new beside bare Bun (`bun -e 0`), medians of round-robin runs.
 * Targets: applying 100k ≤ 5 s; `pai sync now` with nothing new ≤ bare Bun + 60 ms.
 *
 *   node_modules/bun/bin/bun.exe scripts/bench-sync.ts            # 100k operations
 *   node_modules/bun/bin/bun.exe scripts/bench-sync.ts --n 20000 --runs 15
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/app/db.ts";
import { loadConfig } from "../src/config/index.ts";
import { openMemory } from "../src/memory/index.ts";
import { initSync, syncNow, type SyncEnv } from "../src/memory/sync/index.ts";
import { opsFiles, deviceDir } from "../src/memory/sync/files.ts";
import { spawnSync } from "node:child_process";
import { BUN, ROOT, must, paiEnv, quantile, roundRobin } from "./lib/homes.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("n", 100_000);
const RUNS = arg("runs", 11);

const dir = mkdtempSync(join(tmpdir(), "pai-bench-sync-"));
const folder = join(dir, "folder");
const homes = [join(dir, "a"), join(dir, "b"), join(dir, "c")];
for (const h of homes) must(h, ["init", "--name", "Ada"]);

function open(home: string) {
  const db = openDatabase(join(home, "user", "pai.db"), { cache: "large" });
  const config = loadConfig(join(home, "user", "config.json"));
  const store = openMemory(db, config);
  const env: SyncEnv = { db, store, keyFile: join(home, "user", "sync.key"), forget: (ids) => void store.forget(ids) };
  return { db, store, env };
}
const time = async <T>(fn: () => T | Promise<T>): Promise<[Awaited<T>, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
};
const WORDS = "garden lyon marathon piano dentist cellar boat train river invoice sister meeting cheese bicycle window autumn".split(" ");
const text = (i: number) => `Note ${i}: ${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} ${WORDS[(i * 13) % 16]} on day ${i % 365}, ${(i * 2654435761) % 1e6}`;

const a = open(homes[0]!);
const init = await initSync(a.env, folder, undefined);
const b = open(homes[1]!);
await initSync(b.env, folder, init.key); // joins while the folder is empty: the apply below is all of it
const [, rememberS] = await time(() => {
  for (let i = 0; i < N; i += 10_000) {
    a.store.rememberMany(Array.from({ length: Math.min(10_000, N - i) }, (_, k) => ({ content: text(i + k), createdAt: new Date(Date.UTC(2024, 0, 1) + (i + k) * 60_000) })), { dedup: false });
  }
});
const [pub, publishS] = await time(() => syncNow(a.env));
a.db.close();
const bytes = opsFiles(folder, init.device).reduce((s, f) => s + statSync(join(deviceDir(folder, init.device), f)).size, 0);
console.log(`write: ${N} items remembered with the outbox on in ${rememberS.toFixed(2)} s; ${pub.published} operations sealed and written in ${publishS.toFixed(2)} s (${(bytes / N).toFixed(0)} bytes each)`);

const [r1, applyS] = await time(() => syncNow(b.env));
const count = b.db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items").get()!.n;
console.log(`apply: ${r1.applied} operations applied in ${applyS.toFixed(2)} s (${count} items on the second home; target ≤ 5 s at 100k)`);
// The store's own insert path beside it: the same items remembered into a home that does not sync.
const c = open(homes[2]!);
const [, storeS] = await time(() => {
  for (let i = 0; i < N; i += 5000) {
    c.store.rememberMany(Array.from({ length: Math.min(5000, N - i) }, (_, k) => ({ content: text(i + k), createdAt: new Date(Date.UTC(2024, 0, 1) + (i + k) * 60_000) })), { dedup: false });
  }
});
c.db.close();
console.log(`  beside it, the same ${N} items remembered in batches of 5000 into a home that does not sync: ${storeS.toFixed(2)} s (apply = ${(applyS / storeS).toFixed(2)}× that)`);
b.db.prepare("DELETE FROM sync_offsets").run();
const [r2, againS] = await time(() => syncNow(b.env));
console.log(`re-apply: ${r2.duplicates} operations read again, all skipped (${r2.applied} applied) in ${againS.toFixed(2)} s`);
b.db.close();

// The commands as the launcher runs them: from a bundle like the one `npm install` builds (dist/bench-sync/).
must(homes[1]!, ["--version"]);
const built = spawnSync(BUN, ["scripts/build.ts", "--out", "bench-sync"], { cwd: ROOT, encoding: "utf8" });
if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
const BUNDLE = join(ROOT, "dist", "bench-sync", "main.js");
const env = paiEnv(homes[1]!);
const { times, errors } = roundRobin(
  [
    { label: "bun -e 0", cmd: BUN, argv: ["-e", "0"], env },
    { label: "pai sync now", cmd: BUN, argv: [BUNDLE, "sync", "now"], env },
    { label: "pai memory stats", cmd: BUN, argv: [BUNDLE, "memory", "stats"], env },
    { label: "pai sync status", cmd: BUN, argv: [BUNDLE, "sync", "status"], env },
  ],
  RUNS,
  2,
);
for (const [k, v] of errors) console.log(`error in ${k}: ${v}`);
const med = (k: string) => quantile([...times.get(k)!].sort((x, y) => x - y), 0.5);
const bare = med("bun -e 0");
const now = med("pai sync now");
const stats = med("pai memory stats");
console.log(
  `pai sync now, nothing new (${N} items): ${now.toFixed(0)} ms median vs bun -e 0 ${bare.toFixed(0)} ms: +${(now - bare).toFixed(0)} ms (target ≤ +60 ms); ` +
    `beside it pai memory stats +${(stats - bare).toFixed(0)} ms, pai sync status +${(med("pai sync status") - bare).toFixed(0)} ms; ${RUNS} runs each, round-robin`,
);
rmSync(dir, { recursive: true, force: true });
