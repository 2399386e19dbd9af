import { join } from "node:path";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ask } from "../../src/conversation/ask.ts";
import { DEFAULT_INSTRUCTIONS } from "../../src/conversation/prompt.ts";
import { DECISIONS_JSON_SCHEMA, EXTRACTED_JSON_SCHEMA } from "../../src/conversation/learn.ts";
import { learningNotices, learnPending, noticeLine } from "../../src/conversation/learner.ts";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { listCalls } from "../../src/models/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

function home() {
  const h = initHome(tmpDir());
  const p = paths(h);
  writeFileSync(p.config, JSON.stringify({ user: { name: "Ada" }, backend: { retries: 1, backoffMs: 1 } }));
  return p;
}

/** Replies to answers with `answer`, to extraction with `extract`, to decisions with `decide`. */
function modelReply(answer: string, extract = '{"items": []}', decide = '{"decisions": []}') {
  return (body: any) => {
    const sys = JSON.stringify(body.messages?.[0] ?? "") + JSON.stringify(body.system ?? "");
    if (sys.includes("You extract durable facts")) return extract;
    if (sys.includes("You keep a personal memory")) return decide;
    return answer;
  };
}

describe("ask (local backend)", () => {
  it("sends the context with num_ctx, streams, stores an episode with the memory ids used, logs the call", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: modelReply("You live in Lyon.") });
    servers.push(s);
    const db = openDatabase(p.db);
    const config = loadConfig(p.config);
    const mem = openMemory(db, config);
    const lyon = mem.remember({ content: "I moved to Lyon in March", kind: "fact", createdAt: "2020-03-01" }).item;
    expect(mem.get(lyon.id)).toMatchObject({ tier: "cold", useCount: 0 });
    const deltas: string[] = [];
    const r = await ask("where did I move?", { paths: p, db, config, env: { OLLAMA_HOST: s.url }, onText: (t) => deltas.push(t) });
    expect(r.answer).toBe("You live in Lyon.");
    expect(deltas.length).toBeGreaterThan(1);
    expect(r.memoryIds).toContain(lyon.id);
    const chat = s.requests.find((q) => q.path === "/api/chat")!.body;
    expect(chat.messages[0].role).toBe("system");
    expect(chat.messages[0].content).toContain("I moved to Lyon in March");
    expect(chat.messages.at(-1)).toEqual({ role: "user", content: "where did I move?" });
    expect(chat.options.num_ctx).toBeGreaterThanOrEqual(2048);
    const ep = mem.get(r.episodeId!)!;
    expect(ep.kind).toBe("episode");
    expect(ep.content).toContain("where did I move?");
    expect(ep.content).toContain("You live in Lyon.");
    expect(ep.meta).toMatchObject({ exchange_id: r.exchangeId, interrupted: false, memory_ids: r.memoryIds });
    expect(ep.derivedFrom).toEqual(r.memoryIds);
    expect(listCalls(db, { exchangeId: r.exchangeId }).map((c) => c.purpose)).toContain("answer");
    // The memory the answer was given with is warmed once it has answered.
    expect(mem.get(lyon.id)).toMatchObject({ tier: "hot", useCount: 1 });
    db.close();
  });

  it("--incognito stores nothing, and warms nothing", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: modelReply("ok") });
    servers.push(s);
    const db = openDatabase(p.db);
    const plans = openMemory(db, loadConfig(p.config)).remember({ content: "The secret plans are in the attic", kind: "fact", createdAt: "2020-03-01" }).item;
    const before = openMemory(db, loadConfig(p.config)).stats().total;
    const r = await ask("secret plans", { paths: p, db, config: loadConfig(p.config), incognito: true, env: { OLLAMA_HOST: s.url } });
    expect(r.episodeId).toBeUndefined();
    expect(r.memoryIds).toContain(plans.id);
    expect(openMemory(db, loadConfig(p.config)).get(plans.id)).toMatchObject({ tier: "cold", useCount: 0 });
    expect(openMemory(db, loadConfig(p.config)).stats().total).toBe(before);
    expect(s.requests.filter((q) => q.path === "/api/chat")).toHaveLength(1);
    db.close();
  });

  it("learns a fact derived from the episode, and updates a similar one by superseding it", async () => {
    const p = home();
    const db = openDatabase(p.db);
    const config = loadConfig(p.config);
    const mem = openMemory(db, config);
    const old = mem.remember({ content: "The user works at Acme as an engineer.", kind: "fact" }).item;
    const s = await startFakeOllama({
      reply: modelReply(
        "Congratulations!",
        JSON.stringify({ items: [{ content: "The user works at Globex as an engineer.", kind: "fact" }, { content: "The user prefers short answers.", kind: "preference" }] }),
        JSON.stringify({ decisions: [{ item: 0, action: "update", target: old.id }] }),
      ),
    });
    servers.push(s);
    const r = await ask("I now work at Globex, keep answers short", { paths: p, db, config, env: { OLLAMA_HOST: s.url } });
    // The exchange is queued; the learner learns from it (pai ask starts one in the background).
    expect(r.learning).toBe("pending");
    const learned = (await learnPending({ db, config, env: { OLLAMA_HOST: s.url } })).learnedIds;
    expect(learned).toHaveLength(2);
    const [a, b] = learned.map((id) => mem.get(id)!);
    expect(a!.content).toBe("The user works at Globex as an engineer.");
    expect(a!.supersedes).toBe(old.id);
    expect(a!.derivedFrom).toEqual([r.episodeId]);
    expect(mem.get(old.id)!.supersededBy).toBe(a!.id);
    expect(b!.kind).toBe("preference");
    expect(b!.derivedFrom).toEqual([r.episodeId]);
    // Structured output: the extraction and the decision each send the JSON Schema of their answer in `format`.
    const [, extractBody, decideBody] = s.requests.filter((q) => q.path === "/api/chat").map((q) => q.body);
    expect(extractBody.format).toEqual(EXTRACTED_JSON_SCHEMA);
    expect(extractBody.format).toMatchObject({ type: "object", required: ["items"], properties: { items: { type: "array" } } });
    expect(extractBody.format.properties.items.items.properties.kind.enum).toEqual(["fact", "preference"]);
    expect(decideBody.format).toEqual(DECISIONS_JSON_SCHEMA);
    expect(learningNotices(db, config).map(noticeLine)).toEqual([
      `learned mem:${a!.id} "The user works at Globex as an engineer." (replaces mem:${old.id}) — undo: pai memory forget ${a!.id}`,
      `learned mem:${b!.id} "The user prefers short answers." — undo: pai memory forget ${b!.id}`,
    ]);
    // Each told once.
    expect(learningNotices(db, config)).toEqual([]);
    db.close();
  });

  it("malformed extraction output stores nothing and is marked in the call log", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: modelReply("Sure.", '{"items": [{"content": 42}]}') });
    servers.push(s);
    const db = openDatabase(p.db);
    const config = loadConfig(p.config);
    const r = await ask("I love climbing", { paths: p, db, config, env: { OLLAMA_HOST: s.url } });
    expect(r.learning).toBe("pending");
    expect((await learnPending({ db, config, env: { OLLAMA_HOST: s.url } })).learnedIds).toEqual([]);
    expect(learningNotices(db, config).map(noticeLine)).toEqual([
      `nothing learned from "I love climbing" (the model's answer was not valid JSON); the exchange stays stored as mem:${r.episodeId}`,
    ]);
    const mem = openMemory(db, config);
    expect(mem.list({}).filter((m) => m.source === "learned")).toEqual([]);
    const calls = listCalls(db, { exchangeId: r.exchangeId });
    expect(calls.find((c) => c.purpose === "extract")!.outcome).toBe("malformed");
    db.close();
  });
});

