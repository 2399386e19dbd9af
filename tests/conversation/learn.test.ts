import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { consolidateWithModel, learnFromExchange, parseModelJson, ExtractedSchema, EXTRACTED_JSON_SCHEMA } from "../../src/conversation/learn.ts";
import { openMemory } from "../../src/memory/index.ts";
import { getBackend, listCalls } from "../../src/models/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const config = (over: Record<string, any> = {}) => configSchema.parse({ backend: { retries: 0, backoffMs: 1 }, ...over });

function store(c = config()) {
  const db = openDatabase(join(tmpDir(), "pai.db"));
  const mem = openMemory(db, c);
  const episode = mem.remember({ content: "Q: x\nA: y", kind: "episode" }).item;
  return { db, mem, episodeId: episode.id, c };
}

const replies = (extract: string, decide = '{"decisions": []}') => (body: any) =>
  JSON.stringify(body.messages?.[0] ?? body.system ?? "").includes("You extract") || JSON.stringify(body.system ?? "").includes("You extract")
    ? extract
    : decide;

describe("parsing model JSON", () => {
  it("accepts fenced JSON and rejects anything that does not validate", () => {
    expect(parseModelJson('```json\n{"items": []}\n```', ExtractedSchema)).toEqual({ items: [] });
    expect(parseModelJson('Sure! {"items": [{"content": "The user owns a cat.", "kind": "fact"}]}', ExtractedSchema)?.items).toHaveLength(1);
    expect(parseModelJson("not json", ExtractedSchema)).toBeUndefined();
    expect(parseModelJson('{"items": [{"content": "x", "kind": "opinion"}]}', ExtractedSchema)).toBeUndefined();
    expect(parseModelJson('{"facts": []}', ExtractedSchema)).toBeUndefined();
  });
});

describe("learning from an exchange", () => {
  it("drops exact repeats without asking the model to decide", async () => {
    const { db, mem, episodeId, c } = store();
    mem.remember({ content: "The user owns a cat named Tom.", kind: "fact" });
    const s = await startFakeOllama({ reply: replies(JSON.stringify({ items: [{ content: "The user owns a cat named Tom.", kind: "fact" }] })) });
    servers.push(s);
    const r = await learnFromExchange({ question: "q", answer: "a", episodeId, exchangeId: "e1", db, config: c, mem, env: { OLLAMA_HOST: s.url } });
    expect(r).toMatchObject({ status: "ok", added: 0, updated: 0, skipped: 1, ids: [] });
    expect(s.requests.filter((q) => q.path === "/api/chat")).toHaveLength(1);
    db.close();
  });

  it("'none' from the model stores nothing; a decision naming a memory that was not offered is rejected whole", async () => {
    const { db, mem, episodeId, c } = store();
    const old = mem.remember({ content: "The user lives in Paris with two cats.", kind: "fact" }).item;
    const extract = JSON.stringify({ items: [{ content: "The user lives in Paris with cats.", kind: "fact" }] });
    const s1 = await startFakeOllama({ reply: replies(extract, '{"decisions": [{"item": 0, "action": "none"}]}') });
    servers.push(s1);
    const r1 = await learnFromExchange({ question: "q", answer: "a", episodeId, exchangeId: "e2", db, config: c, mem, env: { OLLAMA_HOST: s1.url } });
    expect(r1).toMatchObject({ status: "ok", ids: [], skipped: 1 });
    const decideBody = s1.requests.filter((q) => q.path === "/api/chat")[1]!.body;
    expect(decideBody.messages.at(-1).content).toContain(`[${old.id}]`);

    const s2 = await startFakeOllama({ reply: replies(extract, '{"decisions": [{"item": 0, "action": "update", "target": 99999}]}') });
    servers.push(s2);
    const before = mem.stats().total;
    const r2 = await learnFromExchange({ question: "q", answer: "a", episodeId, exchangeId: "e3", db, config: c, mem, env: { OLLAMA_HOST: s2.url } });
    expect(r2.status).toBe("malformed");
    expect(mem.stats().total).toBe(before);
    expect(listCalls(db, { exchangeId: "e3" })[0]!.outcome).toBe("malformed");
    db.close();
  });

  it("with learning.cloud and a cloud extract model, only the redacted exchange is sent", async () => {
    const c = config({ learning: { enabled: true, cloud: true }, models: { extract: { backend: "anthropic" } } });
    const { db, mem, episodeId } = store(c);
    const s = await startFakeAnthropic({ reply: replies(JSON.stringify({ items: [{ content: "The user uses GitHub.", kind: "fact" }] })) });
    servers.push(s);
    const token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0".repeat(2);
    const r = await learnFromExchange({
      question: `my token is ${token}`,
      answer: "ok",
      episodeId,
      exchangeId: "e4",
      db,
      config: c,
      mem,
      env: { ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: "test-key" },
    });
    expect(r.status).toBe("ok");
    expect(r.ids).toHaveLength(1);
    const sent = JSON.stringify(s.requests[0]!.body);
    expect(sent).not.toContain(token);
    expect(sent).toContain("[REDACTED:github_token]");
    db.close();
  });
});

