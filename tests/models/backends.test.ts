import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { EnvironmentError } from "../../src/kernel/errors.ts";
import { getBackend, listCalls, numCtxFor, resolveModel, todayLine, type ChatEvent } from "../../src/models/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import type { FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { join } from "node:path";
import { createServer } from "node:net";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const config = (over: Record<string, any> = {}) => configSchema.parse({ backend: { retries: 2, backoffMs: 1, timeoutMs: 5000 }, ...over });

async function collect(it: AsyncIterable<ChatEvent>) {
  let text = "";
  const calls: any[] = [];
  let done: any;
  for await (const ev of it) {
    if (ev.type === "text") text += ev.text;
    else if (ev.type === "tool_call") calls.push(ev.call);
    else done = ev;
  }
  return { text, calls, done };
}

function db() {
  return openDatabase(join(tmpDir(), "pai.db"));
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as any).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("num_ctx", () => {
  it("is a power of two of at least 2048 that fits the prompt and the answer", () => {
    expect(numCtxFor(10)).toBe(2048);
    expect(numCtxFor(1500, 1024)).toBe(4096);
    expect(numCtxFor(7000, 1024)).toBe(8192);
    expect(numCtxFor(8000, 1024)).toBe(16384);
  });
});

describe("resolving backend and model", () => {
  it("uses flags, then models.<purpose>, then backend.default", () => {
    const c = config({ models: { answer: { backend: "anthropic", model: "claude-x" }, extract: { model: "qwen3" } } });
    expect(resolveModel({ purpose: "answer", config: c })).toEqual({ backend: "anthropic", model: "claude-x" });
    expect(resolveModel({ purpose: "extract", config: c })).toEqual({ backend: "ollama", model: "qwen3" });
    expect(resolveModel({ purpose: "answer", backend: "ollama", config: c })).toEqual({ backend: "ollama", model: "llama3.2" });
    expect(resolveModel({ purpose: "answer", model: "m", config: c })).toEqual({ backend: "anthropic", model: "m" });
    expect(resolveModel({ purpose: "embed", config: config() })).toEqual({ backend: "ollama", model: "nomic-embed-text" });
  });
});

