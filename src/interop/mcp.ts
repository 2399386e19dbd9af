/**
 * `pai mcp`: pai's memory, Telos and context over the Model Context Protocol (stdio, the official SDK).
 *
 * Tools: memory_search, remember, memory_forget, telos_get, context. Resources: the Telos files, as
 * pai://telos/<name>. Everything honours the audience: a client that counts as cloud (the default, or
 * config mcp.clientIs) never sees a private Telos file or a private memory, in any tool or resource; a
 * private resource is neither listed nor readable, and a private memory cannot be found or forgotten.
 *
 * Only protocol messages go to stdout; diagnostics go to stderr.
 */
import { existsSync, readFileSync } from "node:fs";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import pkg from "../../package.json" with { type: "json" };
import type { Config } from "../config/schema.ts";
import { assembleContext } from "../context/index.ts";
import { queryEmbedding, vectorSearch } from "../context/embed.ts";
import { PaiError } from "../kernel/errors.ts";
import { redactSecrets } from "../kernel/redact.ts";
import { MEMORY_KINDS, openMemory, type MemoryItem, type MemoryKind, type MemoryStore } from "../memory/index.ts";
import type { Audience } from "../models/types.ts";
import { withInterrupt } from "../kernel/interrupt.ts";
import { visibleTo } from "../kernel/privacy.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { loadTelos, resolveTelosName, textLines, type Telos, type TelosDoc, type TelosItem } from "../telos/index.ts";

export const TOOL_NAMES = ["memory_search", "remember", "memory_forget", "telos_get", "context"] as const;
export const RESOURCE_PREFIX = "pai://telos/";

export interface PaiMcpOptions {
  audience: Audience;
  db: Database;
  config: Config;
  paths: Paths;
}

function json(data: unknown): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(data, null, 2) }] };
}

function failure(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** Runs a tool body, turning pai's own errors into a tool error the model can read. */
async function guarded(fn: () => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PaiError) return failure(err.hint ? `${err.message} (${err.hint})` : err.message);
    process.stderr.write(`pai mcp: ${(err as Error).stack ?? String(err)}\n`);
    return failure(`internal error: ${(err as Error).message ?? String(err)}`);
  }
}

function memoryJson(item: MemoryItem & { score?: number }) {
  return {
    id: item.id,
    ref: `mem:${item.id}`,
    content: item.content,
    kind: item.kind,
    tier: item.tier,
    created_at: item.createdAt,
    source: item.source,
    visibility: item.visibility,
    pinned: item.pinned,
    ...(item.score !== undefined ? { score: item.score } : {}),
  };
}

function itemJson(item: TelosItem) {
  return {
    id: item.id,
    text: item.text,
    links: item.links,
    file: item.file,
    line: item.line,
    ...(item.section ? { section: item.section } : {}),
    active: item.active,
  };
}

function docJson(doc: TelosDoc) {
  return {
    name: doc.name,
    title: doc.title,
    ...(doc.updated ? { updated: doc.updated } : {}),
    visibility: doc.visibility,
    uri: `${RESOURCE_PREFIX}${doc.name}`,
    ...(doc.name === "preferences" ? { lines: textLines(doc) } : { items: doc.items.map(itemJson) }),
  };
}