describe("structured output for extraction", () => {
  it("Ollama gets the JSON Schema in format; a request with json and no schema still sends \"json\"", async () => {
    const { db, mem, episodeId, c } = store();
    const s = await startFakeOllama({ reply: replies(JSON.stringify({ items: [] })) });
    servers.push(s);
    await learnFromExchange({ question: "q", answer: "a", episodeId, exchangeId: "e5", db, config: c, mem, env: { OLLAMA_HOST: s.url } });
    expect(s.requests.find((q) => q.path === "/api/chat")!.body.format).toEqual(EXTRACTED_JSON_SCHEMA);
    expect(EXTRACTED_JSON_SCHEMA).not.toHaveProperty("$schema");
    const b = getBackend({ purpose: "extract", config: c, db, env: { OLLAMA_HOST: s.url } });
    for await (const _ of b.chat({ purpose: "extract", messages: [{ role: "user", content: "x" }], json: true }));
    expect(s.requests.filter((q) => q.path === "/api/chat").at(-1)!.body.format).toBe("json");
    db.close();
  });

  it("Anthropic gets the schema as the one tool it must call, and its input is the answer", async () => {
    const c = config({ learning: { enabled: true, cloud: true }, models: { extract: { backend: "anthropic" } } });
    const { db, mem, episodeId } = store(c);
    const s = await startFakeAnthropic({ reply: { toolCalls: [{ name: "json_answer", arguments: { items: [{ content: "The user plays the cello.", kind: "fact" }] } }] } });
    servers.push(s);
    const r = await learnFromExchange({
      question: "I play the cello",
      answer: "Nice.",
      episodeId,
      exchangeId: "e6",
      db,
      config: c,
      mem,
      answeredBy: "cloud",
      env: { ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: "test-key" },
    });
    const body = s.requests[0]!.body;
    expect(body.tools).toEqual([{ name: "json_answer", description: expect.any(String), input_schema: EXTRACTED_JSON_SCHEMA }]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "json_answer" });
    expect(r).toMatchObject({ status: "ok", added: 1 });
    expect(mem.get(r.ids[0]!)!.content).toBe("The user plays the cello.");
    db.close();
  });
});

describe("cold-tier consolidation with a model", () => {
  it("writes one summary per period that derives from its sources, which stay searchable", async () => {
    const c = config();
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const mem = openMemory(db, c);
    const ago = new Date(Date.now() - 400 * 86_400_000);
    // The middle of that month: the three items, an hour apart, fall in one period whatever the day and hour it runs.
    const old = new Date(Date.UTC(ago.getUTCFullYear(), ago.getUTCMonth(), 15, 10));
    const month = old.toISOString().slice(0, 7);
    const ids = ["Visited the Louvre with Marie", "Bought a bicycle in Lyon", "Started learning the cello"].map(
      (content, i) => mem.remember({ content, kind: "event", createdAt: new Date(old.getTime() + i * 3_600_000) }).item.id,
    );
    mem.maintain();
    expect(ids.map((id) => mem.get(id)!.tier)).toEqual(["cold", "cold", "cold"]);
    const s = await startFakeOllama({ reply: "In that month the user visited the Louvre, bought a bicycle and began the cello." });
    servers.push(s);
    const n = await consolidateWithModel({ db, config: c, mem, env: { OLLAMA_HOST: s.url } });
    expect(n).toBe(1);
    const sent = s.requests.find((q) => q.path === "/api/chat")!.body;
    expect(sent.messages.at(-1).content).toContain("Bought a bicycle in Lyon");
    const summary = mem.list({}).find((m) => m.meta.consolidation)!;
    expect(summary.content).toContain("began the cello");
    expect(summary.derivedFrom.sort()).toEqual([...ids].sort());
    expect(summary.source).toBe(`consolidation ${month}`);
    expect(mem.search("bicycle").map((h) => h.id)).toContain(ids[1]);
    expect(listCalls(db).map((x) => x.purpose)).toEqual(["consolidate"]);
    db.close();
  });

  it("refuses a cloud model", async () => {
    const c = config();
    const db = openDatabase(join(tmpDir(), "pai.db"));
    await expect(consolidateWithModel({ db, config: c, backend: "anthropic" })).rejects.toThrow(/local model only/);
    db.close();
  });
});
