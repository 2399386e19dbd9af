/**
 * Spending: the estimated cost of each call (system/prices.json, the user's overrides laid over it), the caps of
 * user/limits.json refusing a call before anything is sent, `pai log --cost`, `pai log show ID`, and a daemon job
 * paused when a cap refuses its call. Real SQLite in a temporary PAI_HOME, the real CLI, and the Anthropic SDK
 * against a loopback server speaking the Messages API.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { allMigrations, migrate, openDatabase } from "../../src/app/db.ts";
import { rig, waitFor } from "../automation/helpers.ts";
import { listAudit } from "../../src/automation/audit/index.ts";
import { getJob } from "../../src/automation/jobs/store.ts";
import { recordCall } from "../../src/models/calllog.ts";
import { parseLimits } from "../../src/models/limits.ts";
import { costOf, loadPrices, priceOf } from "../../src/models/prices.ts";
import { costReport, dayStart, spentSince } from "../../src/models/usage.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const sent = (s: FakeServer, path = "/v1/messages") => s.requests.filter((r) => r.path === path).length;

async function cloud(reply = "Focus on the launch.") {
  const s = await startFakeAnthropic({ reply });
  servers.push(s);
  return { s, env: { ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: "test-key" } };
}

function limits(home: string, value: unknown): void {
  writeFileSync(join(home, "user", "limits.json"), typeof value === "string" ? value : JSON.stringify(value));
}

describe("prices", () => {
  it("a model takes its own entry, its family's, or its backend's '*'; the user's file replaces entries one by one", () => {
    const user = tmpDir();
    mkdirSync(join(user, "overrides"));
    writeFileSync(join(user, "overrides", "prices.json"), JSON.stringify({ models: { anthropic: { "claude-haiku-4-5": { input: 2, output: 10 } } } }));
    const t = loadPrices(user);
    expect(priceOf(t, "anthropic", "claude-sonnet-4-6")).toMatchObject({ input: 3, output: 15, entry: "claude-sonnet-4-6" });
    expect(priceOf(t, "anthropic", "claude-sonnet-4-5-20250929")).toMatchObject({ entry: "claude-sonnet-4-5" });
    expect(priceOf(t, "anthropic", "claude-haiku-4-5")).toMatchObject({ input: 2, output: 10 });
    expect(priceOf(t, "anthropic", "claude-next")).toMatchObject({ entry: "*" });
    expect(costOf(t, "ollama", "llama3.2", 1_000_000, 1_000_000)).toBe(0);
    expect(costOf(t, "anthropic", "claude-sonnet-4-6", 1_000_000, 100_000)).toBeCloseTo(4.5, 10);
    writeFileSync(join(user, "overrides", "prices.json"), JSON.stringify({ models: { anthropic: { x: { input: "dear" } } } }));
    expect(() => loadPrices(user)).toThrow(/prices\.json: models\.anthropic\.x\.input must be a number, got 'dear'/);
  });
});

describe("the call log's cost and texts", () => {
  it("records the estimated cost of each call and shows a call's texts with pai log show", async () => {
    const home = initHome(tmpDir());
    const { s, env } = await cloud();
    const asked = await paiAsync(["ask", "--backend", "anthropic", "what should I focus on?"], { home, env });
    expect(asked.code, asked.stderr).toBe(0);
    expect(sent(s)).toBe(1);
    const [call] = JSON.parse((await paiAsync(["log", "--json", "--limit", "1"], { home })).stdout);
    expect(call).toMatchObject({ backend: "anthropic", purpose: "answer", outcome: "ok", job: null, pack: null });
    expect(call.cost).toBeCloseTo((call.input_tokens * 3 + call.output_tokens * 15) / 1e6, 12);

    const list = await paiAsync(["log"], { home });
    expect(list.stdout).toMatch(/ID\s+TIME \(\S+\)\s+BACKEND\s+MODEL\s+PURPOSE\s+IN\s+OUT\s+COST/);

    const show = await paiAsync(["log", "show", String(call.id)], { home });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`Call ${call.id}`);
    expect(show.stdout).toContain("--- system ---");
    expect(show.stdout).toContain("--- user ---\nwhat should I focus on?");
    expect(show.stdout).toContain("--- response ---\nFocus on the launch.");
    expect(show.stdout).toMatch(/estimated cost \$/);
    const json = JSON.parse((await paiAsync(["log", "show", String(call.id), "--json"], { home })).stdout);
    expect(json.texts.response).toBe("Focus on the launch.");
    expect(json.texts.messages.at(-1)).toEqual({ role: "user", content: "what should I focus on?" });

    const missing = await paiAsync(["log", "show", "999"], { home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("pai: no model call 999 — 'pai log' lists the calls with their ids\n");
    expect((await paiAsync(["log", "show", "x"], { home })).stderr).toMatch(/^pai: invalid call id 'x'/);
  });

  it("keeps no text of an incognito call, and never a secret", async () => {
    const home = initHome(tmpDir());
    const { env } = await cloud("noted");
    const key = "sk-ant-api03-" + "a".repeat(93) + "AA";
    expect((await paiAsync(["ask", "--backend", "anthropic", "--incognito", "just between us"], { home, env })).code).toBe(0);
    expect((await paiAsync(["ask", "--backend", "anthropic", `is ${key} a key?`], { home, env })).code).toBe(0);
    const calls = JSON.parse((await paiAsync(["log", "--json"], { home })).stdout);
    const [withKey, incognito] = calls;
    expect(JSON.parse((await paiAsync(["log", "show", String(incognito.id), "--json"], { home })).stdout).texts).toBeNull();
    expect((await paiAsync(["log", "show", String(incognito.id)], { home })).stdout).toContain("Its texts are not kept");
    const shown = (await paiAsync(["log", "show", String(withKey.id)], { home })).stdout;
    expect(shown).toContain("[REDACTED:anthropic_key]");
    expect(shown).not.toContain(key);
  });
});

describe("user/limits.json", () => {
  it("says which key is wrong and what it must be", () => {
    const line = (raw: unknown) => {
      try {
        parseLimits(raw);
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(line({ purpose: { answr: {} } })).toBe("unknown key 'purpose.answr' (did you mean 'purpose.answer'?)");
    expect(line({ overall: { dayly: {} } })).toBe("unknown key 'overall.dayly' (did you mean 'overall.daily'?)");
    expect(line({ overall: { daily: { cost: "lots" } } })).toBe("overall.daily.cost must be a number, got 'lots'");
    expect(line({ job: { brief: { monthly: { tokens: 1.5 } } } })).toBe("job.brief.monthly.tokens must be a whole number, got 1.5");
    expect(line({ pack: { research: { daily: { cost: -1 } } } })).toBe("pack.research.daily.cost must be at least 0, got -1");
    expect(line({ local: { daily: { cost: 1 } } })).toBe("unknown key 'local.daily.cost' (allowed: tokens)");
    expect(line([])).toBe("(top level) must be an object, got []");
    expect(parseLimits({ overall: { daily: { cost: 5 } }, purpose: { answer: { monthly: { tokens: 10 } } }, job: {}, local: { daily: { tokens: 3 } } })).toEqual({
      overall: { daily: { cost: 5 } },
      purpose: { answer: { monthly: { tokens: 10 } } },
      job: {},
      local: { daily: { tokens: 3 } },
    });
  });
});

/** The one call of `pai log --json` that answered a question. */
function answerCall(calls: { id: number; purpose: string }[]): { id: number; purpose: string } {
  const answers = calls.filter((c) => c.purpose === "answer");
  expect(answers).toHaveLength(1);
  return answers[0]!;
}

