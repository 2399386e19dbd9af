/**
 * The seams between packs and the rest of pai: model backends, the user's context, memory, redaction and the
 * plain answer. Each module is loaded only when needed, so running a code or cli command never loads a model
 * SDK. Modules that may not be present in every build (context assembly, memory, ask) are looked up by URL
 * and degrade gracefully: a pack run never fails because memory is unavailable.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import type { Paths } from "../paths.ts";
import type { Database } from "../storage/index.ts";
import type { Audience, BackendName, ModelBackend, Purpose } from "../models/types.ts";

async function optionalModule<T>(relative: string): Promise<T | undefined> {
  const url = new URL(relative, import.meta.url);
  if (!existsSync(url)) return undefined;
  return (await import(url.href)) as T;
}

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

/**
 * The user's context for a model: the context assembler when it is available, else identity and the Telos
 * mission and goals (shareable ones only for a cloud audience).
 */
export async function userContext(opts: { query: string; audience: Audience; config: Config; db?: Database; paths: Paths }): Promise<string> {
  type Assembler = Record<string, unknown>;
  const mod = await optionalModule<Assembler>("../context/index.ts").catch(() => undefined);
  for (const fnName of ["buildContext", "assembleContext"]) {
    const fn = mod?.[fnName];
    if (typeof fn !== "function") continue;
    try {
      const r = await (fn as (o: unknown) => unknown)({ query: opts.query, audience: opts.audience, budget: opts.config.context.budget, db: opts.db, config: opts.config });
      if (typeof r === "string") return r;
      if (r && typeof (r as { text?: unknown }).text === "string") return (r as { text: string }).text;
    } catch {
      // fall through to the simple context
    }
  }
  const parts: string[] = [];
  if (opts.config.user.name) parts.push(`The user's name is ${opts.config.user.name}.`);
  for (const f of ["mission", "goals"]) {
    const file = join(opts.paths.telos, `${f}.md`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
    if (opts.audience === "cloud" && fm && /^visibility:\s*private\s*$/m.test(fm[1]!)) continue;
    const body = (fm ? text.slice(fm[0].length) : text).trim();
    if (body) parts.push(`## ${f[0]!.toUpperCase()}${f.slice(1)}\n${body}`);
  }
  return parts.join("\n\n");
}

export interface Remembered {
  id?: number;
}

/** Stores an item in memory; returns its id, or undefined when memory is off (incognito). */
export async function rememberItem(db: Database, config: Config, item: { content: string; kind: string; source: string; meta?: Record<string, unknown> }): Promise<number | undefined> {
  if (config.memory.incognito) return undefined;
  const { openMemory, MEMORY_KINDS } = await import("../memory/index.ts");
  const kind = (MEMORY_KINDS as readonly string[]).includes(item.kind) ? (item.kind as (typeof MEMORY_KINDS)[number]) : "note";
  const r = openMemory(db, config).remember({ content: item.content, kind, source: item.source, meta: item.meta });
  return r.item.id;
}

/** A plain answer (no pack matched): pai's own ask. */
export async function plainAnswer(question: string, opts: { onText?: (t: string) => void; backend?: string; model?: string; incognito?: boolean; signal?: AbortSignal }): Promise<string> {
  const mod = await optionalModule<{ ask(q: string, o: unknown): Promise<{ answer?: string } | string> }>("../ask/index.ts");
  if (mod && typeof mod.ask === "function") {
    const r = await mod.ask(question, { onText: opts.onText, backend: opts.backend as BackendName | undefined, model: opts.model, incognito: opts.incognito, signal: opts.signal });
    return typeof r === "string" ? r : (r?.answer ?? "");
  }
  // Without the ask module: a direct model call.
  const { loadConfig } = await import("../config/index.ts");
  const config = loadConfig();
  const backend = await modelBackend({ purpose: "answer", backend: opts.backend, model: opts.model, config });
  let text = "";
  for await (const ev of backend.chat({ purpose: "answer", messages: [{ role: "user", content: question }], signal: opts.signal })) {
    if (ev.type === "text") {
      text += ev.text;
      opts.onText?.(ev.text);
    }
  }
  return text;
}