describe("Ollama backend (ollama client against a loopback server)", () => {
  it("streams text, sends num_ctx sized to the prompt, reports usage and logs the call", async () => {
    const s = await startFakeOllama({ reply: "Lyon is in France." });
    servers.push(s);
    const d = db();
    const now = new Date(2026, 11, 4, 21, 40);
    const b = getBackend({ purpose: "answer", config: config(), db: d, env: { OLLAMA_HOST: s.url }, now: () => now });
    const long = "context ".repeat(3000);
    const r = await collect(b.chat({ purpose: "answer", system: long, messages: [{ role: "user", content: "where is Lyon?" }], exchangeId: "ex1" }));
    expect(r.text).toBe("Lyon is in France.");
    expect(r.done.usage.outputTokens).toBeGreaterThan(0);
    const body = s.requests.find((q) => q.path === "/api/chat")!.body;
    expect(body.stream).toBe(true);
    expect(body.model).toBe("llama3.2");
    expect(body.messages[0]).toEqual({ role: "system", content: `${long.trimEnd()}\n\n${todayLine(now)}` });
    expect(body.options.num_ctx).toBe(8192);
    const calls = listCalls(d);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ backend: "ollama", model: "llama3.2", purpose: "answer", outcome: "ok", exchangeId: "ex1" });
    expect(calls[0]!.inputTokens).toBeGreaterThan(0);
    d.close();
  });

  it("passes tools and returns tool calls", async () => {
    const s = await startFakeOllama({ reply: { toolCalls: [{ name: "get_weather", arguments: { city: "Lyon" } }] } });
    servers.push(s);
    const b = getBackend({ purpose: "answer", config: config(), db: db(), env: { OLLAMA_HOST: s.url } });
    const r = await collect(
      b.chat({
        purpose: "answer",
        messages: [{ role: "user", content: "weather?" }],
        tools: [{ name: "get_weather", description: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } }],
      }),
    );
    expect(r.calls).toEqual([{ id: expect.any(String), name: "get_weather", arguments: { city: "Lyon" } }]);
    expect(r.done.stopReason).toBe("tool_use");
    expect(s.requests[0]!.body.tools[0]).toMatchObject({ type: "function", function: { name: "get_weather" } });
  });

  it("embeds and lists models", async () => {
    const s = await startFakeOllama({ embedDims: 16 });
    servers.push(s);
    const b = getBackend({ purpose: "embed", config: config(), db: db(), env: { OLLAMA_HOST: s.url } });
    const v = await b.embed!(["hello world", "bonjour"]);
    expect(v).toHaveLength(2);
    expect(v[0]).toHaveLength(16);
    expect(s.requests[0]!.body).toEqual({ model: "nomic-embed-text", input: ["hello world", "bonjour"] });
    const models = await b.listModels();
    expect(models.map((m) => m.name)).toEqual(["llama3.2:latest", "nomic-embed-text:latest"]);
    expect(models[1]!.embedding).toBe(true);
    expect((await b.health()).ok).toBe(true);
  });

  it("a missing model gives the 'ollama pull' hint", async () => {
    const s = await startFakeOllama({ models: ["qwen3:latest"] });
    servers.push(s);
    const b = getBackend({ purpose: "answer", config: config(), db: db(), env: { OLLAMA_HOST: s.url } });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "hi" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.hint).toContain("ollama pull llama3.2");
  });

  it("a dead Ollama gives the host and 'ollama serve', without retrying", async () => {
    const port = await closedPort();
    const d = db();
    const b = getBackend({ purpose: "answer", config: config(), db: d, env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "hi" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.hint).toContain("ollama serve");
    expect(listCalls(d).map((c) => c.outcome)).toEqual(["error"]);
    expect((await b.health()).ok).toBe(false);
  });

  it("retries 5xx with backoff and then reports", async () => {
    const s = await startFakeOllama({ status: 503 });
    servers.push(s);
    const d = db();
    const b = getBackend({ purpose: "answer", config: config(), db: d, env: { OLLAMA_HOST: s.url } });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "hi" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(s.requests.filter((r) => r.path === "/api/chat")).toHaveLength(3);
    expect(listCalls(d).map((c) => c.outcome)).toEqual(["error", "retried", "retried"]);
  });

  it("aborting mid-stream ends with an 'aborted' done event and keeps the partial text", async () => {
    const s = await startFakeOllama({ reply: "one two three four five six seven eight", chunkDelayMs: 40 });
    servers.push(s);
    const d = db();
    const b = getBackend({ purpose: "answer", config: config(), db: d, env: { OLLAMA_HOST: s.url } });
    const ctrl = new AbortController();
    let text = "";
    let done: any;
    for await (const ev of b.chat({ purpose: "answer", messages: [{ role: "user", content: "count" }], signal: ctrl.signal })) {
      if (ev.type === "text") {
        text += ev.text;
        if (text.includes("two")) ctrl.abort();
      } else if (ev.type === "done") done = ev;
    }
    expect(done.stopReason).toBe("aborted");
    expect(text.startsWith("one two")).toBe(true);
    expect(text).not.toContain("eight");
    expect(listCalls(d)[0]!.outcome).toBe("aborted");
  });
});

