import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { EnvironmentError } from "../../src/kernel/errors.ts";
import { getBackend, listCalls } from "../../src/models/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { join } from "node:path";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe("pai models", () => {
  it("lists each backend's models, which serve each purpose, and works with one backend down", async () => {
    const home = initHome(tmpDir());
    writeFileSync(paths(home).config, JSON.stringify({ models: { extract: { model: "qwen3" } } }));
    const o = await startFakeOllama({ models: ["llama3.2:latest", "qwen3:latest", "nomic-embed-text:latest"] });
    servers.push(o);
    const r = await paiAsync(["models", "--json"], { home, env: { OLLAMA_HOST: o.url, ANTHROPIC_API_KEY: undefined } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.default).toBe("ollama");
    expect(out.in_use).toEqual({
      answer: { backend: "ollama", model: "llama3.2" },
      extract: { backend: "ollama", model: "qwen3" },
      embed: { backend: "ollama", model: "nomic-embed-text" },
    });
    const ollama = out.backends.find((b: any) => b.name === "ollama");
    expect(ollama.ok).toBe(true);
    expect(ollama.models.map((m: any) => m.name)).toEqual(["llama3.2:latest", "qwen3:latest", "nomic-embed-text:latest"]);
    const anthropic = out.backends.find((b: any) => b.name === "anthropic");
    expect(anthropic).toMatchObject({ ok: false, audience: "cloud" });
    expect(anthropic.detail).toContain("ANTHROPIC_API_KEY");

    const a = await startFakeAnthropic();
    servers.push(a);
    const human = await paiAsync(["models", "--backend", "anthropic"], { home, env: { ANTHROPIC_BASE_URL: a.url, ANTHROPIC_API_KEY: "test-key" } });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("anthropic (cloud) — ok");
    expect(human.stdout).toContain("claude-haiku-4-5");
    expect(human.stdout).not.toContain("ollama (local)");
  });
});

describe("pai log", () => {
  it("shows the calls, newest first, limited, and never the key", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const a = await startFakeAnthropic({ status: [429, 200] });
    servers.push(a);
    const db = openDatabase(p.db);
    const c = configSchema.parse({ backend: { backoffMs: 1 } });
    const b = getBackend({ purpose: "answer", backend: "anthropic", config: c, db, env: { ANTHROPIC_BASE_URL: a.url, ANTHROPIC_API_KEY: "sk-ant-secret-key" } });
    for await (const _ of b.chat({ purpose: "answer", messages: [{ role: "user", content: "hi" }], exchangeId: "ex-1" })) {
    }
    db.close();
    const r = await paiAsync(["log", "--json", "--limit", "1"], { home });
    expect(r.code).toBe(0);
    const calls = JSON.parse(r.stdout);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ backend: "anthropic", model: "claude-sonnet-4-6", purpose: "answer", outcome: "ok", attempt: 2, exchange_id: "ex-1" });
    const all = await paiAsync(["log"], { home });
    expect(all.stdout).toMatch(/TIME \(\S+\)\s+BACKEND\s+MODEL/);
    expect(all.stdout).toContain("retried");
    expect(all.stdout + r.stdout).not.toContain("sk-ant-secret-key");
    // --exchange takes the whole id or the first characters the table shows.
    for (const id of ["ex-1", "ex"]) {
      const one = JSON.parse((await paiAsync(["log", "--json", "--exchange", id], { home })).stdout);
      expect(one.map((c: any) => [c.exchange_id, c.attempt])).toEqual([["ex-1", 2], ["ex-1", 1]]);
    }
    expect((await paiAsync(["log", "--exchange", "zz"], { home })).stdout).toBe("No model calls in exchange zz.\n");
    const bad = await paiAsync(["log", "--limit", "0"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pai: invalid --limit '0'/);
  });
});

describe("timeouts", () => {
  it("a backend that stops sending is timed out, retried, then reported", async () => {
    // The first word at once, then a stall far longer than the timeout (which is long enough for a busy machine to answer).
    const o = await startFakeOllama({ reply: "slow slow slow slow", chunkDelayMs: 30_000 });
    servers.push(o);
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const c = configSchema.parse({ backend: { timeoutMs: 2000, retries: 1, backoffMs: 1 } });
    const b = getBackend({ purpose: "answer", config: c, db, env: { OLLAMA_HOST: o.url } });
    let text = "";
    const err = await (async () => {
      for await (const ev of b.chat({ purpose: "answer", messages: [{ role: "user", content: "x" }] })) if (ev.type === "text") text += ev.text;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/did not answer in time/);
    expect(err.hint).toContain("backend.timeoutMs");
    // The first chunk arrived before the stall, so it was not retried (the text would repeat).
    expect(text).toBe("slow ");
    expect(listCalls(db).map((x) => x.outcome)).toEqual(["timeout"]);
    db.close();
  });
});
