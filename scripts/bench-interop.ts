/**
 * Interop benchmark, in a temporary PAI_HOME with the template Telos and a store of synthetic memories:
 *
 * - `pai mcp` start-up: spawn, initialize and tools/list answered, over 10 runs (median, p90);
 * - MCP tool calls over one connection (memory_search, telos_get, context), 50 calls each (median, p95);
 * - transcript import: a synthetic Claude Code JSONL of 2,000 exchanges (with tool calls and results between
 *   them), parse + store into a fresh database (median of 5), and the idempotent re-import (median of 5);
 * - `pai export agents` and `integrate` install + uninstall, in-process (median of 20).
 *
 *   npx bun scripts/bench-interop.ts
 *   npx bun scripts/bench-interop.ts --memories 20000
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { configSchema } from "../src/config/schema.ts";
import { exportAgents } from "../src/interop/agents.ts";
import { integrate } from "../src/interop/integrate/index.ts";
import { openMemory } from "../src/memory/index.ts";
import { parseClaudeCodeJsonl, storeExchanges } from "../src/memory/io/transcript.ts";
import { paths } from "../src/kernel/paths.ts";
import { openDatabase } from "../src/app/db.ts";
import { withHome } from "../src/app/home.ts";

const args = process.argv.slice(2);
const nMemories = args.includes("--memories") ? Number(args[args.indexOf("--memories") + 1]) : 5000;
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "pai");

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;
const now = () => performance.now();

const root = mkdtempSync(join(tmpdir(), "pai-bench-interop-"));
const home = join(root, "pai");
try {
  const init = spawnSync(BIN, ["init", "--name", "Ada"], { env: { ...process.env, PAI_HOME: home }, encoding: "utf8" });
  if (init.status !== 0) throw new Error(init.stderr);
  const config = configSchema.parse({});
  {
    const db = openDatabase(join(home, "user", "pai.db"));
    const mem = openMemory(db, config);
    const words = "Lyon Paris budget garden marathon sourdough server backup invoice passport guitar novel kayak visa".split(" ");
    const inputs = Array.from({ length: nMemories }, (_, i) => ({
      content: `Memory ${i}: ${words[i % words.length]} and ${words[(i * 7) % words.length]} with note ${i % 97}`,
      kind: "fact" as const,
      visibility: (i % 3 === 0 ? "private" : "shareable") as "private" | "shareable",
      createdAt: new Date(Date.now() - (i % 400) * 86_400_000).toISOString(),
    }));
    mem.rememberMany(inputs, { dedup: false });
    db.close();
  }
  console.log(`pai interop benchmark (${nMemories} memories in the store)\n`);

  // ---- MCP start-up ----------------------------------------------------------------------------
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.PAI_HOME = home;
  const startups: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = now();
    const client = new Client({ name: "bench", version: "1" });
    await client.connect(new StdioClientTransport({ command: BIN, args: ["mcp"], env, stderr: "ignore" }));
    await client.listTools();
    startups.push(now() - t0);
    await client.close();
  }
  console.log(`pai mcp start-up to tools/list        median ${ms(pct(startups, 50))}  p90 ${ms(pct(startups, 90))}  (10 runs)`);

  // ---- MCP calls -------------------------------------------------------------------------------
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StdioClientTransport({ command: BIN, args: ["mcp"], env, stderr: "ignore" }));
  const queries = ["Lyon budget", "garden", "marathon sourdough", "server backup", "passport visa", "guitar"];
  for (const [name, argsFor] of [
    ["memory_search", (i: number) => ({ query: queries[i % queries.length]! })],
    ["telos_get", (_i: number) => ({})],
    ["context", (i: number) => ({ query: queries[i % queries.length]! })],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = now();
      const r = await client.callTool({ name, arguments: argsFor(i) });
      times.push(now() - t0);
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    }
    console.log(`mcp ${name.padEnd(14)} round trip        median ${ms(pct(times, 50))}  p95 ${ms(pct(times, 95))}  (50 calls)`);
  }
  await client.close();

  // ---- transcript import -------------------------------------------------------------------------
  const session = "bench-session";
  const lines: string[] = [];
  const t = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < 2000; i++) {
    const at = (k: number) => new Date(t + i * 60_000 + k * 1000).toISOString();
    lines.push(JSON.stringify({ type: "user", sessionId: session, uuid: `u${i}`, timestamp: at(0), message: { role: "user", content: `Question ${i}: how should I plan the garden and the budget for week ${i % 52}?` } }));
    lines.push(JSON.stringify({ type: "assistant", sessionId: session, uuid: `a${i}`, timestamp: at(1), message: { role: "assistant", content: [{ type: "thinking", thinking: "…" }, { type: "tool_use", id: `t${i}`, name: "Read", input: {} }] } }));
    lines.push(JSON.stringify({ type: "user", sessionId: session, uuid: `r${i}`, timestamp: at(2), message: { role: "user", content: [{ type: "tool_result", tool_use_id: `t${i}`, content: "file contents" }] } }));
    lines.push(JSON.stringify({ type: "assistant", sessionId: session, uuid: `b${i}`, timestamp: at(3), message: { role: "assistant", content: [{ type: "text", text: `Answer ${i}: start with the beds that get morning sun, and keep 10% of the budget aside.` }] } }));
  }
  const jsonl = lines.join("\n");
  const firsts: number[] = [];
  const again: number[] = [];
  for (let run = 0; run < 5; run++) {
    const dir = join(root, `import-${run}`);
    mkdirSync(dir);
    const db = openDatabase(join(dir, "pai.db"));
    const mem = openMemory(db, config);
    let t0 = now();
    const r1 = storeExchanges(mem, parseClaudeCodeJsonl(jsonl));
    firsts.push(now() - t0);
    t0 = now();
    const r2 = storeExchanges(mem, parseClaudeCodeJsonl(jsonl));
    again.push(now() - t0);
    if (r1.added !== 2000 || r2.added !== 0) throw new Error(`unexpected import counts ${r1.added}/${r2.added}`);
    db.close();
  }
  const kb = Math.round(Buffer.byteLength(jsonl) / 1024);
  console.log(`import-transcript 2,000 exchanges (${kb} KiB)  median ${ms(pct(firsts, 50))}  (${Math.round(2000 / (pct(firsts, 50) / 1000))} exchanges/s, 5 runs)`);
  console.log(`re-import (all already there)          median ${ms(pct(again, 50))}  (5 runs)`);

  // ---- export and integrate ------------------------------------------------------------------------
  const p = paths(home);
  const out = join(root, "project");
  mkdirSync(out);
  const exports: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    await withHome((h) => exportAgents({ to: out, paths: h.paths, config: h.config, db: h.db, flavour: "both" }), { paths: p });
    exports.push(now() - t0);
  }
  console.log(`export agents (both files)             median ${ms(pct(exports, 50))}  p90 ${ms(pct(exports, 90))}  (20 runs)`);
  const fakeHome = join(root, "home");
  mkdirSync(join(fakeHome, ".claude"), { recursive: true });
  writeFileSync(join(fakeHome, ".claude", "settings.json"), JSON.stringify({ permissions: { allow: ["Bash(ls)"] }, hooks: {} }, null, 2));
  const cycles: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    integrate({ tool: "claude-code", env: { HOME: fakeHome, PAI_HOME: home }, paths: p });
    integrate({ tool: "claude-code", uninstall: true, env: { HOME: fakeHome, PAI_HOME: home }, paths: p });
    cycles.push(now() - t0);
  }
  console.log(`integrate claude-code install+uninstall median ${ms(pct(cycles, 50))}  p90 ${ms(pct(cycles, 90))}  (20 runs)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
