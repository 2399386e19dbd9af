import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai, PAI_BIN, ROOT } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";

const open: Client[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close().catch(() => {});
});

/** A PAI_HOME with the template Telos (beliefs, challenges, narratives are private) and two memories. */
function home() {
  const h = useTelosExamples(initHome(tmpDir()));
  writeFileSync(
    join(h, "user", "telos", "beliefs.md"),
    "---\ntitle: Beliefs\nupdated: 2026-01-01\nvisibility: private\n---\n\n# Beliefs\n\n- B1: Secret belief about my health\n",
  );
  const db = openDatabase(join(h, "user", "pai.db"));
  const mem = openMemory(db, configSchema.parse({}));
  const shared = mem.remember({ content: "Ada moved to Lyon in March", kind: "fact", visibility: "shareable" }).item.id;
  const secret = mem.remember({ content: "Ada's Lyon landlord owes her a deposit", kind: "fact", visibility: "private" }).item.id;
  db.close();
  return { h, shared, secret };
}

async function connect(h: string, args: string[] = []): Promise<Client> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.PAI_HOME = h;
  delete env.PAI_DEBUG;
  const transport = new StdioClientTransport({ command: PAI_BIN, args: ["mcp", ...args], env, cwd: ROOT, stderr: "pipe" });
  const client = new Client({ name: "pai-test", version: "0.0.0" });
  await client.connect(transport);
  open.push(client);
  return client;
}

function text(r: unknown): string {
  const content = (r as { content: { type: string; text: string }[] }).content;
  return content.map((c) => c.text).join("\n");
}
const data = (r: unknown) => JSON.parse(text(r));

describe("pai mcp (cloud client, the default)", () => {
  it("offers exactly the five tools and leaves every private item out of every tool and resource", async () => {
    const { h, shared, secret } = home();
    const c = await connect(h);

    const tools = await c.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(["context", "memory_forget", "memory_search", "remember", "telos_get"]);
    const search = tools.tools.find((t) => t.name === "memory_search")!;
    expect(search.inputSchema.required).toEqual(["query"]);
    expect(Object.keys(search.inputSchema.properties ?? {})).toEqual(["query", "limit"]);

    // memory_search: the shareable memory only.
    const found = data(await c.callTool({ name: "memory_search", arguments: { query: "Lyon" } }));
    expect(found.results.map((r: { id: number }) => r.id)).toEqual([shared]);
    expect(data(await c.callTool({ name: "memory_search", arguments: { query: "landlord deposit" } })).results).toEqual([]);

    // telos_get: no private file, item or file by name.
    const all = data(await c.callTool({ name: "telos_get", arguments: {} }));
    const names = all.files.map((f: { name: string }) => f.name);
    expect(names).toContain("goals");
    expect(names).not.toContain("beliefs");
    expect(names).not.toContain("challenges");
    expect(JSON.stringify(all)).not.toContain("Secret belief");
    const g1 = data(await c.callTool({ name: "telos_get", arguments: { id: "g1" } }));
    expect(g1).toMatchObject({ id: "G1", text: "Ship a first version of my side project by summer" });
    const b1 = await c.callTool({ name: "telos_get", arguments: { id: "B1" } });
    expect(b1.isError).toBe(true);
    expect(text(b1)).toBe("no Telos item B1");
    expect((await c.callTool({ name: "telos_get", arguments: { file: "beliefs" } })).isError).toBe(true);
    expect(data(await c.callTool({ name: "telos_get", arguments: { file: "goals" } })).items[0].id).toBe("G1");

    // Resources: private files are neither listed nor readable.
    const listed = (await c.listResources()).resources.map((r) => r.uri);
    expect(listed).toContain("pai://telos/goals");
    expect(listed).not.toContain("pai://telos/beliefs");
    const goals = await c.readResource({ uri: "pai://telos/goals" });
    expect(goals.contents[0]).toMatchObject({ uri: "pai://telos/goals", mimeType: "text/markdown" });
    expect((goals.contents[0] as { text: string }).text).toContain("- G1: Ship a first version");
    await expect(c.readResource({ uri: "pai://telos/beliefs" })).rejects.toThrow(/not found/i);
    await expect(c.readResource({ uri: "pai://telos/nonsense" })).rejects.toThrow(/not found/i);

    // context: the shareable Telos and memory, nothing private.
    const ctx = text(await c.callTool({ name: "context", arguments: { query: "Lyon" } }));
    expect(ctx).toContain("Ship a first version of my side project by summer");
    expect(ctx).not.toContain("Secret belief");
    expect(ctx).not.toContain("landlord");

    // memory_forget: a private item cannot be found, a shareable one is deleted.
    const denied = await c.callTool({ name: "memory_forget", arguments: { id: secret } });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toBe(`no memory item ${secret}`);
    expect(data(await c.callTool({ name: "memory_forget", arguments: { id: `mem:${shared}` } }))).toEqual({ forgotten: [shared] });
    expect((await c.callTool({ name: "memory_forget", arguments: { id: "banana" } })).isError).toBe(true);

    await c.close();
    const db = openDatabase(join(h, "user", "pai.db"));
    const mem = openMemory(db, configSchema.parse({}));
    expect(mem.get(shared)).toBeUndefined();
    expect(mem.get(secret)?.content).toBe("Ada's Lyon landlord owes her a deposit");
    db.close();
  });

  it("remember stores with source mcp and redacts secrets; bad arguments are rejected by the schema", async () => {
    const { h } = home();
    const c = await connect(h);
    const r = data(await c.callTool({ name: "remember", arguments: { content: "My Anthropic key is sk-ant-api03-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", kind: "fact" } }));
    expect(r).toMatchObject({ stored: true, redacted: true, kind: "fact" });
    const plain = data(await c.callTool({ name: "remember", arguments: { content: "Ada prefers trains to planes" } }));
    expect(plain.kind).toBe("note");
    // It says what will happen, and points at no command that does not exist.
    expect(plain.note).toBe(
      `stored as private: a cloud client such as this one does not see private memories, so it will not find this one again unless the user runs 'pai memory shareable ${plain.id}'`,
    );
    const bad = await c.callTool({ name: "remember", arguments: { content: "x", kind: "gossip" } });
    expect(bad.isError).toBe(true);
    await c.close();

    const db = openDatabase(join(h, "user", "pai.db"));
    const mem = openMemory(db, configSchema.parse({}));
    const item = mem.get(r.id)!;
    expect(item.source).toBe("mcp");
    expect(item.kind).toBe("fact");
    expect(item.content).not.toContain("sk-ant-api03");
    expect(mem.get(plain.id)!.source).toBe("mcp");
    db.close();
  });
});

