/**
 * A loopback server speaking Ollama's HTTP API (the parts pai uses): POST /api/chat (NDJSON streaming and
 * non-streaming, tool calls), POST /api/embed, GET /api/tags, GET /api/version. Tests set OLLAMA_HOST=url.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenLoopback } from "./loopback.ts";

export type FakeReply = string | { toolCalls?: { name: string; arguments: object }[]; content?: string };

export interface FakeOllamaOptions {
  reply?: FakeReply | ((body: any) => FakeReply);
  embedDims?: number;
  /** Installed models (default llama3.2:latest and nomic-embed-text:latest); others answer 404 like Ollama. */
  models?: string[];
  /** Answer every POST with this HTTP status and an Ollama error body. */
  status?: number;
  /** Delay between streamed chunks, in milliseconds (for interruption tests). */
  chunkDelayMs?: number;
  /** Characters per streamed chunk (default: one word per chunk). */
  chunkChars?: number;
  /** /api/embed answers with conceptEmbedding (meaningful similarity) instead of fakeEmbedding. */
  concepts?: boolean;
  /** Delay before each /api/embed answer, in milliseconds (for interruption tests). */
  embedDelayMs?: number;
}

export interface FakeServer {
  url: string;
  requests: { path: string; body: any; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}

export async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function splitChunks(text: string, chunkChars?: number): string[] {
  if (!text) return [];
  if (chunkChars && chunkChars > 0) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += chunkChars) out.push(text.slice(i, i + chunkChars));
    return out;
  }
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

export function fakeEmbedding(text: string, dims: number): number[] {
  // Deterministic: a hashed bag of words, normalised, so similar texts get similar vectors.
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[Math.abs(h) % dims]! += 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/**
 * Groups of words that share a meaning: each group is one axis of the vector, so texts about the same thing
 * are near each other even when they share no word ("what do I drink" and "an oat-milk flat white").
 */
export const CONCEPTS: readonly (readonly string[])[] = [
  ["drink", "drinks", "coffee", "flat", "white", "espresso", "latte", "tea", "milk", "oat", "morning", "cup", "caffeine"],
  ["allergy", "allergic", "penicillin", "medicine", "doctor", "drug", "rash"],
  ["city", "moved", "live", "lyon", "paris", "apartment", "home"],
  ["climb", "climbing", "bouldering", "mountain", "hike", "hiking"],
];

/**
 * Deterministic embeddings with meaning: a word of a concept group adds 1 on that group's axis; any other word
 * adds 0.15 on an axis hashed from it (after the groups' axes), so unrelated texts are nearly orthogonal.
 * Normalised; at least CONCEPTS.length + 4 dimensions.
 */
export function conceptEmbedding(text: string, dims: number): number[] {
  const n = Math.max(dims, CONCEPTS.length + 4);
  const v = new Array<number>(n).fill(0);
  for (const w of text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)) {
    const g = CONCEPTS.findIndex((words) => words.includes(w));
    if (g >= 0) {
      v[g]! += 1;
      continue;
    }
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[CONCEPTS.length + (Math.abs(h) % (n - CONCEPTS.length))]! += 0.15;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeServer> {
  const models = opts.models ?? ["llama3.2:latest", "nomic-embed-text:latest"];
  const dims = opts.embedDims ?? 8;
  const requests: FakeServer["requests"] = [];
  const installed = (name: string) => models.some((m) => m === name || m === `${name}:latest`);
  const notFound = (res: ServerResponse, model: string) => sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });

  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const body = req.method === "POST" ? await readBody(req) : undefined;
    requests.push({ path, body, headers: req.headers });
    try {
      if (req.method === "GET" && path === "/api/version") return sendJson(res, 200, { version: "0.12.6" });
      if (req.method === "GET" && path === "/api/tags") {
        return sendJson(res, 200, {
          models: models.map((name, i) => ({
            name,
            model: name,
            modified_at: "2026-01-15T10:00:00.000000000Z",
            size: 2_019_393_189 + i,
            digest: `sha256:${String(i).padStart(64, "0")}`,
            details: {
              parent_model: "",
              format: "gguf",
              family: /embed/.test(name) ? "nomic-bert" : "llama",
              families: [/embed/.test(name) ? "nomic-bert" : "llama"],
              parameter_size: /embed/.test(name) ? "137M" : "3.2B",
              quantization_level: "Q4_K_M",
            },
          })),
        });
      }
      if (req.method === "GET" && path === "/") {
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end("Ollama is running");
      }
      if (req.method !== "POST") return sendJson(res, 404, { error: "not found" });
      if (opts.status && opts.status !== 200) return sendJson(res, opts.status, { error: `fake ollama error ${opts.status}` });

      if (path === "/api/embed") {
        if (!installed(body.model)) return notFound(res, body.model);
        const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
        if (opts.embedDelayMs) await sleep(opts.embedDelayMs);
        if (res.destroyed) return;
        return sendJson(res, 200, {
          model: body.model,
          embeddings: input.map((t) => (opts.concepts ? conceptEmbedding(t, dims) : fakeEmbedding(t, dims))),
          total_duration: 14_143_917,
          load_duration: 1_019_500,
          prompt_eval_count: input.reduce((n, t) => n + Math.ceil(t.length / 4), 0),
        });
      }

      if (path === "/api/chat") {
        if (!installed(body.model)) return notFound(res, body.model);
        const r = typeof opts.reply === "function" ? opts.reply(body) : (opts.reply ?? "Hello from the local model.");
        const reply = typeof r === "string" ? { content: r } : r;
        const content = reply.content ?? "";
        const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({ function: { index: i, name: c.name, arguments: c.arguments } }));
        const promptEval = Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
        const evalCount = Math.max(1, splitChunks(content).length + toolCalls.length);
        const at = () => new Date().toISOString();
        const final = {
          model: body.model,
          created_at: at(),
          message: { role: "assistant", content: "" },
          done_reason: "stop",
          done: true,
          total_duration: 4_883_583_458,
          load_duration: 1_334_875,
          prompt_eval_count: promptEval,
          prompt_eval_duration: 342_546_000,
          eval_count: evalCount,
          eval_duration: 4_535_599_000,
        };
        if (body.stream === false) {
          return sendJson(res, 200, {
            ...final,
            message: { role: "assistant", content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          });
        }
        res.writeHead(200, { "content-type": "application/x-ndjson", "transfer-encoding": "chunked" });
        for (const chunk of splitChunks(content, opts.chunkChars)) {
          if (res.destroyed) return;
          res.write(`${JSON.stringify({ model: body.model, created_at: at(), message: { role: "assistant", content: chunk }, done: false })}\n`);
          if (opts.chunkDelayMs) await sleep(opts.chunkDelayMs);
        }
        if (toolCalls.length) {
          res.write(
            `${JSON.stringify({ model: body.model, created_at: at(), message: { role: "assistant", content: "", tool_calls: toolCalls }, done: false })}\n`,
          );
        }
        res.end(`${JSON.stringify(final)}\n`);
        return;
      }
      return sendJson(res, 404, { error: "not found" });
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    }
  });
  const { url, close } = await listenLoopback(server);
  return { url, requests, close };
}