describe("the texts of a call and forget", () => {
  it("a local call's texts may hold a private memory; forgetting it deletes them", async () => {
    const home = initHome(tmpDir());
    const o = await startFakeOllama({ reply: "by the hives" });
    servers.push(o);
    const SENTENCE = "Ottoline keeps her bees on the roof at Rue Colbert 19";
    const id = JSON.parse(pai(["remember", "--private", SENTENCE, "--json"], { home }).stdout).id as number;
    expect((await paiAsync(["ask", "--backend", "ollama", "where does Ottoline keep her bees?"], { home, env: { OLLAMA_HOST: o.url } })).code).toBe(0);
    // The answer's call (learning from the exchange, in the background, may log one after it).
    const call = answerCall(JSON.parse((await paiAsync(["log", "--json"], { home })).stdout));
    const shown = await paiAsync(["log", "show", String(call.id)], { home });
    expect(shown.stdout).toContain(SENTENCE);
    expect(shown.stderr).toContain("Sent to a local model: it may hold private items");
    expect(pai(["memory", "forget", String(id)], { home }).code).toBe(0);
    const after = await paiAsync(["log", "show", String(call.id), "--json"], { home });
    expect(JSON.parse(after.stdout)).toMatchObject({ id: call.id, outcome: "ok", texts: null });
  });
});

