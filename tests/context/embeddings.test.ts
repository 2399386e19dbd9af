/**
 * Embeddings through the real CLI, against a loopback Ollama whose vectors carry meaning (concept groups):
 * a memory no word of the query matches is found once embedded, and only then; a model change re-embeds; an
 * unreachable or missing model leaves search exactly lexical and says so; a cloud embed backend never
 * receives a private item; the background embedder fills vectors after `pai remember`.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { embedderRunning } from "../../src/context/embed.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, PAI_BIN, pai, paiAsync, ROOT } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
const homes: string[] = [];
afterEach(async () => {
  // No embedder outlives its test: each one ends once its backlog is empty or its model failed.
  for (const h of homes.splice(0)) await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);
  while (servers.length) await servers.pop()!.close();
});

const DRINK = "I have an oat-milk flat white every day";
const MOVE = "I moved to Lyon in March";
const ALLERGY = "I am allergic to penicillin";

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A home whose config is `config`; its items written with embeddings off (no background embedder). */
function home(config: Record<string, unknown> = {}, items: { text: string; private?: boolean; date?: string }[] = []): string {
  const h = initHome(tmpDir());
  homes.push(h);
  const file = paths(h).config;
  const memory = { ...((config.memory as object) ?? {}) };
  writeFileSync(file, JSON.stringify({ ...config, backend: { retries: 0, backoffMs: 1 }, memory: { ...memory, embeddings: "off" } }));
  for (const it of items) expect(pai(["remember", ...(it.private ? ["--private"] : []), ...(it.date ? ["--date", it.date] : []), it.text], { home: h }).code).toBe(0);
  writeFileSync(file, JSON.stringify({ ...config, backend: { retries: 0, backoffMs: 1 }, memory }));
  return h;
}

async function fake(opts: Parameters<typeof startFakeOllama>[0] = {}): Promise<FakeServer> {
  const s = await startFakeOllama({ concepts: true, embedDims: 16, ...opts });
  servers.push(s);
  return s;
}

const embedCalls = (s: FakeServer) => s.requests.filter((q) => q.path === "/api/embed");

/** The vectors stored: item id → model. */
function vectors(h: string): Map<number, string> {
  const db = openDatabase(paths(h).db);
  try {
    return new Map(db.prepare<{ item_id: number; model: string }>("SELECT item_id, model FROM memory_embeddings").all().map((r) => [r.item_id, r.model]));
  } finally {
    db.close();
  }
}

