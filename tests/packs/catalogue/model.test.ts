/** The model-tier packs (patterns, telos review, codegen's skill) against a loopback Ollama. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT, paiAsync } from "../../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../../helpers/fake-ollama.ts";
import { tmpDir } from "../../helpers/tmp.ts";
import { useTelosExamples } from "../../helpers/telos-examples.ts";
import { home, install, runIn, runs, setSettings } from "../helpers.ts";

let fake: FakeServer | undefined;
const saved = process.env.OLLAMA_HOST;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  if (saved === undefined) delete process.env.OLLAMA_HOST;
  else process.env.OLLAMA_HOST = saved;
});

async function model(reply: NonNullable<Parameters<typeof startFakeOllama>[0]>["reply"]): Promise<FakeServer> {
  fake = await startFakeOllama({ reply });
  process.env.OLLAMA_HOST = fake.url;
  return fake;
}

const chats = (f: FakeServer) => f.requests.filter((r) => r.path === "/api/chat").map((r) => r.body);

describe("patterns", () => {
  it("has a dozen prompts in the fabric format", () => {
    const dir = join(ROOT, "packs", "patterns", "prompts");
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of ["summarize.md", "extract_wisdom.md", "improve_writing.md", "explain_code.md", "create_cli.md"]) expect(files).toContain(f);
    for (const f of files) {
      const text = readFileSync(join(dir, f), "utf8");
      const headings = text.split("\n").filter((l) => l.startsWith("# "));
      expect(headings, f).toEqual(["# IDENTITY and PURPOSE", "# STEPS", "# OUTPUT INSTRUCTIONS", "# INPUT"]);
      expect(text, f).toContain("{{input}}");
    }
  });

  it("pai run patterns:summarize - sends the pattern with the piped text and streams the answer", async () => {
    const p = home();
    await install(p, "patterns");
    const f = await model("ONE SENTENCE SUMMARY: packs route requests deterministically first.");
    const r = await paiAsync(["run", "patterns:summarize", "-"], { home: p.home, input: "Packs route code, then CLI, then prompt, then skill.", env: { OLLAMA_HOST: f.url } });
    expect(r.stderr).toBe("");
    expect(r).toMatchObject({ code: 0, stdout: "ONE SENTENCE SUMMARY: packs route requests deterministically first.\n" });
    const [body] = chats(f);
    const user = body.messages.find((m: { role: string }) => m.role === "user").content as string;
    expect(user.startsWith("# IDENTITY and PURPOSE\n\nYou are an expert content summarizer.")).toBe(true);
    expect(user.endsWith("INPUT:\n\nPacks route code, then CLI, then prompt, then skill.")).toBe(true);
    expect(runs(p)[0]).toMatchObject({ pack: "patterns", command: "summarize", tier: "prompt", outcome: "ok" });
  });

  it("a prompt with no input is refused before any model call", async () => {
    const p = home();
    await install(p, "patterns");
    const f = await model("never");
    const r = await runIn({ pack: "patterns", command: "explain_code" }, { text: "  " }, { paths: p });
    expect(r.output).toBe("patterns:explain_code needs some input");
    expect(chats(f)).toEqual([]);
  });
});

describe("telos review", () => {
  it("sends the review prompt with the user's goals and the focus", async () => {
    const p = home();
    useTelosExamples(p.home);
    await install(p, "telos");
    await runIn({ pack: "telos", command: "checkin" }, { text: "tagged v0.1", vars: { goal: "G1" } }, { paths: p });
    const f = await model("## G1: on track");
    const r = await runIn({ pack: "telos", command: "review" }, { text: "the side project" }, { paths: p });
    expect(r).toMatchObject({ ok: true, output: "## G1: on track" });
    const sent = JSON.stringify(chats(f)[0].messages);
    expect(sent).toContain("You are a clear-eyed, supportive coach");
    expect(sent).toContain("Ship a first version of my side project by summer");
    expect(sent).toContain("The user's focus for this review (may be empty):\\n\\nthe side project");
    // The weekly hook runs it with no focus at all.
    const scheduled = await runIn({ pack: "telos", command: "review" }, {}, { paths: p, origin: "daemon:telos-review" });
    expect(scheduled.ok).toBe(true);
  });
});

describe("codegen (a skill)", () => {
  const files: Record<string, string> = {
    "wordcount/package.json": '{ "name": "wordcount", "version": "0.1.0", "type": "module", "bin": { "wordcount": "src/cli.ts" } }',
    "wordcount/tsconfig.json": '{ "compilerOptions": { "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "noEmit": true } }',
    "wordcount/src/cli.ts": "import { parseArgs } from 'node:util';\nconsole.log('wordcount');",
    "wordcount/README.md": "# wordcount",
  };

  it("runs a bounded tool loop: only the allowed tools, writes only under its root", async () => {
    const p = home();
    await install(p, "codegen");
    const root = tmpDir();
    setSettings(p, "codegen", { root });
    const f = await model((body: any) => {
      const toolMsgs = body.messages.filter((m: { role: string }) => m.role === "tool").length;
      if (toolMsgs === 0) return { toolCalls: [{ name: "list-files", arguments: { vars: { path: "wordcount" } } }] };
      if (toolMsgs === 1) {
        return {
          toolCalls: [
            ...Object.entries(files).map(([path, text]) => ({ name: "write-file", arguments: { vars: { path }, text } })),
            { name: "write-file", arguments: { vars: { path: "../escape.txt" }, text: "x" } },
            { name: "scaffold", arguments: { text: "again" } },
          ],
        };
      }
      return { content: "Wrote wordcount/package.json, tsconfig.json, src/cli.ts and README.md." };
    });
    const r = await runIn({ pack: "codegen", command: "scaffold" }, { text: "a CLI named wordcount in wordcount that counts words" }, { paths: p });
    expect(r).toMatchObject({ ok: true, tier: "skill", output: "Wrote wordcount/package.json, tsconfig.json, src/cli.ts and README.md." });
    for (const [rel, text] of Object.entries(files)) expect(readFileSync(join(root, rel), "utf8")).toBe(`${text}\n`);
    expect(existsSync(join(root, "..", "escape.txt"))).toBe(false);

    const requests = chats(f);
    expect(requests).toHaveLength(3);
    expect(requests[0].tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["write-file", "list-files"]);
    expect(JSON.stringify(requests[0].messages)).toContain(`code root, \`${root}\``);
    const results = requests[2].messages.filter((m: { role: string }) => m.role === "tool").map((m: { content: string }) => m.content);
    expect(results[0]).toBe("(empty)");
    expect(results.slice(1, 5).every((c: string) => /^wrote wordcount\//.test(c))).toBe(true);
    expect(results[5]).toMatch(/^error: codegen:write-file failed: '\.\.\/escape\.txt' must be a path relative to the code root/);
    expect(results[6]).toBe("refused: 'scaffold' is not a tool this skill may use (allowed: write-file, list-files)");

    const rows = runs(p);
    expect(rows[0]).toMatchObject({ command: "scaffold", tier: "skill", outcome: "ok", parent_id: null });
    expect(rows.filter((x) => x.parent_id === rows[0]!.id).map((x) => x.command)).toEqual(["list-files", "write-file", "write-file", "write-file", "write-file", "write-file"]);
    expect(rows.filter((x) => x.origin === "skill:codegen:scaffold")).toHaveLength(6);
  });

  it("stops after maxSteps when the model never finishes", async () => {
    const p = home();
    await install(p, "codegen");
    setSettings(p, "codegen", { root: tmpDir() });
    const f = await model(() => ({ toolCalls: [{ name: "list-files", arguments: {} }] }));
    const r = await runIn({ pack: "codegen", command: "scaffold" }, { text: "loop forever" }, { paths: p });
    expect(r).toMatchObject({ ok: false, outcome: "failed", output: "codegen:scaffold stopped after 12 steps without finishing" });
    expect(chats(f)).toHaveLength(12);
  });
});

describe("prompt packs with a cloud backend", () => {
  it("send nothing private and no secrets to Anthropic", async () => {
    const { startFakeAnthropic } = await import("../../helpers/fake-anthropic.ts");
    const { writeFileSync } = await import("node:fs");
    const p = home();
    await install(p, "patterns");
    writeFileSync(join(p.telos, "goals.md"), "---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: private\n---\n\n# Goals\n\n- G1: Leave my employer quietly (supports: M1)\n");
    const cloud = await startFakeAnthropic({ reply: "Summary." });
    const savedEnv = { base: process.env.ANTHROPIC_BASE_URL, key: process.env.ANTHROPIC_API_KEY };
    process.env.ANTHROPIC_BASE_URL = cloud.url;
    process.env.ANTHROPIC_API_KEY = "test-key";
    try {
      const r = await runIn(
        { pack: "patterns", command: "summarize" },
        { text: "Meeting notes. The deploy key is ghp_1234567890abcdefghijklmnopqrstuvwxyzAB for now." },
        { paths: p, backend: "anthropic" },
      );
      expect(r).toMatchObject({ ok: true, output: "Summary." });
      const body = JSON.stringify(cloud.requests.find((q) => q.path.startsWith("/v1/messages"))!.body);
      expect(body).toContain("Meeting notes.");
      expect(body).not.toContain("Leave my employer");
      expect(body).not.toContain("ghp_1234567890abcdefghijklmnopqrstuvwxyzAB");
    } finally {
      await cloud.close();
      for (const [k, v] of [["ANTHROPIC_BASE_URL", savedEnv.base], ["ANTHROPIC_API_KEY", savedEnv.key]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