describe("pai mcp (local client)", () => {
  it("--client local sees private memories, files and resources", async () => {
    const { h, secret } = home();
    const c = await connect(h, ["--client", "local"]);
    const found = data(await c.callTool({ name: "memory_search", arguments: { query: "landlord deposit", limit: 5 } }));
    expect(found.results.map((r: { id: number }) => r.id)).toContain(secret);
    expect(data(await c.callTool({ name: "telos_get", arguments: { id: "B1" } })).text).toBe("Secret belief about my health");
    expect((await c.listResources()).resources.map((r) => r.uri)).toContain("pai://telos/beliefs");
    const beliefs = await c.readResource({ uri: "pai://telos/beliefs" });
    expect((beliefs.contents[0] as { text: string }).text).toContain("Secret belief");
    expect(text(await c.callTool({ name: "context", arguments: {} }))).toContain("Secret belief");
  });

  it("config mcp.clientIs local has the same effect, and the flag overrides it", async () => {
    const { h } = home();
    writeFileSync(join(h, "user", "config.json"), JSON.stringify({ user: { name: "Ada" }, mcp: { clientIs: "local" } }));
    const local = await connect(h);
    expect((await local.listResources()).resources.map((r) => r.uri)).toContain("pai://telos/beliefs");
    const cloud = await connect(h, ["--client", "cloud"]);
    expect((await cloud.listResources()).resources.map((r) => r.uri)).not.toContain("pai://telos/beliefs");
  });
});

describe("pai mcp on the wire", () => {
  it("writes only JSON-RPC messages on stdout and exits when the client closes stdin", () => {
    const { h } = home();
    const input = [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "telos_get", arguments: { id: "M1" } } },
    ]
      .map((m) => JSON.stringify(m))
      .join("\n");
    const r = spawnSync(PAI_BIN, ["mcp"], { input: `${input}\n`, env: { ...process.env, PAI_HOME: h, PAI_DEBUG: "" }, encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const msgs = lines.map((l) => JSON.parse(l));
    expect(msgs.every((m) => m.jsonrpc === "2.0")).toBe(true);
    expect(msgs.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(msgs[0].result.serverInfo.name).toBe("pai");
    expect(msgs[1].result.tools).toHaveLength(5);
    expect(JSON.parse(msgs[2].result.content[0].text).text).toBe("Build tools that let people think more clearly");
  });

  it("usage and environment errors are one line with the right exit code", () => {
    const r = pai(["mcp", "--client", "remote"], { home: tmpDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pai: --client must be local or cloud \(got 'remote'\)/);
    const none = pai(["mcp"], { home: tmpDir() });
    expect(none.code).toBe(3);
    expect(none.stdout).toBe("");
    expect(none.stderr.trim().split("\n")).toHaveLength(1);
  });
});