const search = async (h: string, env: Record<string, string>, query: string) => {
  const r = await paiAsync(["memory", "search", "--json", query], { home: h, env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: number; content: string; score: number }[];
};

describe("pai memory embed", () => {
  it("embeds the backlog, after which a search by meaning finds what no word matches (and without vectors it does not)", async () => {
    const h = home({}, [{ text: DRINK }, { text: MOVE }, { text: ALLERGY }]);
    const s = await fake();
    const env = { OLLAMA_HOST: s.url };

    // No vector stored: the search is lexical and nothing is sent to the model.
    expect(await search(h, env, "what do I drink")).toEqual([]);
    expect(embedCalls(s)).toEqual([]);

    const r = await paiAsync(["memory", "embed"], { home: h, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("embedded 3 items with nomic-embed-text (0 left)\n");
    expect(r.stderr).toBe("");
    expect([...vectors(h).values()]).toEqual(["nomic-embed-text", "nomic-embed-text", "nomic-embed-text"]);
    // Ollama's wire protocol: one request per batch, the texts as `input`.
    expect(embedCalls(s).map((q) => q.body)).toEqual([{ model: "nomic-embed-text", input: [DRINK, MOVE, ALLERGY] }]);

    const calls = () => {
      const db = openDatabase(paths(h).db);
      try {
        return db.prepare<{ n: number }>("SELECT count(*) AS n FROM model_calls WHERE purpose = 'embed' AND outcome = 'ok'").get()!.n;
      } finally {
        db.close();
      }
    };
    const before = calls();
    const hits = await search(h, env, "what do I drink");
    expect(hits[0]?.content).toBe(DRINK);
    expect(embedCalls(s).at(-1)!.body).toEqual({ model: "nomic-embed-text", input: ["what do I drink"] });
    // The search only reads its database, yet the call it made to the model is logged like any other.
    expect(calls()).toBe(before + 1);
    const stats = pai(["memory", "stats"], { home: h, env });
    expect(stats.stdout).toContain("embeddings: 3 of 3 items (nomic-embed-text)\n");
    expect(stats.stdout).not.toContain("sqlite-vec");
    expect(stats.stderr).toBe("");
    // Without sqlite-vec the vector pass runs without it: the same memory is found, and stats says why it is slower.
    const noVec = { ...env, PAI_SQLITE_VEC: "off" };
    expect((await search(h, noVec, "what do I drink"))[0]?.content).toBe(DRINK);
    expect(pai(["memory", "stats"], { home: h, env: noVec }).stdout).toContain("vectors: sqlite-vec unavailable (PAI_SQLITE_VEC is off); search by meaning runs without it, slower on large stores\n");
    expect(JSON.parse(pai(["memory", "stats", "--json"], { home: h, env: noVec }).stdout).embedding.vectors).toEqual({ available: false, reason: "PAI_SQLITE_VEC is off" });

    // Nothing left: a second run embeds nothing and says so in JSON.
    const again = await paiAsync(["memory", "embed", "--json"], { home: h, env });
    expect(JSON.parse(again.stdout)).toEqual({ embedded: 0, left: 0, model: "nomic-embed-text", backend: "ollama", audience: "local", kept_private: 0, interrupted: false });

    // Embeddings off: search is lexical again, and asks the model nothing.
    expect(pai(["config", "set", "memory.embeddings", "off"], { home: h }).code).toBe(0);
    const sent = embedCalls(s).length;
    expect(await search(h, env, "what do I drink")).toEqual([]);
    expect(embedCalls(s).length).toBe(sent);
    const off = await paiAsync(["memory", "embed"], { home: h, env });
    expect(off.code).toBe(1);
    expect(off.stderr).toBe("pai: embeddings are off (memory.embeddings is 'off') — turn them on with 'pai config set memory.embeddings auto'\n");
  });

  it("batches the backlog, and a change of model re-embeds every item on the next run", async () => {
    const h = home({}, [{ text: DRINK }, { text: MOVE }, { text: ALLERGY }]);
    const s = await fake({ models: ["llama3.2:latest", "nomic-embed-text:latest", "other-embed:latest"] });
    const env = { OLLAMA_HOST: s.url };
    const first = await paiAsync(["memory", "embed", "--batch", "2", "--json"], { home: h, env });
    expect(JSON.parse(first.stdout)).toMatchObject({ embedded: 3, left: 0, model: "nomic-embed-text" });
    expect(embedCalls(s).map((q) => q.body.input.length)).toEqual([2, 1]);

    expect(pai(["config", "set", "ollama.embedModel", "other-embed"], { home: h }).code).toBe(0);
    const stats = JSON.parse(pai(["memory", "stats", "--json"], { home: h, env }).stdout);
    expect(stats.embedding).toMatchObject({ model: "other-embed", items: 3, embedded: 0, other_models: 3, pending: 3, notice: null });
    // Vectors of another model are never compared with this model's query: search is lexical until re-embedded.
    const sent = embedCalls(s).length;
    expect(await search(h, env, "what do I drink")).toEqual([]);
    expect(embedCalls(s).length).toBe(sent);

    const second = await paiAsync(["memory", "embed"], { home: h, env });
    expect(second.stdout).toBe("embedded 3 items with other-embed (0 left)\n");
    expect([...vectors(h).values()]).toEqual(["other-embed", "other-embed", "other-embed"]);
    expect(embedCalls(s).at(-1)!.body.model).toBe("other-embed");
    const human = pai(["memory", "stats"], { home: h, env });
    expect(human.stdout).toContain("embeddings: 3 of 3 items (other-embed)\n");
    expect(human.stderr).toBe("");
  });

  it("Ctrl-C stops it keeping what was stored, and the next run goes on from there", async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `Note number ${i + 1} about the garden`);
    const h = home({}, texts.map((text) => ({ text })));
    const s = await fake({ embedDelayMs: 300 });
    const env = { OLLAMA_HOST: s.url };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(PAI_BIN, ["memory", "embed", "--batch", "2"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", PAI_HOME: h, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const poll = setInterval(() => {
        if (embedCalls(s).length >= 3) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 20);
      child.on("error", reject);
      child.on("close", (code) => {
        clearInterval(poll);
        resolve({ code, stdout, stderr });
      });
    });
    expect(r.code).toBe(0);
    const m = /^embedded (\d+) items with nomic-embed-text \((\d+) left\)\n$/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    const [done, left] = [Number(m![1]), Number(m![2])];
    expect(done).toBeGreaterThanOrEqual(4);
    expect(done).toBeLessThan(10);
    expect(done + left).toBe(10);
    expect(r.stderr).toBe("pai: interrupted — what was embedded is kept; run 'pai memory embed' again to go on\n");
    expect(vectors(h).size).toBe(done);
    const rest = await paiAsync(["memory", "embed", "--json"], { home: h, env });
    expect(JSON.parse(rest.stdout)).toMatchObject({ embedded: left, left: 0, interrupted: false });
    expect(vectors(h).size).toBe(10);
  });

  it("bad input is one line and changes nothing", async () => {
    const h = home({}, [{ text: DRINK }]);
    for (const bad of ["0", "-3", "two", "1.5", "5000"]) {
      const r = pai(["memory", "embed", "--batch", bad], { home: h });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`pai: invalid --batch '${bad}' — give a whole number of texts per request from 1 to 1000, e.g. --batch 32\n`);
      expect(r.stdout).toBe("");
    }
    expect(vectors(h).size).toBe(0);
  });
});