describe("caps", () => {
  it("a call over a cap is refused before anything is sent, with one line naming the cap", async () => {
    const home = initHome(tmpDir());
    const { s, env } = await cloud();
    expect((await paiAsync(["ask", "--backend", "anthropic", "first"], { home, env })).code).toBe(0);
    expect(sent(s)).toBe(1);
    limits(home, { purpose: { answer: { daily: { cost: 0.000001 } } } });
    const r = await paiAsync(["ask", "--backend", "anthropic", "second"], { home, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^pai: the daily cost cap for purpose 'answer' \(\$0\.000001\) is reached \(\$0\.\d+ spent today\); nothing was sent — raise it in .*limits\.json \(purpose\.answer\.daily\.cost\), or wait until tomorrow/,
    );
    expect(sent(s)).toBe(1);
    // The refusal is in the log, with the prompt it held back.
    const [refused] = JSON.parse((await paiAsync(["log", "--json", "--limit", "1"], { home })).stdout);
    expect(refused).toMatchObject({ outcome: "refused", input_tokens: 0, cost: 0 });
    expect((await paiAsync(["log", "show", String(refused.id)], { home })).stdout).toContain("--- user ---\nsecond");

    // A cap on another purpose, or a monthly token cap not yet reached, lets the call through.
    limits(home, { purpose: { extract: { daily: { cost: 0 } } }, overall: { monthly: { tokens: 1_000_000 } } });
    expect((await paiAsync(["ask", "--backend", "anthropic", "third"], { home, env })).code).toBe(0);
    expect(sent(s)).toBe(2);
    // An overall token cap of 0: no cloud call at all.
    limits(home, { overall: { daily: { tokens: 0 } } });
    const none = await paiAsync(["ask", "--backend", "anthropic", "fourth"], { home, env });
    expect(none.stderr).toMatch(/^pai: the overall daily token cap \(0 tokens\) is reached \([\d,]+ tokens used today\)/);
    expect(sent(s)).toBe(2);
  });

  it("a pack's calls are its own: its cap refuses them, and pai log --cost --by pack sums them", async () => {
    const home = initHome(tmpDir());
    const { s, env } = await cloud("A short summary.");
    expect(pai(["pack", "install", "patterns", "--yes"], { home }).code).toBe(0);
    const r = await paiAsync(["run", "patterns:summarize", "--backend", "anthropic", "Packs route code, then CLI, then prompt."], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(sent(s)).toBe(1);
    const [call] = JSON.parse((await paiAsync(["log", "--json", "--limit", "1"], { home })).stdout);
    expect(call).toMatchObject({ purpose: "prompt", pack: "patterns", job: null });
    const byPack = JSON.parse((await paiAsync(["log", "--cost", "--by", "pack", "--json"], { home })).stdout);
    expect(byPack.rows.find((x: any) => x.pack === "patterns")).toMatchObject({ calls: 1 });
    limits(home, { pack: { patterns: { monthly: { tokens: 1 } } } });
    const refused = await paiAsync(["run", "patterns:summarize", "--backend", "anthropic", "Again, please."], { home, env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/the monthly token cap for pack 'patterns' \(1 token\) is reached/);
    expect(sent(s)).toBe(1);
  });

  it("local calls are held only by the local token caps", async () => {
    const home = initHome(tmpDir());
    const o = await startFakeOllama({ reply: "local answer" });
    servers.push(o);
    const env = { OLLAMA_HOST: o.url };
    limits(home, { overall: { daily: { cost: 0, tokens: 0 } }, purpose: { answer: { daily: { tokens: 0 } } } });
    const ok = await paiAsync(["ask", "--backend", "ollama", "hello"], { home, env });
    expect(ok.code, ok.stderr).toBe(0);
    // Learning from the exchange runs after the answer, in the background: waited for here, so its own call and
    // its notice come before the cap, not inside the next command.
    expect((await paiAsync(["learn"], { home, env })).code).toBe(0);
    const call = answerCall(JSON.parse((await paiAsync(["log", "--json"], { home })).stdout));
    expect(call).toMatchObject({ backend: "ollama", outcome: "ok", cost: 0 });
    limits(home, { local: { daily: { tokens: 1 } } });
    const before = sent(o, "/api/chat");
    const r = await paiAsync(["ask", "--backend", "ollama", "again"], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: the daily token cap for local calls \(1 token\) is reached/);
    expect(sent(o, "/api/chat")).toBe(before);
  });

  it("a broken limits.json refuses every call, naming the file and the key", async () => {
    const home = initHome(tmpDir());
    const { s, env } = await cloud();
    limits(home, { purpose: { answr: { daily: { cost: 1 } } } });
    const r = await paiAsync(["ask", "--backend", "anthropic", "hi"], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: .*limits\.json: .*answr.*no model call is made until it is fixed — fix it/);
    limits(home, "{ not json");
    const r2 = await paiAsync(["ask", "--backend", "anthropic", "hi"], { home, env });
    expect(r2.stderr).toMatch(/^pai: .*limits\.json is not valid JSON/);
    expect(sent(s)).toBe(0);
    // A broken price list refuses the calls whose cost it estimates, not the free ones.
    limits(home, {});
    mkdirSync(join(home, "user", "overrides"), { recursive: true });
    writeFileSync(join(home, "user", "overrides", "prices.json"), JSON.stringify({ models: { anthropic: { x: { input: -1, output: 1 } } } }));
    const r3 = await paiAsync(["ask", "--backend", "anthropic", "hi"], { home, env });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/^pai: .*prices\.json: models\.anthropic\.x\.input must be at least 0, got -1 — /);
    expect(sent(s)).toBe(0);
    const o = await startFakeOllama({ reply: "free" });
    servers.push(o);
    expect((await paiAsync(["ask", "--backend", "ollama", "hi"], { home, env: { OLLAMA_HOST: o.url } })).code).toBe(0);
  });
});

describe("the daily sums", () => {
  it("agree with the calls themselves, from a midnight (the sums) or any other time (the calls)", () => {
    const dir = tmpDir();
    const db = openDatabase(join(dir, "pai.db"));
    try {
      const now = new Date();
      const at = (h: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate(), h).toISOString();
      const row = (h: number, backend: string, purpose: string, cost: number | null, job: string | null = null) =>
        recordCall(db, { at: at(h), backend, model: "m", purpose, kind: "chat", inputTokens: 100, outputTokens: 10, latencyMs: 1, outcome: "ok", attempt: 1, error: null, exchangeId: null, cost, job, pack: null });
      row(0, "anthropic", "answer", 0.5, "brief");
      row(0, "anthropic", "answer", 0.25);
      row(0, "ollama", "answer", 0);
      row(0, "anthropic", "extract", null);
      const midnight = dayStart(now);
      const justAfter = new Date(midnight.getTime() + 1);
      for (const by of ["day", "purpose", "job", "pack"] as const) {
        expect(costReport(db, by, midnight)).toEqual(costReport(db, by, new Date(midnight.getTime() - 1)));
      }
      expect(costReport(db, "purpose", midnight).find((r) => r.key === "answer")).toMatchObject({ calls: 3, inputTokens: 300, cost: 0.75 });
      expect(costReport(db, "purpose", midnight).find((r) => r.key === "extract")).toMatchObject({ calls: 1, unpriced: 1 });
      expect(costReport(db, "day", justAfter)).toEqual([]);
      expect(spentSince(db, { side: "cloud", purpose: "answer" }, midnight)).toEqual({ tokens: 220, cost: 0.75, calls: 2 });
      expect(spentSince(db, { side: "cloud", job: "brief" }, midnight)).toEqual({ tokens: 110, cost: 0.5, calls: 1 });
      expect(spentSince(db, { side: "local" }, midnight)).toEqual({ tokens: 110, cost: 0, calls: 1 });
    } finally {
      db.close();
    }
  });
});

describe("the migration to daily sums", () => {
  it("sums the calls logged before it", () => {
    const file = join(tmpDir(), "pai.db");
    const before = openDatabase(file, { migrate: false });
    migrate(before, allMigrations().filter((m) => m.version < 202));
    const at = new Date().toISOString();
    const insert = before.prepare("INSERT INTO model_calls (at, backend, model, purpose, input_tokens, output_tokens, outcome, cost, job) VALUES (?, ?, 'm', ?, ?, ?, 'ok', ?, ?)");
    insert.run(at, "anthropic", "answer", 100, 10, 0.5, "brief");
    insert.run(at, "anthropic", "answer", 200, 20, null, null);
    insert.run(at, "ollama", "embed", 50, 0, 0, null);
    before.close();
    const db = openDatabase(file);
    try {
      expect(spentSince(db, { side: "cloud", purpose: "answer" }, dayStart(new Date()))).toEqual({ tokens: 330, cost: 0.5, calls: 2 });
      expect(spentSince(db, { side: "cloud", job: "brief" }, dayStart(new Date()))).toEqual({ tokens: 110, cost: 0.5, calls: 1 });
      expect(costReport(db, "purpose", dayStart(new Date())).find((r) => r.key === "answer")).toMatchObject({ calls: 2, unpriced: 1 });
      expect(spentSince(db, { side: "local" }, dayStart(new Date()))).toEqual({ tokens: 50, cost: 0, calls: 1 });
    } finally {
      db.close();
    }
  });
});

describe("pai log --cost", () => {
  it("sums tokens and estimated cost by day, purpose, job and pack, and shows the caps", async () => {
    const home = initHome(tmpDir());
    const { env } = await cloud();
    for (const q of ["one", "two"]) expect((await paiAsync(["ask", "--backend", "anthropic", q], { home, env })).code).toBe(0);
    const calls = JSON.parse((await paiAsync(["log", "--json"], { home })).stdout).filter((c: any) => c.purpose === "answer");
    const cost = calls.reduce((t: number, c: any) => t + c.cost, 0);
    const tokens = calls.reduce((t: number, c: any) => t + c.input_tokens, 0);

    const byPurpose = JSON.parse((await paiAsync(["log", "--cost", "--by", "purpose", "--json"], { home })).stdout);
    expect(byPurpose.by).toBe("purpose");
    const answer = byPurpose.rows.find((r: any) => r.purpose === "answer");
    expect(answer).toMatchObject({ calls: 2, input_tokens: tokens });
    expect(answer.cost).toBeCloseTo(cost, 12);

    const byDay = JSON.parse((await paiAsync(["log", "--cost", "--since", "today", "--json"], { home })).stdout);
    expect(byDay.rows).toHaveLength(1);
    expect(byDay.rows[0].day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.parse((await paiAsync(["log", "--cost", "--by", "job", "--json"], { home })).stdout).rows[0].job).toBeNull();

    limits(home, { overall: { daily: { cost: 100 } }, pack: { research: { monthly: { tokens: 5000 } } } });
    const human = await paiAsync(["log", "--cost", "--by", "purpose"], { home });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/PURPOSE\s+CALLS\s+IN\s+OUT\s+EST\. COST/);
    expect(human.stdout).toMatch(/answer\s+2\s/);
    expect(human.stdout).toMatch(/total\s+/);
    expect(human.stdout).toMatch(/overall\.daily\.cost: \$0\.\d+ of \$100\.00 today/);
    expect(human.stdout).toContain("pack.research.monthly.tokens: 0 tokens of 5,000 tokens this month");

    const bad = await paiAsync(["log", "--cost", "--by", "week"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("pai: invalid --by 'week' — use one of: day, purpose, job, pack\n");
  });
});

describe("a daemon job whose call a cap refuses", () => {
  it("is paused, and the audit trail says why; the server never hears of it", async () => {
    const { s, env } = await cloud();
    const saved = { ...process.env };
    Object.assign(process.env, env, { PAI_TEST_LIMITS_HOOK: "token-for-the-limits-test" });
    const r = await rig(
      { brief: { trigger: { type: "webhook" }, action: { type: "ask", prompt: "brief me", backend: "anthropic" } } },
      (c) => ({ ...c, daemon: { ...c.daemon, webhook: { ...c.daemon.webhook, enabled: true, port: 0, tokenEnv: "PAI_TEST_LIMITS_HOOK" } } }),
      (home) => limits(home, { job: { brief: { daily: { cost: 0 } } } }),
    );
    try {
      const hook = await fetch(`http://127.0.0.1:${r.daemon.webhookPort}/hooks/brief`, { method: "POST", headers: { "x-pai-token": "token-for-the-limits-test" }, body: "go" });
      expect(hook.status).toBe(202);
      await waitFor(() => r.firings("brief").find((f) => f.status === "error"), "the refused firing");
      await waitFor(() => listAudit(r.db, { job: "brief" }).find((e) => e.type === "job" && e.data.event === "disabled"), "the pause in the audit trail");
      expect(sent(s)).toBe(0);
      expect(getJob(r.p, "brief").enabled).toBe(false);
      expect(JSON.parse(readFileSync(join(r.p.jobs, "brief.json"), "utf8")).enabled).toBe(false);
      const paused = listAudit(r.db, { job: "brief" }).find((e) => e.type === "job" && e.data.event === "disabled");
      expect(paused?.data).toMatchObject({ event: "disabled", reason: "cap" });
      expect(String(paused?.data.cap)).toMatch(/^the daily cost cap for job 'brief' \(\$0\.00\) is reached/);
      const [refused] = JSON.parse((await paiAsync(["log", "--json", "--limit", "1"], { home: r.home })).stdout);
      expect(refused).toMatchObject({ outcome: "refused", job: "brief", purpose: "answer" });
      expect(JSON.parse(pai(["jobs", "list", "--json"], { home: r.home }).stdout).jobs.find((j: any) => j.name === "brief").enabled).toBe(false);
    } finally {
      await r.close();
      process.env = saved;
    }
    // Run by hand, the job is refused the same way but stays as it is.
    expect(pai(["jobs", "enable", "brief"], { home: r.home }).code).toBe(0);
    const manual = await paiAsync(["jobs", "run", "brief"], { home: r.home, env });
    expect(manual.code).not.toBe(0);
    expect(manual.stderr).toMatch(/cap for job 'brief'/);
    expect(getJob(r.p, "brief").enabled).toBe(true);
    expect(sent(s)).toBe(0);
  });
});
