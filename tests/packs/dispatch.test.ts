import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { matchRequest } from "../../src/packs/index.ts";
import { paiAsync, pai } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { dispatchIn, home, install, makePack, runs } from "./helpers.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";

let fake: FakeServer | undefined;
const savedHost = process.env.OLLAMA_HOST;
beforeEach(() => {
  fake = undefined;
});
afterEach(async () => {
  await fake?.close();
  if (savedHost === undefined) delete process.env.OLLAMA_HOST;
  else process.env.OLLAMA_HOST = savedHost;
});

async function model(reply: (body: any) => string): Promise<FakeServer> {
  fake = await startFakeOllama({ reply });
  process.env.OLLAMA_HOST = fake.url;
  return fake;
}

/** One pack with a command at each tier, all triggered by "deploy …" in a different way. */
function tiersPack() {
  return makePack(
    {
      name: "tiers",
      version: "1.0.0",
      description: "one command per tier",
      commands: {
        skill: { tier: "skill", description: "agentic deploy", skill: "skills/deploy-skill", triggers: { names: ["deploy"] } },
        prompt: { tier: "prompt", description: "explain a deploy", prompt: "p.md", triggers: { patterns: ["^deploy (?<input>.+)$"] } },
        cli: { tier: "cli", description: "echo the deploy", exec: "echo", args: ["cli:{{input}}"], triggers: { examples: ["deploy the staging site now"] }, permissions: { exec: ["echo"] } },
        code: { tier: "code", description: "code deploy", module: "c.ts", triggers: { patterns: ["^deploy (?<target>prod|staging)\\b(?<input>.*)$"] } },
      },
    },
    {
      "c.ts": "export default (ctx) => `code:${ctx.vars.target}:${ctx.text.trim()}`",
      "p.md": "# IDENTITY and PURPOSE\n\nExplain.\n\n# INPUT\n\n{{input}}\n",
      "skills/deploy-skill/SKILL.md": "---\nname: deploy-skill\ndescription: deploys\nallowed-tools: cli\n---\nDeploy.",
    },
  );
}