describe("without a model", () => {
  it("an unreachable model: one line and exit 3; search is exactly lexical; stats and doctor say why and how to fix it", async () => {
    const h = home({}, [{ text: DRINK }, { text: MOVE }, { text: "Flat white at the café near the office" }]);
    const s = await fake();
    expect((await paiAsync(["memory", "embed"], { home: h, env: { OLLAMA_HOST: s.url } })).code).toBe(0);
    const stored = vectors(h);

    const dead = { OLLAMA_HOST: "http://127.0.0.1:9" };
    const r = await paiAsync(["memory", "embed"], { home: h, env: dead });
    // Nothing to embed: nothing is tried.
    expect(r.stdout).toBe("embedded 0 items with nomic-embed-text (0 left)\n");
    expect(pai(["remember", "A cortado on Sundays"], { home: h, env: dead }).code).toBe(0);
    const failed = await paiAsync(["memory", "embed"], { home: h, env: dead });
    expect(failed.code).toBe(3);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toMatch(
      /^pai: cannot reach Ollama at http:\/\/127\.0\.0\.1:9 to embed with 'nomic-embed-text' — start Ollama \('ollama serve'\) and run 'ollama pull nomic-embed-text', or set ollama\.host \/ models\.embed; search stays lexical meanwhile\n$/,
    );
    expect(vectors(h)).toEqual(stored);

    const hits = await search(h, dead, "flat white");
    // The same home searched lexically (embeddings off): the same items, the same scores.
    expect(pai(["config", "set", "memory.embeddings", "off"], { home: h }).code).toBe(0);
    const lexical = await search(h, dead, "flat white");
    expect(pai(["config", "set", "memory.embeddings", "auto"], { home: h }).code).toBe(0);
    expect(lexical.length).toBe(2);
    expect(hits.map((x) => [x.id, x.score.toFixed(6)])).toEqual(lexical.map((x) => [x.id, x.score.toFixed(6)]));

    const stats = pai(["memory", "stats"], { home: h, env: dead });
    expect(stats.stdout).toContain("embeddings: 3 of 4 items (nomic-embed-text)\n");
    expect(stats.stderr).toMatch(
      /^pai: search is lexical: the embed model 'nomic-embed-text' was unreachable at \d{4}-\d\d-\d\d \d\d:\d\dZ — start Ollama .*, then 'pai memory embed'\n$/,
    );
    const json = JSON.parse(pai(["memory", "stats", "--json"], { home: h, env: dead }).stdout).embedding;
    expect(json).toMatchObject({ enabled: true, model: "nomic-embed-text", items: 4, embedded: 3, pending: 1, failure: { kind: "connection", model: "nomic-embed-text" } });
    expect(json.notice).toMatch(/^search is lexical: /);

    const doctor = await paiAsync(["doctor", "--json"], { home: h, env: dead });
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === "embeddings");
    expect(check).toMatchObject({ name: "embeddings", status: "warn" });
    expect(check.detail).toMatch(/^3 of 4 items \(nomic-embed-text\); search is lexical: the embed model 'nomic-embed-text' was unreachable/);
    expect(check.fix).toMatch(/ollama pull nomic-embed-text/);
    expect(doctor.code).toBe(0);

    // Reachable again: an explicit run embeds what waits and the notice is gone.
    const back = await paiAsync(["memory", "embed"], { home: h, env: { OLLAMA_HOST: s.url } });
    expect(back.stdout).toBe("embedded 1 item with nomic-embed-text (0 left)\n");
    expect(pai(["memory", "stats"], { home: h, env: { OLLAMA_HOST: s.url } }).stderr).toBe("");
  });

  it("a missing model: one line naming the pull, exit 3, nothing stored", async () => {
    const h = home({}, [{ text: DRINK }]);
    const s = await fake({ models: ["llama3.2:latest"] });
    const r = await paiAsync(["memory", "embed"], { home: h, env: { OLLAMA_HOST: s.url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `pai: Ollama at ${s.url} has no embed model 'nomic-embed-text' — run 'ollama pull nomic-embed-text' or set another model with 'pai config set ollama.embedModel NAME'; search stays lexical meanwhile\n`,
    );
    expect(vectors(h).size).toBe(0);
    const stats = pai(["memory", "stats"], { home: h, env: { OLLAMA_HOST: s.url } });
    expect(stats.stderr).toMatch(/^pai: search is lexical: the embed model 'nomic-embed-text' is missing at .* — run 'ollama pull nomic-embed-text'/);
  });
});

describe("an embed backend without embeddings", () => {
  it("Anthropic: one line with the fix, a notice in stats, and no embedder started after a write", async () => {
    const h = home({ models: { embed: { backend: "anthropic" } } }, [{ text: DRINK }]);
    const r = pai(["memory", "embed"], { home: h });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("pai: the embed backend anthropic has no embeddings — set models.embed.backend ollama ('pai config set models.embed.backend ollama'); search stays lexical meanwhile\n");
    const run = paths(h).run;
    expect(pai(["memory", "stats"], { home: h }).stderr).toBe(
      "pai: search is lexical: the embed backend anthropic has no embeddings — set models.embed.backend ollama ('pai config set models.embed.backend ollama')\n",
    );
    // With the record emptied, a write must start nothing that would write it again.
    writeFileSync(join(run, "embeddings.json"), "");
    expect(pai(["remember", MOVE], { home: h }).code).toBe(0);
    await new Promise((res) => setTimeout(res, 1000));
    expect(readFileSync(join(run, "embeddings.json"), "utf8")).toBe("");
    expect(vectors(h).size).toBe(0);
  });
});

describe("privacy", () => {
  it("a cloud embed backend is never sent a private item, nor a query of a search that sees private items", async () => {
    const s = await fake();
    // The loopback server through its IPv4-mapped IPv6 form: not this machine for pai, so a cloud backend.
    const cloud = { OLLAMA_HOST: `http://[::ffff:127.0.0.1]:${new URL(s.url).port}` };
    const h = home({}, [{ text: DRINK }, { text: ALLERGY, private: true }]);
    const r = await paiAsync(["memory", "embed", "--json"], { home: h, env: cloud });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ embedded: 1, left: 1, kept_private: 1, audience: "cloud" });
    const human = await paiAsync(["memory", "embed"], { home: h, env: cloud });
    expect(human.stdout).toBe("embedded 0 items with nomic-embed-text (1 left)\n");
    expect(human.stderr).toBe("pai: 1 private item(s) are never sent to the cloud embed backend (ollama); search finds them by their words\n");

    // The user's own search sees private items: its query is not sent to the cloud model either.
    const sent = embedCalls(s).length;
    expect((await search(h, cloud, "penicillin")).map((x) => x.content)).toEqual([ALLERGY]);
    expect(embedCalls(s).length).toBe(sent);
    // Written after: the background embedder after pai remember keeps to the same rule.
    expect(pai(["remember", "--private", "My penicillin prescription number is 4471"], { home: h, env: cloud }).code).toBe(0);
    expect(pai(["remember", "Espresso after lunch"], { home: h, env: cloud }).code).toBe(0);
    await until("the shareable item's vector", () => vectors(h).size === 2);
    await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);
    const bodies = JSON.stringify(embedCalls(s).map((q) => q.body));
    expect(bodies).toContain("Espresso after lunch");
    expect(bodies).not.toContain("penicillin");
    expect(bodies).not.toContain("4471");
  });
});