describe("Anthropic backend (@anthropic-ai/sdk against a loopback server)", () => {
  const env = (url: string) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: "test-key" });

  it("streams SSE text with usage, sending the key only as a header", async () => {
    const s = await startFakeAnthropic({ reply: "Bonjour from the cloud." });
    servers.push(s);
    const d = db();
    const now = new Date(2026, 11, 4, 21, 40);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: d, env: env(s.url), now: () => now });
    const r = await collect(b.chat({ purpose: "answer", system: "be brief", messages: [{ role: "user", content: "hi" }], exchangeId: "x" }));
    expect(r.text).toBe("Bonjour from the cloud.");
    expect(r.done).toMatchObject({ stopReason: "end", model: "claude-sonnet-4-6" });
    expect(r.done.usage.inputTokens).toBeGreaterThan(0);
    const q = s.requests[0]!;
    expect(q.path).toBe("/v1/messages");
    expect(q.headers["x-api-key"] ?? q.headers.authorization).toMatch(/test-key$/);
    expect(JSON.stringify(q.body)).not.toContain("test-key");
    expect(q.body).toMatchObject({ model: "claude-sonnet-4-6", stream: true, system: `be brief\n\n${todayLine(now)}`, messages: [{ role: "user", content: "hi" }] });
    const calls = listCalls(d);
    expect(calls[0]).toMatchObject({ backend: "anthropic", outcome: "ok", exchangeId: "x" });
    expect(JSON.stringify(calls)).not.toContain("test-key");
  });

  it("assembles tool_use input from input_json_delta events", async () => {
    const s = await startFakeAnthropic({ reply: { content: "Let me check.", toolCalls: [{ name: "lookup", arguments: { q: "lyon", n: 3 } }] } });
    servers.push(s);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: db(), env: env(s.url) });
    const r = await collect(
      b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }], tools: [{ name: "lookup", description: "d", parameters: { type: "object" } }] }),
    );
    expect(r.text).toBe("Let me check.");
    expect(r.calls).toEqual([{ id: expect.stringMatching(/^toolu_/), name: "lookup", arguments: { q: "lyon", n: 3 } }]);
    expect(r.done.stopReason).toBe("tool_use");
    expect(s.requests[0]!.body.tools[0]).toEqual({ name: "lookup", description: "d", input_schema: { type: "object" } });
  });

  it("retries 429 then succeeds; every attempt is logged", async () => {
    const s = await startFakeAnthropic({ status: [429, 200], reply: "ok" });
    servers.push(s);
    const d = db();
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: d, env: env(s.url) });
    const r = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }] }));
    expect(r.text).toBe("ok");
    expect(listCalls(d).map((c) => c.outcome)).toEqual(["ok", "retried"]);
  });

  it("529 overloaded is retried and then reported as one line", async () => {
    const s = await startFakeAnthropic({ status: 529 });
    servers.push(s);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: db(), env: env(s.url) });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/overloaded \(after 3 attempts\)/);
    expect(s.requests).toHaveLength(3);
  });

  it("401 is not retried and says to check the key", async () => {
    const s = await startFakeAnthropic({ status: 401 });
    servers.push(s);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: db(), env: env(s.url) });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toContain("401");
    expect(err.hint).toContain("ANTHROPIC_API_KEY");
    expect(s.requests).toHaveLength(1);
  });

  it("a missing key is reported before any request", async () => {
    const s = await startFakeAnthropic();
    servers.push(s);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: db(), env: { ANTHROPIC_BASE_URL: s.url } });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe("no Anthropic API key");
    expect(s.requests).toHaveLength(0);
  });

  it("an error event in the middle of the stream is reported, not retried after text was shown", async () => {
    const s = await startFakeAnthropic({ reply: "a b c d e f", errorType: "overloaded_error" });
    servers.push(s);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: db(), env: env(s.url) });
    const err = await collect(b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }] })).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/overloaded/);
    expect(s.requests).toHaveLength(1);
  });

  it("lists models through GET /v1/models", async () => {
    const s = await startFakeAnthropic();
    servers.push(s);
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: config(), db: db(), env: env(s.url) });
    expect((await b.listModels()).map((m) => m.name)).toContain("claude-sonnet-4-6");
    expect((await b.health()).ok).toBe(true);
  });
});

describe("the loopback servers also speak the non-streaming forms", () => {
  it("Ollama: /api/chat with stream false returns one message with tool calls", async () => {
    const { Ollama } = await import("ollama");
    const s = await startFakeOllama({ reply: { content: "checking", toolCalls: [{ name: "f", arguments: { a: 1 } }] } });
    servers.push(s);
    const r = await new Ollama({ host: s.url }).chat({ model: "llama3.2", messages: [{ role: "user", content: "x" }], stream: false });
    expect(r.message.content).toBe("checking");
    expect(r.message.tool_calls?.[0]?.function).toMatchObject({ name: "f", arguments: { a: 1 } });
    expect(r.done).toBe(true);
    expect(r.eval_count).toBeGreaterThan(0);
  });

  it("Anthropic: /v1/messages without stream returns the message JSON", async () => {
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const s = await startFakeAnthropic({ reply: { content: "hi", toolCalls: [{ name: "g", arguments: { b: "c" } }] } });
    servers.push(s);
    const r = await new Anthropic({ apiKey: "test-key", baseURL: s.url, maxRetries: 0 }).messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "x" }],
    });
    expect(r.content[0]).toEqual({ type: "text", text: "hi" });
    expect(r.content[1]).toMatchObject({ type: "tool_use", name: "g", input: { b: "c" } });
    expect(r.stop_reason).toBe("tool_use");
    expect(r.usage.input_tokens).toBeGreaterThan(0);
  });

  it("honours Retry-After when it asks for longer than the backoff, up to 30 s", async () => {
    const { retryDelay } = await import("../../src/models/wrapper.ts");
    const { BackendFailure } = await import("../../src/models/errors.ts");
    const f = (ms?: number) => new BackendFailure("anthropic", "rate_limit", "x", { retryAfterMs: ms });
    expect(retryDelay(500, 1, f())).toBe(500);
    expect(retryDelay(500, 3, f())).toBe(2000);
    expect(retryDelay(500, 1, f(5000))).toBe(5000);
    expect(retryDelay(500, 1, f(120_000))).toBe(30_000);
    expect(retryDelay(500, 3, f(0))).toBe(2000);
  });
});