/** Parses "42" or "mem:42" (or a number) into a memory id. */
export function parseMemoryId(id: string | number): number | undefined {
  if (typeof id === "number") return Number.isInteger(id) && id > 0 ? id : undefined;
  const m = /^\s*(?:mem:)?(\d+)\s*$/i.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** Builds the MCP server (not yet connected). */
export function createPaiMcpServer(opts: PaiMcpOptions): McpServer {
  const { audience, db, config, paths: p } = opts;
  const mem: MemoryStore = openMemory(db, config);
  const telos = (): Telos => loadTelos(p);
  const visibleDocs = (t: Telos) => t.docs.filter((d) => d.mtimeMs > 0 && visibleTo(audience, d.visibility));
  // A cloud client sees no secret either (a key pasted into a shareable Telos file, say): every text it is sent is redacted.
  const scrub = (text: string): string => (audience === "cloud" ? redactSecrets(text).text : text);
  const guard = async (fn: () => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> => {
    const r = await guarded(fn);
    return { ...r, content: r.content.map((c) => (c.type === "text" ? { ...c, text: scrub(c.text) } : c)) };
  };

  const server = new McpServer(
    { name: "pai", version: pkg.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "pai is the user's personal AI infrastructure: their Telos (mission, goals, projects, beliefs, …) and their long-term memory. " +
        "Call `context` at the start of a task to learn who the user is and what they are working on, `memory_search` to recall " +
        "something specific, `remember` to store a durable fact the user tells you, and `telos_get` to read their goals and projects." +
        (audience === "cloud" ? " Private items are withheld from this client." : ""),
    },
  );

  server.registerTool(
    "memory_search",
    {
      title: "Search memory",
      description: "Search the user's long-term memory (full text and meaning, ranked by relevance and freshness). Returns items with their id, kind, date and source.",
      inputSchema: {
        query: z.string().min(1).describe("What to look for, in plain words"),
        limit: z.number().int().min(1).max(100).optional().describe("Most results to return (default 10)"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ query, limit }) =>
      guard(async () => {
        // Ranked by meaning too when the query's vector can be had (for the client's audience).
        const vector = await queryEmbedding({ db, config, audience, run: p.run }, query);
        const hits = mem.search(query, { limit: limit ?? 10, audience, ...vectorSearch(vector) });
        if (hits.length) mem.touch(hits.map((h) => h.id));
        return json({ query, results: hits.map(memoryJson) });
      }),
  );

  server.registerTool(
    "remember",
    {
      title: "Remember",
      description: "Store something durable about the user in their memory (a fact, preference, event, …). Secrets are redacted before storing.",
      inputSchema: {
        content: z.string().min(1).describe("What to remember, as a self-contained sentence"),
        kind: z.enum(MEMORY_KINDS as unknown as [MemoryKind, ...MemoryKind[]]).optional().describe("fact, preference, event, episode, note or action (default note)"),
      },
    },
    ({ content, kind }) =>
      guard(() => {
        if (config.memory.incognito) return json({ stored: false, reason: "the user turned memory off (incognito)" });
        const r = mem.remember({ content, kind: kind ?? "note", source: "mcp" });
        const item = r.item;
        const note =
          item.visibility === "private" && audience === "cloud"
            ? `stored as private: a cloud client such as this one does not see private memories, so it will not find this one again unless the user runs 'pai memory shareable ${item.id}'`
            : undefined;
        return json({ stored: true, merged: r.merged, redacted: r.redacted, id: item.id, ref: `mem:${item.id}`, kind: item.kind, ...(note ? { note } : {}) });
      }),
  );

  server.registerTool(
    "memory_forget",
    {
      title: "Forget a memory",
      description: "Delete one memory item for good, by its id (as returned by memory_search, e.g. 42 or mem:42).",
      inputSchema: {
        id: z.union([z.number().int(), z.string()]).describe("The memory item's id: 42 or mem:42"),
      },
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    ({ id }) =>
      guard(() => {
        const n = parseMemoryId(id);
        if (n === undefined) return failure(`'${id}' is not a memory id (expected a number such as 42 or mem:42)`);
        const item = mem.get(n);
        // A private item is as absent as a missing one for a cloud client: it can neither see nor delete it.
        if (!item || !visibleTo(audience, item.visibility)) return failure(`no memory item ${n}`);
        const removed = mem.forget([n]);
        return json({ forgotten: removed > 0 ? [n] : [] });
      }),
  );

  server.registerTool(
    "telos_get",
    {
      title: "Read the Telos",
      description:
        "Read the user's Telos: with no argument, every file with its items (mission, goals, projects, …); with `file`, one file (e.g. goals); with `id`, one item (e.g. G1) and what links to it.",
      inputSchema: {
        file: z.string().optional().describe("A Telos file name: mission, goals, projects, beliefs, models, strategies, narratives, learned, challenges, ideas, preferences"),
        id: z.string().optional().describe("An item id such as M1, G2 or P3"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ file, id }) =>
      guard(() => {
        if (file && id) return failure("give either file or id, not both");
        const t = telos();
        if (id) {
          const item = t.items.get(id.trim().toUpperCase());
          if (!item || !visibleTo(audience, item.visibility)) return failure(`no Telos item ${id}`);
          const linkedFrom = [...t.items.values()]
            .filter((other) => visibleTo(audience, other.visibility) && other.links.some((l) => l.ids.includes(item.id)))
            .map((other) => ({ id: other.id, rel: other.links.find((l) => l.ids.includes(item.id))!.rel, text: other.text }));
          return json({ ...itemJson(item), linkedFrom });
        }
        if (file) {
          const name = resolveTelosName(file);
          const doc = name && t.docs.find((d) => d.name === name);
          if (!doc || doc.mtimeMs === 0 || !visibleTo(audience, doc.visibility)) return failure(`no Telos file '${file}' available to this client`);
          return json({ ...docJson(doc), body: doc.body });
        }
        return json({ files: visibleDocs(t).map(docJson) });
      }),
  );

  server.registerTool(
    "context",
    {
      title: "The user's context",
      description: "The user's context as pai assembles it for a model: identity, mission, goals, projects, preferences and the memories that matter (plus the best matches for `query`).",
      inputSchema: {
        query: z.string().optional().describe("What the task is about, to add the most relevant memories"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ query }) =>
      guard(async () => {
        const ctx = await assembleContext({ query: query || undefined, audience, db, config, paths: p });
        if (ctx.memoryIds.length) mem.touch(ctx.memoryIds);
        return { content: [{ type: "text", text: ctx.text || "(the user's context is empty)" }] };
      }),
  );

  server.registerResource(
    "telos",
    new ResourceTemplate(`${RESOURCE_PREFIX}{name}`, {
      list: () => ({
        resources: visibleDocs(telos()).map((d) => ({
          uri: `${RESOURCE_PREFIX}${d.name}`,
          name: d.name,
          title: d.title,
          description: `The user's ${d.title.toLowerCase()} (user/${d.name === "preferences" ? "" : "telos/"}${d.name}.md)`,
          mimeType: "text/markdown",
        })),
      }),
    }),
    { title: "Telos file", description: "One of the user's Telos files, as markdown", mimeType: "text/markdown" },
    (uri, variables) => {
      const raw = Array.isArray(variables.name) ? variables.name[0] : variables.name;
      const name = raw ? resolveTelosName(decodeURIComponent(raw)) : undefined;
      const doc = name ? telos().docs.find((d) => d.name === name) : undefined;
      // Private, unknown and missing files answer alike: the resource does not exist for this client.
      if (!doc || doc.mtimeMs === 0 || !visibleTo(audience, doc.visibility) || !existsSync(doc.path)) {
        throw new McpError(-32002, `Resource not found: ${uri.href}`);
      }
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: scrub(readFileSync(doc.path, "utf8")) }] };
    },
  );

  return server;
}

/** Serves over stdio until the client disconnects, stdin ends, or SIGTERM or Ctrl-C arrives. The caller owns `db`. */
export async function serveStdio(opts: PaiMcpOptions): Promise<void> {
  // Nothing but protocol on stdout: anything that would log there goes to stderr instead.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
  const server = createPaiMcpServer(opts);
  const transport = new StdioServerTransport();
  await withInterrupt(async (interrupted) => {
    const closed = new Promise<void>((resolve) => {
      server.server.onclose = () => resolve();
      process.stdin.once("end", () => resolve());
      process.stdin.once("close", () => resolve());
      process.once("SIGTERM", () => resolve());
      interrupted.addEventListener("abort", () => resolve(), { once: true });
    });
    await server.connect(transport);
    if (process.env.PAI_DEBUG === "1") process.stderr.write(`pai mcp: serving ${opts.paths.home} over stdio (client counts as ${opts.audience})\n`);
    try {
      await closed;
    } finally {
      await server.close().catch(() => {});
    }
  });
}