describe("ask (cloud backend)", () => {
  it("sends nothing private and redacts secrets from the whole prompt", async () => {
    const p = home();
    writeFileSync(join(p.telos, "goals.md"), "---\ntitle: Goals\nvisibility: private\n---\n- G1: Secret goal: buy the competitor\n");
    const s = await startFakeAnthropic({ reply: "Noted." });
    servers.push(s);
    const db = openDatabase(p.db);
    const config = loadConfig(p.config);
    const mem = openMemory(db, config);
    mem.remember({ content: "My therapist is Dr Who", kind: "fact", visibility: "private" });
    mem.remember({ content: "I like green tea", kind: "preference", visibility: "shareable" });
    const key = "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0".repeat(3);
    const r = await ask(`what tea do I like? my key is ${key}`, {
      paths: p,
      db,
      config,
      backend: "anthropic",
      env: { ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: "test-key" },
    });
    expect(r.answer).toBe("Noted.");
    const sent = JSON.stringify(s.requests.find((q) => q.path === "/v1/messages")!.body);
    expect(sent).toContain("green tea");
    expect(sent).not.toContain("Dr Who");
    expect(sent).not.toContain("buy the competitor");
    expect(sent).not.toContain(key);
    expect(sent).toContain("[REDACTED:");
    // Learning is off for cloud exchanges unless learning.cloud is set: only one request went out.
    expect(s.requests.filter((q) => q.path === "/v1/messages")).toHaveLength(1);
    db.close();
  });
});

