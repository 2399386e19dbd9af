import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, PAI_BIN, paiAsync, ROOT } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const answer = (body: any) => {
  const sys = JSON.stringify(body.messages?.[0] ?? "");
  if (sys.includes("You extract durable facts")) return '{"items": []}';
  const last = body.messages.at(-1).content;
  return `echo: ${last}`;
};

describe("pai chat, line mode (stdin is not a terminal)", () => {
  it("answers and remembers each line, sending earlier turns as history", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const s = await startFakeOllama({ reply: answer });
    servers.push(s);
    const r = await paiAsync(["chat"], { home, input: "hi\nwhat did I say?\n", env: { OLLAMA_HOST: s.url } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("echo: hi\necho: what did I say?\n");
    const answers = s.requests.filter((q) => q.path === "/api/chat" && !JSON.stringify(q.body.messages[0]).includes("You extract"));
    expect(answers).toHaveLength(2);
    expect(answers[1]!.body.messages.slice(1).map((m: any) => m.content)).toEqual(["hi", "echo: hi", "what did I say?"]);
    const db = openDatabase(p.db);
    const eps = openMemory(db, loadConfig(p.config)).list({ kind: "episode" });
    expect(eps.map((e) => e.content).sort()).toEqual(["Q: hi\nA: echo: hi", "Q: what did I say?\nA: echo: what did I say?"]);
    expect(eps.every((e) => e.source?.startsWith("chat:ollama/"))).toBe(true);
    db.close();
  });

  it("runs slash commands: /remember, /forget, /incognito, /backend, /help, unknown ones, /exit", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    writeFileSync(p.config, JSON.stringify({ learning: { enabled: false } }));
    const s = await startFakeOllama({ reply: answer });
    servers.push(s);
    const input = ["/remember I keep bees", "/incognito", "private words", "/backend anthropic", "/backend ollama", "/nope", "/help", "/exit", "never sent"].join("\n");
    // With a key, /backend anthropic switches (without one it is refused); nothing here is sent to Anthropic.
    const r = await paiAsync(["chat"], { home, input: `${input}\n`, env: { OLLAMA_HOST: s.url, ANTHROPIC_API_KEY: "test-key" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/remembered as mem:(\d+)/);
    expect(r.stdout).toContain("incognito on");
    expect(r.stdout).toContain("echo: private words");
    expect(r.stdout).toContain("backend: anthropic (claude-sonnet-4-6)");
    expect(r.stdout).toContain("/remember TEXT");
    expect(r.stderr).toContain("unknown command /nope");
    expect(r.stdout).not.toContain("never sent");
    const id = Number(r.stdout.match(/remembered as mem:(\d+)/)![1]);
    const db = openDatabase(p.db);
    const mem = openMemory(db, loadConfig(p.config));
    expect(mem.get(id)!.content).toBe("I keep bees");
    expect(mem.list({ kind: "episode" })).toEqual([]); // incognito: nothing stored
    db.close();
    const f = await paiAsync(["chat"], { home, input: `/forget ${id}\n/forget 99999\n`, env: { OLLAMA_HOST: s.url } });
    expect(f.stdout).toContain(`forgot mem:${id}`);
    expect(f.stderr).toContain("no memory item 99999");
    const db2 = openDatabase(p.db);
    expect(openMemory(db2, loadConfig(p.config)).get(id)).toBeUndefined();
    db2.close();
  });

  it("a dead backend ends the session with exit 3 and the hint", async () => {
    const home = initHome(tmpDir());
    const r = await paiAsync(["chat"], { home, input: "hi\n", env: { OLLAMA_HOST: "http://127.0.0.1:9" } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pai: cannot reach Ollama at http:\/\/127\.0\.0\.1:9 — start it with 'ollama serve'/);
  });

  it("Ctrl-C during an answer stores it marked interrupted and exits 130", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const long = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    const s = await startFakeOllama({ reply: long, chunkDelayMs: 300 }); // 9 s: Ctrl-C lands well before the end, even on a busy machine
    servers.push(s);
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(PAI_BIN, ["chat"], { cwd: ROOT, env: { ...process.env, PAI_HOME: home, OLLAMA_HOST: s.url, NO_COLOR: "1" } });
      let stdout = "";
      let sent = false;
      child.stdout.on("data", (d) => {
        stdout += d;
        if (!sent && stdout.includes("w2 ")) {
          sent = true;
          child.kill("SIGINT");
        }
      });
      child.stdin.write("count for me\n"); // stdin stays open, as in a pipe that is still being written
      const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("close", (code) => (clearTimeout(t), resolve({ code, stdout })));
    });
    expect(r.code).toBe(130);
    expect(r.stdout).not.toContain("w29");
    const db = openDatabase(p.db);
    const eps = openMemory(db, loadConfig(p.config)).list({ kind: "episode" });
    expect(eps).toHaveLength(1);
    expect(eps[0]!.meta.interrupted).toBe(true);
    db.close();
  });

  it("Ctrl-C while waiting for the next line ends the session at once with exit 130", async () => {
    const home = initHome(tmpDir());
    const s = await startFakeOllama({ reply: answer });
    servers.push(s);
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(PAI_BIN, ["chat"], { cwd: ROOT, env: { ...process.env, PAI_HOME: home, OLLAMA_HOST: s.url, NO_COLOR: "1" } });
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += d;
        if (stdout.includes("echo: hi\n")) child.kill("SIGINT");
      });
      child.stdin.write("hi\n"); // and stdin stays open: the session is waiting for the next line
      const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("close", (code) => (clearTimeout(t), resolve({ code, stdout })));
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("echo: hi\n");
  });
});
