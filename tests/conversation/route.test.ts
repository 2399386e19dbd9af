// `pai ask` hands a request to a matching pack, and answers with the model otherwise or with --no-packs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { makePack } from "../packs/helpers.ts";

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

describe("pai ask hands over only unambiguous requests", () => {
  const chats = (o: { requests: { path: string; body: any }[] }) => o.requests.filter((q) => q.path === "/api/chat").map((q) => JSON.stringify(q.body));
  const SUMMARIZER = "expert content summarizer";

  it("answers questions with the model although a patterns prompt's trigger fits them; pai do still routes to patterns", async () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "patterns", "--yes"], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "model answer" });
    closers.push(() => ollama.close());
    const env = { OLLAMA_HOST: ollama.url };
    for (const question of ["summarise my goals", "write a commit message for my change"]) {
      const before = ollama.requests.length;
      const r = await paiAsync(["ask", "--incognito", question], { home, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("model answer");
      expect(r.stderr).not.toContain("patterns:");
      const sent = chats({ requests: ollama.requests.slice(before) });
      expect(sent.length).toBeGreaterThan(0);
      expect(sent[0]).toContain(question);
      for (const body of sent) expect(body).not.toContain(SUMMARIZER);
    }
    const explain = pai(["do", "--explain", "summarise my goals"], { home });
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain("Would run patterns:summarize (prompt)");
    expect(explain.stdout).toContain("'pai ask' would answer it with the model");
    const before = ollama.requests.length;
    const done = await paiAsync(["do", "--incognito", "--json", "summarise my goals"], { home, env });
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).chosen).toMatchObject({ pack: "patterns", command: "summarize", tier: "prompt" });
    expect(chats({ requests: ollama.requests.slice(before) }).join("\n")).toContain(SUMMARIZER);
  });

  it("runs a prompt command when the request names its pack", async () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "patterns", "--yes"], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "pattern answer" });
    closers.push(() => ollama.close());
    const env = { OLLAMA_HOST: ollama.url };
    for (const question of ["use patterns to summarise my goals", "patterns: summarise my goals", "patterns:summarize my goals"]) {
      const before = ollama.requests.length;
      const r = await paiAsync(["ask", "--incognito", question], { home, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("patterns:summarize");
      expect(r.stdout).toContain("pattern answer");
      const sent = chats({ requests: ollama.requests.slice(before) });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toContain(SUMMARIZER);
      expect(sent[0]).toContain("my goals");
    }
  });

  it("answers with the model when a code command fits only by an example phrase, or when two code commands fit", async () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "model answer" });
    closers.push(() => ollama.close());
    const env = { OLLAMA_HOST: ollama.url };
    // journal:today lists this very sentence as an example; `pai do` still takes it.
    const example = "what did I write in my journal today";
    expect(pai(["do", "--explain", example], { home }).stdout).toContain("Would run journal:today");
    const byExample = await paiAsync(["ask", "--incognito", example], { home, env });
    expect(byExample.code, byExample.stderr).toBe(0);
    expect(byExample.stdout).toContain("model answer");
    expect(byExample.stderr).not.toContain("journal:today");

    const diary = makePack(
      {
        name: "diary",
        version: "1.0.0",
        description: "a second journal",
        commands: { add: { tier: "code", description: "add", module: "m.ts", export: "run", triggers: { patterns: ["^add to my journal: (?<input>.+)$"] } } },
      },
      { "m.ts": "export function run() { return 'diary ran'; }\n" },
    );
    expect(pai(["pack", "install", diary, "--yes"], { home }).code).toBe(0);
    const both = await paiAsync(["ask", "--incognito", "add to my journal: shipped the beta"], { home, env });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toContain("model answer");
    expect(both.stdout).not.toContain("diary ran");
    expect(existsSync(join(home, "user", "journal"))).toBe(false);
    // Naming the pack settles it.
    const named = await paiAsync(["ask", "diary: add to my journal: shipped the beta"], { home, env });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain("diary ran");
  });
});
