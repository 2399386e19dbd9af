/**
 * The cost of the privacy guards on the way to a cloud model: secret redaction of a large prompt (done for
 * every text the Anthropic backend sends), and the private-line filter a skill applies to tool output bound
 * for a cloud model (built once per skill run from the private Telos files and private memories, then applied
 * to each tool result). Prints medians and p95 over many runs.
 *
 *   npx bun scripts/bench-privacy.ts
 *   npx bun scripts/bench-privacy.ts --memories 50000
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/index.ts";
import { initUser } from "../src/admin/init.ts";
import { openMemory } from "../src/memory/index.ts";
import { redactSecrets } from "../src/kernel/redact.ts";
import { privateFilter } from "../src/packs/external.ts";
import { paths } from "../src/kernel/paths.ts";
import { openDatabase } from "../src/app/db.ts";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const MEMORIES = arg("--memories", 20_000);

function stats(times: number[]): string {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms (${s.length} runs)`;
}

// 1. Redaction of a ~32 KB prompt of ordinary prose (the common case) and of one with secrets in it.
const prose = "The user is working on the garden project and wants to finish the shed by May; the keys to the shed are in the drawer. ".repeat(270);
const withSecrets = `${prose.slice(0, 16_000)} my key is sk-ant-api03-${"x7Yq2Lm9".repeat(10)} and ghp_${"R7tY2uI9oP3aS6dF1gH8".repeat(2).slice(0, 36)} ${prose.slice(16_000)}`;
for (const [name, text] of [
  ["prose", prose],
  ["prose with two keys", withSecrets],
] as const) {
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    redactSecrets(text);
    times.push(performance.now() - t);
  }
  console.log(`redactSecrets, ${text.length} chars of ${name}: ${stats(times)}`);
}

// 2. The private-line filter with a memory of MEMORIES private items.
const home = mkdtempSync(join(tmpdir(), "pai-bench-privacy-"));
try {
  const p = paths(home);
  initUser({ name: "Ada", paths: p, openDatabase });
  const db = openDatabase(p.db);
  const mem = openMemory(db, loadConfig(p.config));
  const words = "garden shed lyon cello bicycle louvre marie train annecy lake boat hike semnoz project deadline budget".split(" ");
  const inputs = Array.from({ length: MEMORIES }, (_, i) => ({
    content: `Item ${i}: ${words[i % 17]} ${words[(i * 7) % 17]} ${words[(i * 13) % 17]} note number ${i * 31}`,
    kind: "note" as const,
    visibility: "private" as const,
  }));
  mem.rememberMany(inputs, { dedup: false });
  const output = `${"tool output line\n".repeat(150)}${inputs[1234]!.content}\n${"more output\n".repeat(150)}`;
  const build: number[] = [];
  const apply: number[] = [];
  for (let i = 0; i < 15; i++) {
    let t = performance.now();
    const f = await privateFilter({ paths: p, db });
    build.push(performance.now() - t);
    t = performance.now();
    const r = f(output);
    apply.push(performance.now() - t);
    if (!r.includes("[WITHHELD:private]")) throw new Error("the private line was not withheld");
  }
  console.log(`privateFilter build, ${MEMORIES} private memories: ${stats(build)}`);
  console.log(`privateFilter apply, ${output.length} chars of tool output: ${stats(apply)}`);
  db.close();
} finally {
  rmSync(home, { recursive: true, force: true });
}