describe("in the background", () => {
  it("pai remember starts an embedder that fills the vectors, one at a time, and search uses them", async () => {
    const s = await fake();
    const env = { OLLAMA_HOST: s.url };
    const h = home();
    const r = pai(["remember", DRINK], { home: h, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const ids = await until("the vector of the remembered item", () => (vectors(h).size === 1 ? [...vectors(h).keys()] : undefined));
    await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);
    expect(existsSync(join(paths(h).run, "embed.lock"))).toBe(false);
    expect((await search(h, env, "what do I drink")).map((x) => x.id)).toEqual(ids);
    // So do an import and an edit (the correction is a new item).
    writeFileSync(join(h, "more.jsonl"), `${JSON.stringify({ content: "Espresso after lunch", visibility: "shareable" })}\n`);
    expect(pai(["memory", "import", "--quiet", join(h, "more.jsonl")], { home: h, env }).code).toBe(0);
    await until("the imported item's vector", () => vectors(h).size === 2);
    await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);
    expect(pai(["memory", "edit", String(ids[0]), "I have an oat-milk flat white every morning"], { home: h, env }).code).toBe(0);
    await until("the correction's vector", () => vectors(h).size === 3);
    await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);

    // A model that fails is not tried again on its own within the back-off: later writes start no embedder.
    const dead = { OLLAMA_HOST: "http://127.0.0.1:9" };
    expect(pai(["remember", MOVE], { home: h, env: dead }).code).toBe(0);
    await until("the failure's record", () => existsSync(join(paths(h).run, "embeddings.json")));
    await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);
    const before = embedCalls(s).length;
    expect(pai(["remember", ALLERGY], { home: h, env }).code).toBe(0);
    await new Promise((res) => setTimeout(res, 1500));
    expect(embedCalls(s).length).toBe(before);
    expect(vectors(h).size).toBe(3);
  });
});

