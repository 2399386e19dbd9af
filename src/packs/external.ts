/**
 * The seams between packs and the rest of pai: model backends, the user's context, memory, redaction and the
 * plain answer. Each module is loaded only when needed, so running a code or cli command never loads a model
 * SDK.
 */
import type { Config } from "../config/schema.ts";
import type { Paths } from "../paths.ts";
import type { Database } from "../storage/index.ts";
import type { Audience, ModelBackend, Purpose } from "../models/types.ts";

export async function modelBackend(opts: { purpose: Purpose; backend?: string; model?: string; config: Config; db?: Database }): Promise<ModelBackend> {
  const mod = await import("../models/index.ts");
  const backend = opts.backend ? mod.parseBackendName(opts.backend) : undefined;
  return mod.getBackend({ purpose: opts.purpose, backend, model: opts.model, config: opts.config, db: opts.db });
}

export async function audienceOf(backend: ModelBackend): Promise<Audience> {
  return backend.audience;
}

/** Replaces secrets: known credential shapes (memory's redactor) and the exact values of declared secrets. */
export async function redact(text: string, secrets: string[] = []): Promise<string> {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("[REDACTED:secret]");
  const { redactSecrets } = await import("../memory/redact.ts");
  return redactSecrets(out).text;
}

/** The user's context for a model, as `pai context` assembles it (nothing private for a cloud audience). */
export async function userContext(opts: { query: string; audience: Audience; config: Config; db?: Database; paths: Paths }): Promise<string> {
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

/** A plain answer (no pack matched): pai's own ask, with the user's context, remembered as an episode. */
export async function plainAnswer(
  question: string,
  opts: { onText?: (t: string) => void; backend?: string; model?: string; incognito?: boolean; signal?: AbortSignal; paths?: Paths; db?: Database },
): Promise<string> {
  const { ask } = await import("../ask/index.ts");
  const { parseBackendName } = await import("../models/index.ts");
  const r = await ask(question, {
    onText: opts.onText,
    backend: opts.backend ? parseBackendName(opts.backend) : undefined,
    model: opts.model,
    incognito: opts.incognito,
    signal: opts.signal,
    paths: opts.paths,
    db: opts.db,
    source: "do",
  });
  return r.answer;
}