describe("dispatch: code → cli → prompt → skill", () => {
  it("takes the first tier whose trigger fits, and explains why without running anything", async () => {
    const p = home();
    await install(p, tiersPack());
    const explained = await dispatchIn("deploy staging site now", { explain: true, paths: p });
    expect(explained.ran).toBe(false);
    expect(explained.chosen).toMatchObject({ pack: "tiers", command: "code", tier: "code", trigger: "pattern", input: { vars: { target: "staging" } } });
    expect(explained.tiers.map((t) => [t.tier, !!t.matched])).toEqual([
      ["code", true],
      ["cli", false],
      ["prompt", false],
      ["skill", false],
    ]);
    expect(explained.tiers[1]!.why).toBe("not tried: an earlier tier matched");
    expect(runs(p)).toEqual([]);

    const ran = await dispatchIn("deploy staging site now", { paths: p });
    expect(ran.output).toBe("code:staging:site now");
    // Not code (no prod|staging) but close to the cli example phrase: the cli tier wins over prompt and skill.
    const cli2 = await dispatchIn("please deploy the staging site now", { explain: true, paths: p });
    expect(cli2.chosen).toMatchObject({ command: "cli", trigger: "example", detail: "deploy the staging site now" });
    // Only the prompt's pattern and the skill's name fit: the prompt tier wins.
    expect((await dispatchIn("deploy my blog", { explain: true, paths: p })).chosen).toMatchObject({ command: "prompt", trigger: "pattern", input: { text: "my blog" } });
    expect(matchRequest("nothing like it", p).chosen).toBeUndefined();
  });

  it("routes everyday requests to the right command of the catalogue", async () => {
    const p = home();
    for (const name of ["journal", "telos", "notes-search", "git-digest", "patterns", "research", "notify", "voice", "codegen"]) await install(p, name);
    const table: [string, string | undefined, Record<string, string>?][] = [
      ["journal a good day", "journal:write"],
      ["search my notes for kubernetes", "notes-search:search", { input: "kubernetes" }],
      ["what changed in my repos since monday?", "git-digest:digest", { since: "monday" }],
      ["summarize https://example.com/a", "research:summarize"],
      ["summarize: a long text", "patterns:summarize"],
      ["notify me: backup done", "notify:send", { input: "backup done" }],
      ["say hello", "voice:say"],
      ["check-in on G1: shipped it", "telos:checkin", { goal: "G1", input: "shipped it" }],
      ["review my goals", "telos:review"],
      ["list my goals", "telos:goals"],
      ["scaffold a typescript cli named wc", "codegen:scaffold"],
      ["explain this code: x = 1", "patterns:explain_code"],
      ["how tall is mont blanc", undefined],
    ];
    for (const [request, expected, vars] of table) {
      const { chosen } = matchRequest(request, p);
      expect(chosen ? `${chosen.pack}:${chosen.command}` : undefined, request).toBe(expected);
      if (vars) expect(chosen!.input.vars, request).toEqual(vars);
    }
  });

  it("a prompt command sends the rendered pattern with the user's context to the model", async () => {
    const p = home();
    useTelosExamples(p.home); // the goals the context must carry
    await install(p, tiersPack());
    const f = await model(() => "An explanation.");
    const r = await dispatchIn("deploy my blog", { paths: p });
    expect(r).toMatchObject({ ran: true, ok: true, output: "An explanation." });
    const chat = f.requests.find((q) => q.path === "/api/chat")!.body;
    const all = JSON.stringify(chat.messages);
    expect(all).toContain("# IDENTITY and PURPOSE");
    expect(all).toContain("Explain.\\n\\n# INPUT\\n\\nmy blog");
    expect(all).toContain("G1"); // the user's goals (from the Telos template) are in the context
    expect(runs(p).map((x) => [x.command, x.tier, x.outcome, x.origin])).toEqual([["prompt", "prompt", "ok", "dispatch"]]);
  });

  it("no trigger: a plain answer; --route model lets the model pick a prompt by its description", async () => {
    const p = home();
    await install(p, "patterns");
    const f = await model((body) => {
      const text = JSON.stringify(body.messages);
      if (text.includes("You route a user's request")) return JSON.stringify({ command: "patterns:create_tags", input: "a note about sqlite and bun", reason: "tags" });
      if (text.includes("classify texts")) return "sqlite bun databases";
      return "A plain answer.";
    });
    const plain = await dispatchIn("how tall is mont blanc", { paths: p, incognito: true });
    expect(plain).toMatchObject({ ran: true, fallback: "answer", output: "A plain answer." });
    expect(runs(p)).toEqual([]);
    const routed = await dispatchIn("how tall is mont blanc", { paths: p, route: "model" });
    expect(routed).toMatchObject({ ran: true, chosen: { pack: "patterns", command: "create_tags", trigger: "model", detail: "tags" }, output: "sqlite bun databases" });
    const routeCall = f.requests.find((q) => JSON.stringify(q.body?.messages ?? "").includes("You route"))!;
    expect(JSON.stringify(routeCall.body.messages)).toContain("patterns:summarize (prompt): Summarize any text");
  });

  it("the model's routing answer is validated: not JSON, or the wrong shape, is a clear error", async () => {
    const p = home();
    await install(p, "patterns");
    await model(() => "I think summarize would be best!");
    await expect(dispatchIn("zzz", { paths: p, route: "model" })).rejects.toThrow(/the model's routing answer was not JSON/);
    await fake!.close();
    await model(() => JSON.stringify({ command: 42 }));
    await expect(dispatchIn("zzz", { paths: p, route: "model" })).rejects.toThrow(/wrong shape \(command:/);
  });

  it("pai do --explain prints the tiers and runs nothing; --json has the match", async () => {
    const p = home();
    await install(p, tiersPack());
    const r = pai(["do", "--explain", "deploy", "prod", "now"], { home: p.home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("✓ code   tiers:code matched its pattern");
    expect(r.stdout).toContain("Would run tiers:code (code) with input \" now\"");
    expect(r.stdout).toContain("Nothing was run.");
    const j = JSON.parse(pai(["do", "--explain", "--json", "nothing matches this"], { home: p.home }).stdout);
    expect(j).toMatchObject({ ran: false, explain: true, fallback: "answer" });
    expect(j.chosen).toBeUndefined();
    expect(j.tiers).toHaveLength(4);
    const run = await paiAsync(["do", "deploy", "prod"], { home: p.home });
    expect(run).toMatchObject({ code: 0, stdout: "code:prod:\n" });
    const bad = pai(["do", "--route", "dice", "x"], { home: p.home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("pai: unknown route 'dice' — use --route triggers or --route model\n");
  });
});
