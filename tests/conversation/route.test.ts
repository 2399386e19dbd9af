// `pai ask` hands a request to a matching pack, and answers with the model otherwise or with --no-packs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe("pai ask routes to packs", () => {
  it("runs the journal pack's code command when its trigger matches, without a model call", async () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "model answer" });
    closers.push(() => ollama.close());
    const r = await paiAsync(["ask", "add to my journal: shipped the beta"], { home, env: { OLLAMA_HOST: ollama.url } });
    expect(r.stderr).toContain("journal:write");
    expect(r.code).toBe(0);
    const dir = join(home, "user", "journal");
    expect(existsSync(dir)).toBe(true);
    const note = readFileSync(join(dir, readdirSync(dir)[0]!), "utf8");
    expect(note).toContain("shipped the beta");
    expect(ollama.requests.filter((q) => q.path === "/api/chat")).toHaveLength(0);
  });

  it("answers with the model when no trigger matches, and with --no-packs", async () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "model answer" });
    closers.push(() => ollama.close());
    const env = { OLLAMA_HOST: ollama.url };
    const plain = await paiAsync(["ask", "--incognito", "what is the capital of France?"], { home, env });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("model answer");
    const forced = await paiAsync(["ask", "--incognito", "--no-packs", "add to my journal: not this time"], { home, env });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("model answer");
    expect(existsSync(join(home, "user", "journal"))).toBe(false);
  });
});