describe("the daemon", () => {
  it("embeds what waits when it starts and after a firing that stored memory; the commands then start no embedder", async () => {
    const s = await fake();
    const env = { OLLAMA_HOST: s.url };
    const h = home({}, [{ text: DRINK }]);
    writeFileSync(
      join(h, "user", "jobs", "coffee.json"),
      JSON.stringify({ trigger: { type: "schedule", cron: "* * * * * *" }, action: { type: "remember", text: "Espresso after lunch" } }),
    );
    const started = pai(["daemon", "start", "--json"], { home: h, env });
    expect(started.code, started.stderr).toBe(0);
    const pid = JSON.parse(started.stdout).pid as number;
    try {
      await until("the vectors of the item and of the job's", () => vectors(h).size === 2);
      const inputs = embedCalls(s).flatMap((q) => q.body.input as string[]);
      expect(inputs).toContain(DRINK);
      expect(inputs).toContain("Espresso after lunch");
      // While the daemon runs, a write starts no embedder of its own: the daemon's next pass embeds it.
      expect(pai(["remember", MOVE], { home: h, env }).code).toBe(0);
      await new Promise((res) => setTimeout(res, 500));
      const holder = embedderRunning(paths(h).run);
      expect(holder === undefined || holder === pid).toBe(true);
    } finally {
      expect(pai(["daemon", "stop"], { home: h, env }).code).toBe(0);
    }
  });
});

