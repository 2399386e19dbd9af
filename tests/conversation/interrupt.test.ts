import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, PAI_BIN, ROOT } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Runs `pai ask`, sends SIGINT once the first words are on stdout, and returns what happened. */
function askThenInterrupt(home: string, env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PAI_BIN, ["ask", ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", PAI_HOME: home, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!sent && stdout.includes("two")) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const LONG = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty";

describe("Ctrl-C during a streamed answer", () => {
  for (const backend of ["ollama", "anthropic"] as const) {
    it(`${backend}: stores the partial answer marked interrupted (never complete) and exits 130`, async () => {
      const home = initHome(tmpDir());
      const p = paths(home);
      writeFileSync(p.config, JSON.stringify({ backend: { retries: 0 } }));
      // 20 words over 8 s: the interrupt lands well before the end even when the machine is busy.
      const s = backend === "ollama" ? await startFakeOllama({ reply: LONG, chunkDelayMs: 400 }) : await startFakeAnthropic({ reply: LONG, chunkDelayMs: 400 });
      servers.push(s);
      const env: Record<string, string> =
        backend === "ollama" ? { OLLAMA_HOST: s.url } : { ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: "test-key" };
      const r = await askThenInterrupt(home, env, ["--backend", backend, "count to twenty"]);
      expect(r.code).toBe(130);
      expect(r.stdout).not.toContain("nineteen");
      expect(r.stderr).toMatch(/interrupted/);
      const db = openDatabase(p.db);
      const mem = openMemory(db, loadConfig(p.config));
      const episodes = mem.list({ kind: "episode" });
      // Stored marked as interrupted, or not at all: never as a complete answer.
      for (const e of episodes) {
        expect(e.meta.interrupted).toBe(true);
        expect(e.meta.complete).toBe(false);
        expect(e.content).toContain("interrupted");
        expect(e.content).not.toContain("nineteen twenty");
      }
      expect(episodes.length).toBeLessThanOrEqual(1);
      expect(mem.list({}).filter((m) => m.source === "learned")).toEqual([]);
      db.close();
    });
  }
});
