/**
 * Embedding pipeline benchmark: synthetic stores (10k and 100k items by default) in temporary files, embedded
 * through the real pipeline (`embedBacklog`: batches of 32 to a loopback server speaking Ollama's /api/embed,
 * each batch stored in one transaction). For each size it prints the backfill rate, then the cost of the
 * questions asked on the hot paths: the check after a write (is anything recent waiting?) with the whole
 * store embedded and with one new item, whether a search should embed its query, the counts that
 * `pai memory stats` shows, and a query's embedding round trip. The loopback server answers at once, so the
 * rate is pai's own cost (a real model adds its inference time).
 *
 *   bun scripts/bench-embed.ts                   # 10k, 100k
 *   bun scripts/bench-embed.ts --sizes 1000000 --dims 64
 */
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { configSchema } from "../src/config/schema.ts";
import { openDatabase } from "../src/app/db.ts";
import { openMemory } from "../src/memory/index.ts";
import { embedBacklog, hasBacklog, queryEmbedding } from "../src/context/embed.ts";
import { embeddingStore } from "../src/context/embed-store.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const sizes = arg("--sizes", "10000,100000").split(",").map(Number).filter((n) => n > 0);
const dims = Number(arg("--dims", "256"));

/** A deterministic vector of a text: its words hashed onto `dims` axes, normalised. */
function vectorOf(text: string): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[Math.abs(h) % dims]! += 1;
  }
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / n);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.url === "/api/version") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"0.12.6"}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
    const text = JSON.stringify({ model: body.model, embeddings: input.map(vectorOf), total_duration: 1, load_duration: 1, prompt_eval_count: input.length });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const env = { OLLAMA_HOST: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };

const WORDS = "coffee tea Lyon Paris garden bicycle report invoice climbing piano sister doctor flight hotel budget recipe marathon guitar novel roadmap".split(" ");
let seed = 7;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
const sentence = (i: number) => `Item ${i}: ${Array.from({ length: 8 }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(" ")}`;

/** Median milliseconds of `n` runs of fn. */
function median(n: number, fn: () => unknown): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const config = configSchema.parse({ backend: { retries: 0 } });
console.log(`embedding pipeline, ${dims}-dimension vectors from a loopback server, batches of 32`);
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "pai-bench-embed-"));
  const db = openDatabase(join(dir, "pai.db"));
  try {
    const mem = openMemory(db, config);
    for (let i = 0; i < size; i += 5000) {
      mem.rememberMany(
        Array.from({ length: Math.min(5000, size - i) }, (_, j) => ({ content: sentence(i + j), visibility: "shareable" as const })),
        { dedup: false },
      );
    }
    const start = performance.now();
    const r = await embedBacklog({ db, config, env });
    const secs = (performance.now() - start) / 1000;
    const es = embeddingStore(db, config);
    const allEmbedded = median(21, () => hasBacklog(db, config, env, { recent: true }));
    const full = median(5, () => hasBacklog(db, config, env));
    const hasVectors = median(21, () => es.hasVectors("nomic-embed-text"));
    const counts = median(5, () => es.embeddingCounts("nomic-embed-text"));
    mem.remember({ content: "one more thing to embed", visibility: "shareable" });
    const afterWrite = median(21, () => hasBacklog(db, config, env, { recent: true }));
    const q: number[] = [];
    for (let i = 0; i < 21; i++) {
      const s = performance.now();
      await queryEmbedding({ db, config, env }, "what do I drink in the morning");
      q.push(performance.now() - s);
    }
    const query = q.sort((a, b) => a - b)[10]!;
    console.log(
      `${String(size).padStart(8)} items: backfill ${r.embedded} in ${secs.toFixed(1)} s (${Math.round(r.embedded / secs)}/s); ` +
        `check after a write ${afterWrite.toFixed(2)} ms (nothing new: ${allEmbedded.toFixed(2)} ms; whole store: ${full.toFixed(1)} ms); ` +
        `any vector? ${hasVectors.toFixed(3)} ms; counts ${counts.toFixed(1)} ms; query vector (loopback) ${query.toFixed(1)} ms`,
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
server.close();
