/**
 * Learning from an exchange: the extract model lists durable facts and preferences the user revealed
 * (structured output: the request carries the JSON Schema of the answer, which is then validated with zod); each is compared with similar memories and added, stored as an update that
 * supersedes an old item, or dropped. Exact repeats are dropped by code, without a model call; the model
 * decides only where similar items exist. Every learned item derives from the exchange's episode.
 * Malformed model output stores nothing and is marked so in the call log.
 */
import * as z from "zod";
import type { Config } from "../config/index.ts";
import { openMemory, type MemoryItem, type MemoryStore } from "../memory/index.ts";
import { markCall } from "../models/calllog.ts";
import { backendAudience, getBackend, resolveModel } from "../models/index.ts";
import type { Audience, BackendName, ChatMessage, ModelBackend } from "../models/types.ts";
import { UserError } from "../kernel/errors.ts";
import { redactSecrets } from "../kernel/redact.ts";
import type { Database } from "../kernel/storage/index.ts";

export const ExtractedSchema = z.object({
  items: z
    .array(
      z.object({
        content: z.string().trim().min(3).max(500),
        kind: z.enum(["fact", "preference"]),
      }),
    )
    .max(10),
});

export const DecisionsSchema = z.object({
  decisions: z.array(
    z.object({
      item: z.number().int().min(0),
      action: z.enum(["add", "update", "none"]),
      target: z.number().int().positive().optional(),
    }),
  ),
});

export const EXTRACT_PROMPT = `You extract durable facts and preferences about the user from one exchange between the user and their assistant.
Keep only what the USER revealed about themselves that will still be true and useful in later conversations:
where they live, their work, people in their life, tools they use, likes, dislikes, how they want answers.
Ignore the assistant's own statements, general knowledge, passing requests and anything temporary.
Write each item as one short sentence in the third person ("The user lives in Lyon.").
Answer with JSON only: {"items": [{"content": "...", "kind": "fact" | "preference"}]}. Use {"items": []} when there is nothing.`;

export const DECIDE_PROMPT = `You keep a personal memory up to date. For each new item you get the existing memories most similar to it.
Decide per new item: "add" (new information), "update" (it corrects or replaces an existing memory: give that memory's id as "target"),
or "none" (already known). Answer with JSON only: {"decisions": [{"item": 0, "action": "add" | "update" | "none", "target": 12}]}.`;

export type LearnStatus = "ok" | "malformed" | "failed";

export interface LearnResult {
  status: LearnStatus;
  ids: number[];
  added: number;
  updated: number;
  skipped: number;
}

/** Parses the model's JSON (tolerating code fences around it) and validates it; undefined when malformed. */
export function parseModelJson<T>(text: string, schema: z.ZodType<T>): T | undefined {
  let t = text.trim();
  const fence = t.match(/^```(?:json)?\s*([\s\S]*?)\s*```$/);
  if (fence) t = fence[1]!;
  let raw: unknown;
  try {
    raw = JSON.parse(t);
  } catch {
    const start = t.indexOf("{");
    const end = t.lastIndexOf("}");
    if (start < 0 || end <= start) return undefined;
    try {
      raw = JSON.parse(t.slice(start, end + 1));
    } catch {
      return undefined;
    }
  }
  const r = schema.safeParse(raw);
  return r.success ? r.data : undefined;
}

const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
function words(s: string): Set<string> {
  return new Set(norm(s).split(" ").filter((w) => w.length > 2));
}
function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const union = a.size + b.size - inter;
  return union ? inter / union : 0;
}

/** The JSON Schema of a zod schema, as a model request's structured output (without the "$schema" marker). */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

export const EXTRACTED_JSON_SCHEMA = jsonSchemaOf(ExtractedSchema);
export const DECISIONS_JSON_SCHEMA = jsonSchemaOf(DecisionsSchema);

async function complete(
  backend: ModelBackend,
  messages: ChatMessage[],
  system: string,
  schema: Record<string, unknown>,
  exchangeId: string,
  signal?: AbortSignal,
): Promise<string> {
  let text = "";
  for await (const ev of backend.chat({ purpose: "extract", system, messages, json: true, schema, temperature: 0, exchangeId, signal, maxTokens: 1024 })) {
    if (ev.type === "text") text += ev.text;
  }
  return text;
}

export interface LearnInput {
  question: string;
  answer: string;
  episodeId: number;
  exchangeId: string;
  db: Database;
  config: Config;
  mem: MemoryStore;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Who answered: an exchange answered by a local model (private context in view) never goes to a cloud extractor. */
  answeredBy?: Audience;
  /** Called with the stored ids inside the transaction that stores them (to record them with the items). */
  onStored?: (ids: number[]) => void;
}

