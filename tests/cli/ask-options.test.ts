/** `pai ask -s / --no-context / -o / -a / --no-learn`, through the real CLI against loopback model servers. */
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

function home() {
  const p = paths(initHome(tmpDir()));
  writeFileSync(p.config, JSON.stringify({ user: { name: "Ada" }, backend: { retries: 1, backoffMs: 1 } }));
  return p;
}

/** A one-pixel PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

const answers = (s: FakeServer, path: string) =>
  s.requests.filter((q) => q.path === path && !JSON.stringify(q.body ?? "").includes("You extract durable facts"));

describe("pai ask options (Ollama)", () => {
  it("-s comes after pai's instructions, -o reaches options, -a inlines text and sends images", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: "Fine." });
    servers.push(s);
    const dir = tmpDir();
    writeFileSync(join(dir, "notes.md"), "line one\n```js\nx()\n```\n");
    writeFileSync(join(dir, "dot.png"), PNG);
    const r = await paiAsync(
      ["ask", "-s", "Answer in French.", "-o", "temperature=0.2", "-o", "top_p=0.9", "-o", "num_ctx=8192", "-o", "seed=7", "-o", "max_tokens=64", "-a", join(dir, "notes.md"), "-a", join(dir, "dot.png"), "what is this?"],
      { home: p.home, env: { OLLAMA_HOST: s.url } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Fine.");
    const body = answers(s, "/api/chat")[0]!.body;
    const system: string = body.messages[0].content;
    expect(system.startsWith("You are pai")).toBe(true);
    expect(system.indexOf("Answer in French.")).toBeGreaterThan(system.indexOf("You are pai"));
    expect(body.options).toMatchObject({ temperature: 0.2, top_p: 0.9, num_ctx: 8192, seed: 7, num_predict: 64 });
    const user = body.messages.at(-1);
    expect(user.content).toMatch(/^what is this\?\n\nAttached file notes\.md:\n````\nline one\n```js\nx\(\)\n```\n````$/);
    expect(user.images).toEqual([PNG.toString("base64")]);
    // The stored exchange names the files and keeps none of their content.
    const db = openDatabase(p.db);
    const ep = openMemory(db, loadConfig(p.config)).list({ kind: "episode" })[0]!;
    expect(ep.content).toContain("[attached: notes.md, dot.png]");
    expect(ep.content).not.toContain("line one");
    db.close();
  });

  it("--no-context sends no Telos or memories; --no-learn stores the exchange but queues nothing to learn", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: "Sure." });
    servers.push(s);
    const db = openDatabase(p.db);
    openMemory(db, loadConfig(p.config)).remember({ content: "I keep bees in Ottoline's garden", kind: "fact" });
    db.close();
    const env = { OLLAMA_HOST: s.url };
    expect((await paiAsync(["ask", "--no-context", "--no-learn", "where are the bees?"], { home: p.home, env })).code).toBe(0);
    const bare = answers(s, "/api/chat")[0]!.body;
    expect(bare.messages[0].content).not.toContain("What you know about the user");
    expect(JSON.stringify(bare)).not.toContain("Ottoline");
    // With the context, the same question carries the memory (the control).
    expect((await paiAsync(["ask", "--no-learn", "and where do the bees live?"], { home: p.home, env })).code).toBe(0);
    expect(JSON.stringify(answers(s, "/api/chat")[1]!.body)).toContain("Ottoline");
    const db2 = openDatabase(p.db);
    const mem = openMemory(db2, loadConfig(p.config));
    expect(mem.list({ kind: "episode" })).toHaveLength(2);
    expect(db2.prepare<{ n: number }>("SELECT count(*) AS n FROM learning_queue").get()!.n).toBe(0);
    db2.close();
    expect(s.requests.some((q) => JSON.stringify(q.body ?? "").includes("You extract durable facts"))).toBe(false);
  });

  it("bad options and files are refused in one line, with exit 2, before anything is sent", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: "no" });
    servers.push(s);
    const dir = tmpDir();
    writeFileSync(join(dir, "blob.bin"), Buffer.from([0, 1, 2, 3, 255, 0]));
    const run = (...args: string[]) => paiAsync(["ask", ...args, "hello"], { home: p.home, env: { OLLAMA_HOST: s.url } });
    const cases: [string[], RegExp][] = [
      [["-o", "warmth=1"], /^pai: unknown model option 'warmth' — use one of: temperature, top_p, .*max_tokens \(e\.g\. -o temperature=0\.2\)\n$/],
      [["-o", "temperature=hot"], /^pai: invalid -o temperature 'hot' — give a number from 0 to 2 .*\n$/],
      [["-o", "top_p=1.5"], /^pai: invalid -o top_p '1\.5' — give a number from 0 to 1 .*\n$/],
      [["-o", "num_ctx=2.5"], /^pai: invalid -o num_ctx '2\.5' — give a whole number of at least 1 .*\n$/],
      [["-o", "seed"], /^pai: invalid -o seed '' — .*\n$/],
      [["-a", join(dir, "missing.txt")], /^pai: no file '.*missing\.txt' to attach — check the path given to -a\n$/],
      [["-a", join(dir, "blob.bin")], /^pai: '.*blob\.bin' is a binary file, neither text nor an image — attach text files or PNG, JPEG, GIF or WebP images\n$/],
    ];
    for (const [args, line] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(line);
      expect(r.stdout).toBe("");
    }
    expect(s.requests.filter((q) => q.path === "/api/chat")).toHaveLength(0);
  });
});

describe("pai ask options (Anthropic)", () => {
  it("sends the image block and the options the API has, redacts secrets in attachments, keeps private items out", async () => {
    const p = home();
    writeFileSync(join(p.telos, "goals.md"), "---\ntitle: Goals\nvisibility: private\n---\n- G1: Secret goal: buy the competitor\n");
    const db = openDatabase(p.db);
    openMemory(db, loadConfig(p.config)).remember({ content: "My therapist is Dr Who", kind: "fact", visibility: "private" });
    db.close();
    const s = await startFakeAnthropic({ reply: "Seen." });
    servers.push(s);
    const dir = tmpDir();
    const key = "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0".repeat(3);
    writeFileSync(join(dir, "env.txt"), `ANTHROPIC_API_KEY=${key}\nwho is my therapist?\n`);
    writeFileSync(join(dir, "dot.png"), PNG);
    const r = await paiAsync(
      ["ask", "--backend", "anthropic", "-s", "Be brief.", "-o", "temperature=0.5", "-o", "top_k=20", "-o", "seed=3", "-o", "max_tokens=99", "-a", join(dir, "dot.png"), "-a", join(dir, "env.txt"), "look"],
      { home: p.home, env: { ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: "test-key" } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("pai: the anthropic backend has no seed option: not sent");
    const body = s.requests.find((q) => q.path === "/v1/messages")!.body;
    expect(body).toMatchObject({ temperature: 0.5, top_k: 20, max_tokens: 99 });
    expect(body.seed).toBeUndefined();
    expect(body.system.indexOf("Be brief.")).toBeGreaterThan(body.system.indexOf("You are pai"));
    const content = body.messages.at(-1).content;
    expect(content[0]).toEqual({ type: "image", source: { type: "base64", media_type: "image/png", data: PNG.toString("base64") } });
    expect(content[1].type).toBe("text");
    expect(content[1].text).toContain("Attached file env.txt:");
    const sent = JSON.stringify(body);
    expect(sent).not.toContain(key);
    expect(sent).toContain("[REDACTED:");
    expect(sent).not.toContain("Dr Who");
    expect(sent).not.toContain("buy the competitor");
  });
});
