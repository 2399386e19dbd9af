/** Only the model SDK a command talks to is loaded: `pai ask` with Ollama never loads Anthropic's, and back. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, ROOT } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Runs `pai ARGS` from source and gives its exit code, output and the modules it loaded. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; modules: string[] }> {
  const list = join(tmpDir(), "modules.txt");
  const bun = join(ROOT, "node_modules", "bun", "bin", "bun.exe");
  const child = spawn(bun, ["--preload", join(ROOT, "tests/fixtures/record-modules.ts"), join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, PAI_NO_RESIDENT: "1", NO_COLOR: "1", PAI_TEST_MODULES: list, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, modules: readFileSync(list, "utf8").split("\n") })),
  );
}

const has = (modules: string[], pkg: string) => modules.some((m) => m.includes(`/node_modules/${pkg}/`));

describe("model SDKs load on demand", () => {
  it("ask with Ollama loads the ollama client only", async () => {
    const s: FakeServer = await startFakeOllama({ reply: "blue" });
    servers.push(s);
    const home = initHome(tmpDir());
    const r = await run(["ask", "--no-learn", "what colour?"], { PAI_HOME: home, OLLAMA_HOST: s.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("blue");
    expect(has(r.modules, "ollama")).toBe(true);
    expect(has(r.modules, "@anthropic-ai/sdk")).toBe(false);
  });

  it("ask with Anthropic loads Anthropic's SDK only; a command that calls no model loads neither", async () => {
    const a = await startFakeAnthropic({ reply: "green" });
    servers.push(a);
    const home = initHome(tmpDir());
    const env = { PAI_HOME: home, ANTHROPIC_BASE_URL: a.url, ANTHROPIC_API_KEY: "sk-ant-test-000" };
    const r = await run(["ask", "--backend", "anthropic", "--no-learn", "what colour?"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("green");
    expect(has(r.modules, "@anthropic-ai/sdk")).toBe(true);
    expect(has(r.modules, "ollama")).toBe(false);
    const m = await run(["memory", "list"], env);
    expect(m.code).toBe(0);
    expect(has(m.modules, "@anthropic-ai/sdk") || has(m.modules, "ollama") || has(m.modules, "zod")).toBe(false);
  });
});