describe("pai ask (the CLI)", () => {
  it("streams the answer to stdout and --json prints the stable shape", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: modelReply("Forty-two.") });
    servers.push(s);
    const r1 = await paiAsync(["ask", "what", "is", "the", "answer?"], { home: p.home, env: { OLLAMA_HOST: s.url } });
    expect(r1.stderr).toBe("");
    expect(r1.code).toBe(0);
    expect(r1.stdout).toBe("Forty-two.\n");
    const r2 = await paiAsync(["ask", "--json", "-"], { home: p.home, input: "piped question\n", env: { OLLAMA_HOST: s.url } });
    expect(r2.code).toBe(0);
    const out = JSON.parse(r2.stdout);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["answer", "memory_ids", "usage", "exchange_id", "backend", "model"]));
    expect(out).toMatchObject({ answer: "Forty-two.", backend: "ollama", model: "llama3.2" });
    expect(Object.keys(out.usage).sort()).toEqual(["input_tokens", "output_tokens"]);
    expect(s.requests.some((q) => JSON.stringify(q.body ?? "").includes("piped question"))).toBe(true);
    const r3 = await paiAsync(["ask", "review this", "-"], { home: p.home, input: "diff --git a/x b/x\n", env: { OLLAMA_HOST: s.url } });
    expect(r3.code).toBe(0);
    const last = s.requests.filter((q) => q.path === "/api/chat").map((q) => q.body.messages.at(-1).content);
    expect(last).toContain("review this\n\ndiff --git a/x b/x");
    const log = await paiAsync(["log", "--json", "--limit", "50"], { home: p.home });
    expect(JSON.parse(log.stdout).some((c: any) => c.exchange_id === out.exchange_id && c.purpose === "answer")).toBe(true);
  });

  it("--continue sends the stored conversation; a cloud backend gets only the exchanges it answered", async () => {
    const p = home();
    const ollama = await startFakeOllama({ reply: (b: any) => modelReply(`Answer ${b.messages.filter((m: any) => m.role === "user").length}.`)(b) });
    const anthropic = await startFakeAnthropic({ reply: "Cloud answer." });
    servers.push(ollama, anthropic);
    const env = { OLLAMA_HOST: ollama.url, ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: "test-key" };
    const run = (...args: string[]) => paiAsync(["ask", ...args], { home: p.home, env });
    const chats = () => ollama.requests.filter((q) => q.path === "/api/chat" && !JSON.stringify(q.body.messages[0]).includes("You extract"));

    const none = await run("-c", "and then?");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^pai: there is no earlier 'pai ask' exchange to continue — ask without --continue\n$/);

    expect((await run("where is Lyon?")).stdout).toBe("Answer 1.\n");
    const second = JSON.parse((await run("-c", "--json", "how far from Paris?")).stdout);
    expect(second.answer).toBe("Answer 2.");
    expect(chats().at(-1)!.body.messages.slice(1)).toEqual([
      { role: "user", content: "where is Lyon?" },
      { role: "assistant", content: "Answer 1." },
      { role: "user", content: "how far from Paris?" },
    ]);
    const third = JSON.parse((await run("--continue", "--json", "by train?")).stdout);
    expect(third.continues).toBe(second.episode_id);
    expect(chats().at(-1)!.body.messages.slice(1).map((m: any) => m.content)).toEqual(["where is Lyon?", "Answer 1.", "how far from Paris?", "Answer 2.", "by train?"]);

    // A cloud follow-up: the three local exchanges are private memories, left out (and said so).
    const cloud = await run("-c", "--backend", "anthropic", "and by plane?");
    expect(cloud.stdout).toBe("Cloud answer.\n");
    expect(cloud.stderr).toBe("pai: 3 earlier exchanges were answered by a local model and left out of this cloud request\n");
    const sent = anthropic.requests.filter((q) => q.path === "/v1/messages").at(-1)!.body;
    expect(sent.messages).toEqual([{ role: "user", content: "and by plane?" }]);
    // The next cloud follow-up gets the cloud exchange, still none of the local ones.
    expect((await run("-c", "--backend", "anthropic", "how long?")).code).toBe(0);
    const next = anthropic.requests.filter((q) => q.path === "/v1/messages").at(-1)!.body;
    expect(next.messages.map((m: any) => m.content)).toEqual(["and by plane?", "Cloud answer.", "how long?"]);
    expect(JSON.stringify(next)).not.toContain("Lyon?");
  });

  it("the instructions come from system/prompts/answer.md, and user/overrides/prompts/answer.md replaces it", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: modelReply("Aye.") });
    servers.push(s);
    const shipped = readFileSync(join(p.system, "prompts", "answer.md"), "utf8").trim();
    expect(shipped).toBe(DEFAULT_INSTRUCTIONS);
    // The system prompt of the answer to `question` (learning makes a call of its own afterwards).
    const system = (question: string) =>
      s.requests.find((q) => q.path === "/api/chat" && q.body.messages.at(-1).content === question)!.body.messages[0].content as string;
    expect((await paiAsync(["ask", "hello"], { home: p.home, env: { OLLAMA_HOST: s.url } })).code).toBe(0);
    expect(system("hello").startsWith(`${shipped}\n\n# What you know about the user`)).toBe(true);
    mkdirSync(join(p.overrides, "prompts"), { recursive: true });
    writeFileSync(join(p.overrides, "prompts", "answer.md"), "Answer like a pirate.\n");
    expect((await paiAsync(["ask", "hello again"], { home: p.home, env: { OLLAMA_HOST: s.url } })).code).toBe(0);
    expect(system("hello again").startsWith("Answer like a pirate.\n\n# What you know about the user")).toBe(true);
  });

  it("a dead Ollama exits 3 with the host and 'ollama serve'", async () => {
    const p = home();
    const r = await paiAsync(["ask", "hello"], { home: p.home, env: { OLLAMA_HOST: "http://127.0.0.1:9" } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pai: cannot reach Ollama at http:\/\/127\.0\.0\.1:9 — start it with 'ollama serve'/);
  });

  it("a missing Anthropic key exits 3 and says so", async () => {
    const p = home();
    const r = await paiAsync(["ask", "--backend", "anthropic", "hello"], { home: p.home, env: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: "http://127.0.0.1:9" } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pai: no Anthropic API key — set ANTHROPIC_API_KEY/);
  });

  it("an unknown backend is a usage error", async () => {
    const p = home();
    const r = await paiAsync(["ask", "--backend", "gpt", "hello"], { home: p.home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown backend 'gpt'/);
  });
});
