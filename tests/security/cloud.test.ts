/**
 * Nothing private reaches a cloud backend, and no secret is stored: each path that can talk to Anthropic
 * (ask, chat after /backend, learning, the daemon's ask action, consolidation, the MCP server in cloud mode,
 * export agents) runs through the real CLI against loopback servers that record every request body. The
 * same private markers reach the local backend, so the tests are not vacuous.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { PAI_BIN, pai, paiAsync, ROOT } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import {
  ALL_SECRETS,
  bodies,
  dbText,
  echo,
  expectAbsent,
  expectNoSecretsStored,
  plantedHome,
  PRIVATE_MEM,
  PRIVATE_TELOS,
  SECRET_TEXT,
  serverEnv,
  SHARED_GOAL,
} from "./helpers.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function fakes(anthropicReply?: (body: any) => string) {
  const anthropic = await startFakeAnthropic({ reply: anthropicReply ?? "A cloud answer." });
  const ollama = await startFakeOllama({ reply: echo("Local echo:") });
  servers.push(anthropic, ollama);
  return { anthropic, ollama, env: serverEnv(anthropic, ollama) };
}

const PRIVATE = [PRIVATE_TELOS, PRIVATE_MEM];
const SECRETS_ONE_LINE = SECRET_TEXT.replace(/\n/g, " ");

describe("pai ask", () => {
  it("sends the cloud backend only shareable context and a redacted question; the local backend gets everything", async () => {
    const { home, p } = plantedHome();
    const { anthropic, ollama, env } = await fakes();
    const question = `what about my cellar and the story? ${SECRET_TEXT}`;
    const cloud = await paiAsync(["ask", "--backend", "anthropic", question], { home, env });
    expect(cloud.stderr).toBe("");
    expect(cloud.code).toBe(0);
    const sent = bodies(anthropic, "/v1/messages");
    expect(sent).toContain(SHARED_GOAL);
    expectAbsent(sent, [...PRIVATE, ...ALL_SECRETS], "the Anthropic request");

    const local = await paiAsync(["ask", "--backend", "ollama", "what about my cellar and the story?"], { home, env });
    expect(local.code).toBe(0);
    const localSent = bodies(ollama, "/api/chat");
    for (const m of PRIVATE) expect(localSent).toContain(m);
    expectNoSecretsStored(p);
  });
});

describe("pai chat", () => {
  it("after /backend anthropic, no private item reaches the cloud, not even through an earlier local answer", async () => {
    const { home, p } = plantedHome();
    const { anthropic, ollama, env } = await fakes();
    const input = `tell me the story of the cellar\n/backend anthropic\nand what now? ${SECRET_TEXT.replace(/\n/g, " ")}\n`;
    const r = await paiAsync(["chat", "--backend", "ollama"], { home, env, input });
    expect(r.code).toBe(0);
    // The local answer carried the private items (the fake echoes its prompt)…
    for (const m of PRIVATE) expect(bodies(ollama, "/api/chat")).toContain(m);
    // …and the cloud request that followed did not.
    const sent = bodies(anthropic, "/v1/messages");
    expect(sent).toContain(SHARED_GOAL);
    expectAbsent(sent, [...PRIVATE, ...ALL_SECRETS], "the Anthropic request after /backend anthropic");
    expectNoSecretsStored(p);
  });
});

describe("learning with learning.cloud = true", () => {
  it("a cloud extraction model never sees a local answer or a private memory", async () => {
    const { home, p } = plantedHome({ learning: { enabled: true, cloud: true }, models: { extract: { backend: "anthropic" } } });
    const { anthropic, ollama, env } = await fakes((body) => {
      const sys = JSON.stringify(body.system ?? "");
      if (sys.includes("You extract durable facts")) return '{"items": [{"content": "The user has a cellar with a door code.", "kind": "fact"}]}';
      if (sys.includes("You keep a personal memory")) return '{"decisions": []}';
      return "A cloud answer about the cellar door code.";
    });
    // A local answer (echoing private items) is not handed to the cloud extractor.
    const local = await paiAsync(["ask", "--backend", "ollama", "what is the door code of the cellar?"], { home, env });
    expect(local.code).toBe(0);
    for (const m of PRIVATE) expect(bodies(ollama, "/api/chat")).toContain(m);
    expectAbsent(bodies(anthropic), PRIVATE, "a cloud extraction of a local exchange");

    // A cloud exchange is learned in the cloud, but the similar private memory is never shown to it.
    const cloud = await paiAsync(["ask", "--backend", "anthropic", `what is the door code of the cellar? ${SECRET_TEXT}`], { home, env });
    expect(cloud.code).toBe(0);
    expect((await paiAsync(["learn"], { home, env })).code).toBe(0); // learning runs after the answer: wait for it
    const sent = bodies(anthropic, "/v1/messages");
    expect(sent).toContain("You extract durable facts");
    expectAbsent(sent, [...PRIVATE, ...ALL_SECRETS], "the cloud learning requests");
    expectNoSecretsStored(p);
  });
});

describe("the daemon's ask action", () => {
  it("with a cloud backend sends no private item and no secret, and logs none", async () => {
    const { home, p } = plantedHome();
    const { anthropic, ollama, env } = await fakes();
    writeFileSync(
      join(p.jobs, "brief.json"),
      JSON.stringify({ trigger: { type: "manual" }, action: { type: "ask", prompt: `brief me on the cellar story; ${SECRET_TEXT}`, backend: "anthropic" } }),
    );
    const r = await paiAsync(["jobs", "run", "brief", "--json"], { home, env });
    expect(r.code).toBe(0);
    const sent = bodies(anthropic, "/v1/messages");
    expect(sent).toContain(SHARED_GOAL);
    expectAbsent(sent, [...PRIVATE, ...ALL_SECRETS], "the daemon's cloud ask");
    expect(ollama.requests.filter((q) => q.path === "/api/chat")).toHaveLength(0);
    const audit = pai(["audit", "--json"], { home });
    expect(audit.code).toBe(0);
    expectAbsent(audit.stdout, ALL_SECRETS, "pai audit");
    expectNoSecretsStored(p);
  });
});

describe("consolidation", () => {
  it("refuses a cloud backend before sending anything", async () => {
    const { home } = plantedHome();
    const { anthropic, env } = await fakes();
    const r = await paiAsync(["memory", "maintain", "--consolidate", "--backend", "anthropic"], { home, env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/local model only/);
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe("pai export agents", () => {
  it("writes only shareable items unless --include-private, and never a secret", async () => {
    const { home, p } = plantedHome();
    writeFileSync(join(p.telos, "projects.md"), `---\ntitle: Projects\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n# Projects\n\n- P1: Deploy with ${SECRETS_ONE_LINE} (serves: G1)\n`);
    const dir = tmpDir("pai-sec-export-");
    // Memories go into agents files only when the user marks them: the planted private one and a note with secrets.
    for (const m of JSON.parse(pai(["memory", "list", "--json"], { home }).stdout)) expect(pai(["memory", "edit", String(m.id), "--for-agents"], { home }).code).toBe(0);
    expect(pai(["remember", "--for-agents", `a note with a secret ${SECRET_TEXT.replace(/\n/g, " ")}`], { home }).code).toBe(0);
    expect(pai(["export", "agents", "--to", dir], { home }).code).toBe(0);
    const text = readFileSync(join(dir, "AGENTS.md"), "utf8");
    expect(text).toContain(SHARED_GOAL);
    expectAbsent(text, [...PRIVATE, ...ALL_SECRETS], "AGENTS.md");
    const dir2 = tmpDir("pai-sec-export-");
    expect(pai(["export", "agents", "--to", dir2, "--include-private"], { home }).code).toBe(0);
    const all = readFileSync(join(dir2, "AGENTS.md"), "utf8");
    for (const m of PRIVATE) expect(all).toContain(m);
    expectAbsent(all, ALL_SECRETS, "AGENTS.md --include-private");
  });

  it("leaves the name out when context.shareName is false", async () => {
    const { home } = plantedHome({ user: { name: "Wilhelmina Quarrington" }, context: { shareName: false } });
    const dir = tmpDir("pai-sec-export-");
    expect(pai(["export", "agents", "--to", dir], { home }).code).toBe(0);
    const text = readFileSync(join(dir, "AGENTS.md"), "utf8");
    expect(text).toContain(SHARED_GOAL);
    expect(text).not.toContain("Quarrington");
  });
});

describe("pai mcp", () => {
  async function connect(home: string, args: string[]): Promise<Client> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.PAI_HOME = home;
    env.PAI_DEBUG = "";
    const transport = new StdioClientTransport({ command: PAI_BIN, args: ["mcp", ...args], env, cwd: ROOT, stderr: "pipe" });
    const client = new Client({ name: "pai-security-test", version: "0.0.0" });
    await client.connect(transport);
    return client;
  }

  /** Everything a client can read: every tool, every listed resource, and a direct read of the private file. */
  async function everything(client: Client): Promise<string> {
    const out: unknown[] = [];
    out.push(await client.callTool({ name: "context", arguments: { query: "cellar story door code" } }));
    out.push(await client.callTool({ name: "memory_search", arguments: { query: "door code cellar" } }));
    out.push(await client.callTool({ name: "memory_search", arguments: { query: "cellar" } }));
    out.push(await client.callTool({ name: "telos_get", arguments: {} }));
    out.push(await client.callTool({ name: "telos_get", arguments: { file: "narratives" } }));
    out.push(await client.callTool({ name: "telos_get", arguments: { id: "N1" } }));
    const listed = await client.listResources();
    out.push(listed);
    for (const r of listed.resources) out.push(await client.readResource({ uri: r.uri }));
    out.push(await client.readResource({ uri: "pai://telos/narratives" }).catch((e) => String(e)));
    out.push(await client.callTool({ name: "remember", arguments: { content: `remember this: ${SECRET_TEXT}` } }));
    return JSON.stringify(out);
  }

  it("in cloud mode (the default) shows no private item through any tool or resource; local mode does", async () => {
    const { home, p } = plantedHome();
    // A key pasted into a shareable Telos file reaches no cloud client either.
    writeFileSync(join(p.telos, "projects.md"), `---\ntitle: Projects\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n# Projects\n\n- P1: Deploy with ${SECRETS_ONE_LINE} (serves: G1)\n`);
    const cloud = await connect(home, []);
    let seen: string;
    try {
      seen = await everything(cloud);
    } finally {
      await cloud.close();
    }
    expect(seen).toContain(SHARED_GOAL);
    expectAbsent(seen, [...PRIVATE, ...ALL_SECRETS], "what a cloud MCP client received");
    const local = await connect(home, ["--client", "local"]);
    try {
      const all = await everything(local);
      for (const m of PRIVATE) expect(all).toContain(m);
    } finally {
      await local.close();
    }
    expectNoSecretsStored(p);
  });
});

describe("secrets in memory", () => {
  it("pai remember and a pasted key never store the key, in any table", async () => {
    const { home, p } = plantedHome();
    expect(pai(["remember", SECRET_TEXT], { home }).code).toBe(0);
    expect(pai(["remember", "-"], { home, input: `from stdin: ${SECRET_TEXT}` }).code).toBe(0);
    const dir = tmpDir("pai-sec-import-");
    mkdirSync(dir, { recursive: true });
    const transcript = join(dir, "chat.json");
    writeFileSync(
      transcript,
      JSON.stringify([
        { role: "user", content: `here is my key ${SECRET_TEXT}`, timestamp: "2026-04-10T18:00:00Z" },
        { role: "assistant", content: `noted: ${SECRETS_ONE_LINE}`, timestamp: "2026-04-10T18:00:04Z" },
      ]),
    );
    const imported = pai(["memory", "import-transcript", transcript], { home });
    expect(imported.code, imported.stderr).toBe(0);
    const exported = pai(["memory", "export"], { home });
    expect(exported.code).toBe(0);
    expectAbsent(exported.stdout, ALL_SECRETS, "pai memory export");
    expect(dbText(p)).toContain("REDACTED");
    expectNoSecretsStored(p);
  });
});
