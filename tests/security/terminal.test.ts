/**
 * Escape sequences in text that did not come from pai (an imported memory, a model's answer, a pack's output,
 * an audit entry) never reach the terminal: every command shows them as visible symbols, and --json escapes
 * them (C1 controls and bidirectional overrides included) while keeping the same value.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { makePack } from "../packs/helpers.ts";

const NASTY = "clip\u001b]52;c;cHduZWQ=\u0007 wipe\u001b[2J csi\u009b31m bidi\u202eevil\u202c bell\u0007 cr\rend";
// Any byte that drives a terminal: C0 but tab and newline, DEL, C1, bidi overrides.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let ollama: FakeServer;
beforeAll(async () => {
  ollama = await startFakeOllama({ reply: `answer ${NASTY}` });
});
afterAll(async () => {
  await ollama.close();
});

describe("text from strangers cannot drive the terminal", () => {
  it("an imported memory: list, search, show print it inertly; --json keeps the text", () => {
    const home = initHome(tmpDir("pai-term-"));
    const file = join(tmpDir("pai-term-in-"), "in.jsonl");
    writeFileSync(file, `${JSON.stringify({ content: `subject ${NASTY}` })}\n`);
    const imp = pai(["memory", "import", file], { home });
    expect(imp.code, imp.stderr).toBe(0);
    const list = pai(["memory", "list", "--json"], { home });
    const item = JSON.parse(list.stdout).find((i: { content: string }) => i.content.startsWith("subject"));
    expect(item.content).toBe(`subject ${NASTY}`);
    expect(list.stdout).not.toMatch(RAW);
    for (const args of [["memory", "list"], ["memory", "search", "subject"], ["memory", "show", String(item.id)], ["memory", "search", "subject", "--json"]]) {
      const r = pai(args, { home });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(" ")).not.toMatch(RAW);
      if (!args.includes("--json")) expect(r.stdout, args.join(" ")).toContain("␛]52;c;cHduZWQ=␇");
    }
  });

  it("a model's answer streamed by pai ask, and a pack's output from pai run", async () => {
    const home = initHome(tmpDir("pai-term-"));
    const r = await paiAsync(["ask", "hello"], { home, env: { OLLAMA_HOST: ollama.url } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("answer clip");
    expect(r.stdout).not.toMatch(RAW);
    const j = await paiAsync(["ask", "hello", "--json"], { home, env: { OLLAMA_HOST: ollama.url } });
    expect(j.stdout).not.toMatch(RAW);
    expect(JSON.parse(j.stdout).answer).toBe(`answer ${NASTY}`);

    const src = makePack(
      { name: "loud", version: "1.0.0", description: "prints", commands: { say: { tier: "code", description: "say", module: "m.ts", export: "run" } } },
      { "m.ts": `export function run() { return ${JSON.stringify(NASTY)}; }\n` },
    );
    expect(pai(["pack", "install", src, "--yes"], { home }).code).toBe(0);
    const run = pai(["run", "loud:say"], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("␛[2J");
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stderr).not.toMatch(RAW);
  });

  it("a pack's log lines on stderr are inert too", () => {
    const home = initHome(tmpDir("pai-term-"));
    const src = makePack(
      { name: "chatty", version: "1.0.0", description: "logs", commands: { say: { tier: "code", description: "say", module: "m.ts", export: "run" } } },
      { "m.ts": `export function run(ctx) { ctx.log(${JSON.stringify(NASTY)}); return "ok"; }\n` },
    );
    expect(pai(["pack", "install", src, "--yes"], { home }).code).toBe(0);
    const run = pai(["run", "chatty:say"], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("␛]52;c;cHduZWQ=␇");
    expect(run.stderr).not.toMatch(RAW);
  });

  it("an error line that quotes a stranger's text is inert too", () => {
    const home = initHome(tmpDir("pai-term-"));
    const r = pai(["memory", "show", `1\u001b]52;c;eA==\u0007`], { home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(RAW);
  });
});
