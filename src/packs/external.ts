/**
 * The seams between packs and the rest of pai: model backends, the user's context, memory and private data.
 * Each module is loaded only when needed, so running a code or cli command never loads a model SDK.
 */
import type { Config } from "../config/schema.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Secrets } from "../kernel/secrets.ts";
import type { Database } from "../kernel/storage/index.ts";
import { privateContents } from "../memory/private.ts";
import type { Audience, ModelBackend, Purpose } from "../models/types.ts";

/**
 * The backend for a purpose; a cloud one is sent nothing that holds one of `secrets`. Its calls are logged as
 * the pack's, and as the job's when a job runs it (origin "daemon:<job>"): their caps apply.
 */
export async function modelBackend(opts: { purpose: Purpose; backend?: string; model?: string; config: Config; db: Database; secrets?: Secrets; pack?: string; origin?: string; incognito?: boolean }): Promise<ModelBackend> {
  const mod = await import("../models/index.ts");
  const backend = opts.backend ? mod.parseBackendName(opts.backend) : undefined;
  const job = opts.origin?.startsWith("daemon:") ? opts.origin.slice("daemon:".length) : undefined;
  return mod.getBackend({ purpose: opts.purpose, backend, model: opts.model, config: opts.config, db: opts.db, secrets: opts.secrets, pack: opts.pack, job, incognito: opts.incognito });
}

/**
 * A filter for text bound for a cloud model that may quote the user's private data (a skill's tool output):
 * every line of a private Telos file and of a private memory (12 characters or more) found in the text is
 * replaced by `[WITHHELD:private]`. A quick word check keeps it cheap with a large memory.
 */
export async function privateFilter(opts: { paths: Paths; db: Database }): Promise<(text: string) => string> {
  const lines = new Set<string>();
  const add = (text: string) => {
    for (const raw of text.split(/\r?\n/)) {
      const l = raw.replace(/^\s*(?:[-*+]\s+)?/, "").trim();
      if (l.length >= 12) lines.add(l);
    }
  };
  const { loadTelos } = await import("../telos/index.ts");
  for (const doc of loadTelos(opts.paths).docs) {
    if (doc.mtimeMs === 0 || doc.visibility === "shareable") continue;
    add(doc.body);
    for (const item of doc.items) add(item.text);
  }
  for (const content of privateContents(opts.db)) add(content);
  const longest = (l: string) => (l.match(/[\p{L}\p{N}_]+/gu) ?? []).reduce((a, w) => (w.length > a.length ? w : a), "");
  const keyed = [...lines].map((l) => ({ l, key: longest(l) })).sort((a, b) => b.l.length - a.l.length);
  return (text: string) => {
    if (!keyed.length || !text) return text;
    const words = new Set(text.match(/[\p{L}\p{N}_]+/gu) ?? []);
    let out = text;
    for (const { l, key } of keyed) if ((!key || words.has(key)) && out.includes(l)) out = out.split(l).join("[WITHHELD:private]");
    return out;
  };
}

/** The user's context for a model, as `pai context` assembles it (nothing private for a cloud audience). */
export async function userContext(opts: { query: string; audience: Audience; config: Config; db: Database; paths: Paths }): Promise<string> {
  const { assembleContext } = await import("../context/index.ts");
  const r = await assembleContext({ query: opts.query, audience: opts.audience, budget: opts.config.context.budget, db: opts.db, config: opts.config, paths: opts.paths });
  return r.text ?? "";
}

/** Stores an item in memory; returns its id, or undefined when memory is off (incognito). */
export async function rememberItem(db: Database, config: Config, item: { content: string; kind: string; source: string; meta?: Record<string, unknown> }): Promise<number | undefined> {
  if (config.memory.incognito) return undefined;
  const { openMemory, MEMORY_KINDS } = await import("../memory/index.ts");
  const kind = (MEMORY_KINDS as readonly string[]).includes(item.kind) ? (item.kind as (typeof MEMORY_KINDS)[number]) : "note";
  const r = openMemory(db, config).remember({ content: item.content, kind, source: item.source, meta: item.meta });
  return r.item.id;
}