export async function learnFromExchange(input: LearnInput): Promise<LearnResult> {
  const { db, config, mem, exchangeId } = input;
  const { backend: name, model } = resolveModel({ purpose: "extract", config });
  const audience = backendAudience(name, config, input.env);
  if (audience === "cloud" && (!config.learning.cloud || input.answeredBy === "local")) return { status: "ok", ids: [], added: 0, updated: 0, skipped: 0 };
  const backend = getBackend({ purpose: "extract", backend: name, model, config, db, env: input.env });
  let exchange = `User: ${input.question}\n\nAssistant: ${input.answer}`;
  if (audience === "cloud") {
    exchange = redactSecrets(exchange).text;
  }

  const extracted = parseModelJson(await complete(backend, [{ role: "user", content: exchange }], EXTRACT_PROMPT, EXTRACTED_JSON_SCHEMA, exchangeId, input.signal), ExtractedSchema);
  if (!extracted) {
    markCall(db, exchangeId, "extract", "malformed", "extraction output failed validation; nothing stored");
    return { status: "malformed", ids: [], added: 0, updated: 0, skipped: 0 };
  }

  // Code first: exact or near-exact repeats are known already; only items with similar memories go to the model.
  const plan: { content: string; kind: "fact" | "preference"; action: "add" | "update" | "none"; target?: number; candidates: MemoryItem[] }[] = [];
  for (const it of extracted.items) {
    const w = words(it.content);
    const hits = mem.search(it.content, { limit: 5 }).filter((h) => h.kind !== "episode");
    const same = hits.find((h) => norm(h.content) === norm(it.content) || jaccard(words(h.content), w) >= 0.9);
    if (same) plan.push({ ...it, action: "none", candidates: [] });
    else {
      const similar = hits.filter((h) => jaccard(words(h.content), w) >= 0.2);
      plan.push({ ...it, action: "add", candidates: similar });
    }
  }
  const toDecide = plan.map((p, i) => ({ p, i })).filter(({ p }) => p.action === "add" && p.candidates.length > 0);
  if (toDecide.length) {
    const listing = toDecide
      .map(
        ({ p, i }) =>
          `New item ${i}: ${p.content}\nSimilar memories:\n${p.candidates.map((c) => `  [${c.id}] (${c.kind}, ${c.createdAt.slice(0, 10)}) ${c.content}`).join("\n")}`,
      )
      .join("\n\n");
    let prompt = listing;
    if (audience === "cloud") {
      // Never send private memories to a cloud model: decide those by code (add).
      const allShareable = toDecide.every(({ p }) => p.candidates.every((c) => c.visibility === "shareable"));
      if (!allShareable) prompt = "";
    }
    if (prompt) {
      const decided = parseModelJson(await complete(backend, [{ role: "user", content: prompt }], DECIDE_PROMPT, DECISIONS_JSON_SCHEMA, exchangeId, input.signal), DecisionsSchema);
      const valid =
        decided &&
        decided.decisions.every((d) => {
          const entry = plan[d.item];
          if (!entry || !toDecide.some((t) => t.i === d.item)) return false;
          return d.action !== "update" || (d.target !== undefined && entry.candidates.some((c) => c.id === d.target));
        });
      if (!valid) {
        markCall(db, exchangeId, "extract", "malformed", "decision output failed validation; nothing stored");
        return { status: "malformed", ids: [], added: 0, updated: 0, skipped: 0 };
      }
      for (const d of decided!.decisions) {
        const entry = plan[d.item]!;
        entry.action = d.action;
        entry.target = d.action === "update" ? d.target : undefined;
      }
    }
  }

  const ids: number[] = [];
  let added = 0;
  let updated = 0;
  let skipped = 0;
  db.transaction(() => {
    for (const p of plan) {
      if (p.action === "none") {
        skipped++;
        continue;
      }
      const target = p.action === "update" && p.target !== undefined ? mem.get(p.target) : undefined;
      const { item, merged } = mem.remember({
        content: p.content,
        kind: p.kind,
        source: "learned",
        derivedFrom: [input.episodeId],
        supersedes: target && target.supersededBy === null ? target.id : undefined,
        visibility: "private",
        meta: { learned_from: exchangeId, ...(target ? { updates: target.id } : {}) },
      });
      if (merged) {
        skipped++;
        continue;
      }
      ids.push(item.id);
      if (target) updated++;
      else added++;
    }
    input.onStored?.(ids);
  });
  return { status: "ok", ids, added, updated, skipped };
}

/**
 * Cold-tier consolidation with a model: one summary item per period that derives from its sources (which
 * stay searchable). Runs on the extract model; a cloud model is refused, since cold items are private.
 */
export async function consolidateWithModel(opts: {
  db: Database;
  config: Config;
  mem?: MemoryStore;
  backend?: BackendName;
  model?: string;
  env?: NodeJS.ProcessEnv;
  maxPeriods?: number;
}): Promise<number> {
  const { db, config } = opts;
  const mem = opts.mem ?? openMemory(db, config);
  const { backend: name, model } = resolveModel({ purpose: "consolidate", backend: opts.backend, model: opts.model, config });
  if (backendAudience(name, config) === "cloud") {
    throw new UserError("consolidation runs on a local model only (cold memories are private)", {
      hint: "use --backend ollama, or 'pai config set models.extract.backend ollama'",
    });
  }
  const backend = getBackend({ purpose: "consolidate", backend: name, model, config, db, env: opts.env });
  return mem.consolidate(
    async (items, period) => {
      const listing = items.map((i) => `- (${i.createdAt.slice(0, 10)}, ${i.kind}) ${i.content}`).join("\n");
      let text = "";
      for await (const ev of backend.chat({
        purpose: "consolidate",
        system:
          "Summarise these memories of one period into a short paragraph that keeps every durable fact, decision, person and date. Write plain prose, no preamble.",
        messages: [{ role: "user", content: `Period ${period.from.slice(0, 10)} to ${period.to.slice(0, 10)}:\n${listing}` }],
        temperature: 0,
      })) {
        if (ev.type === "text") text += ev.text;
      }
      return text.trim();
    },
    { maxPeriods: opts.maxPeriods },
  );
}