describe("the context", () => {
  it("pai context --query and pai ask bring a memory found by meaning once the learner after an ask has embedded it", async () => {
    const s = await fake();
    const env = { OLLAMA_HOST: s.url };
    // Old items: not recent, so only a match brings them into the context.
    const h = home({}, [
      { text: DRINK, date: "2020-03-01" },
      { text: MOVE, date: "2020-03-02" },
    ]);
    const drinkId = Number(JSON.parse(pai(["memory", "list", "--json"], { home: h }).stdout).find((m: { content: string }) => m.content === DRINK).id);
    const contextIds = async () => {
      const r = await paiAsync(["context", "--query", "what do I drink", "--json"], { home: h, env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).memory_ids as number[];
    };
    const systemOfLastAnswer = () => JSON.stringify(s.requests.filter((q) => q.path === "/api/chat" && !JSON.stringify(q.body).includes("You extract")).at(-1)!.body.messages[0]);

    expect(await contextIds()).not.toContain(drinkId);
    expect(embedCalls(s)).toEqual([]);
    const first = await paiAsync(["ask", "what do I drink?"], { home: h, env });
    expect(first.code, first.stderr).toBe(0);
    expect(systemOfLastAnswer()).not.toContain("flat white");

    // The learner that pai ask started embeds the items and the exchange.
    await until("the vectors", () => vectors(h).size >= 3);
    await until("the embedder's end", () => embedderRunning(paths(h).run) === undefined);
    expect(await contextIds()).toContain(drinkId);
    const second = await paiAsync(["ask", "what do I drink?"], { home: h, env });
    expect(second.code, second.stderr).toBe(0);
    expect(systemOfLastAnswer()).toContain(DRINK);
  });
});

describe("pai mcp", () => {
  it("memory_search finds by meaning for a local client; a cloud client gets shareable items only", async () => {
    const s = await fake();
    const h = home({}, [{ text: DRINK }, { text: MOVE }, { text: "I drink my morning tea with a biscuit", private: true }]);
    expect((await paiAsync(["memory", "embed"], { home: h, env: { OLLAMA_HOST: s.url } })).code).toBe(0);
    const found = async (client: "local" | "cloud") => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      Object.assign(env, { PAI_HOME: h, OLLAMA_HOST: s.url });
      delete env.PAI_DEBUG;
      const c = new Client({ name: "pai-test", version: "0.0.0" });
      await c.connect(new StdioClientTransport({ command: PAI_BIN, args: ["mcp", "--client", client], env, cwd: ROOT, stderr: "pipe" }));
      try {
        const r = (await c.callTool({ name: "memory_search", arguments: { query: "what do I drink" } })) as { content: { text: string }[] };
        return (JSON.parse(r.content[0]!.text).results as { content: string }[]).map((x) => x.content);
      } finally {
        await c.close();
      }
    };
    const local = await found("local");
    expect(local.slice(0, 2).sort()).toEqual([DRINK, "I drink my morning tea with a biscuit"].sort());
    const cloud = await found("cloud");
    expect(cloud[0]).toBe(DRINK);
    expect(cloud).not.toContain("I drink my morning tea with a biscuit");
    expect(embedCalls(s).filter((q) => JSON.stringify(q.body.input) === JSON.stringify(["what do I drink"]))).toHaveLength(2);
  });
});
