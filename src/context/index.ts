/**
 * Assembles the user's context: what a model is told about the user. Sources (the Telos, memory) return
 * sections of items with priorities; the assembler drops private items when the audience is a cloud model,
 * keeps the highest-priority items that fit the token budget, and renders them in section order.
 * Tokens are estimated as ceil(characters / 4) of the rendered text, which never exceeds the budget.
 * The output is deterministic: ties are broken by section order, then by position in the section.
 */
import type { Config } from "../config/schema.ts";
import { UserError } from "../kernel/errors.ts";
import type { Audience } from "../models/types.ts";
import type { Paths } from "../kernel/paths.ts";
import { loadTelos } from "../telos/index.ts";
import { memorySource } from "./sources/memory.ts";
import { telosSource } from "./sources/telos.ts";
import type { Database } from "../kernel/storage/index.ts";
import { estimateTokens } from "../kernel/text.ts";
import type { ContextItem, ContextSection, ContextSource } from "./types.ts";

export type { ContextItem, ContextSection, ContextSource, ContextRequest, Visibility } from "./types.ts";

export interface AssembleRequest {
  query?: string;
  /** Token budget; default: config context.budget. */
  budget?: number;
  /** Default "local". "cloud" leaves out everything private. */
  audience?: Audience;
  paths: Paths;
  /** The user's memory; without it the context holds the Telos only. */
  db?: Database;
  config: Config;
  /** Replaces the default sources (the Telos, and memory when a database is given). */
  sources?: ContextSource[];
}

export interface AssembledItem {
  ref?: string;
  text: string;
  memoryId?: number;
}

export interface AssembledContext {
  text: string;
  tokens: number;
  budget: number;
  audience: Audience;
  /** Memory items included, in the order they appear. */
  memoryIds: number[];
  sections: { key: string; title: string; items: AssembledItem[] }[];
  omitted: { private: number; overBudget: number };
}

/** One rendered line of an item: `- G1: text`, `- [mem:42] text`, or `- text`. */
export function renderItem(item: Pick<ContextItem, "ref" | "text" | "memoryId">): string {
  const text = item.text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  if (item.memoryId !== undefined) {
    const tag = `[${item.ref ?? `mem:${item.memoryId}`}]`;
    // A source may already lead with the tag; never print it twice.
    return text.startsWith(tag) ? `- ${text}` : `- ${tag} ${text}`;
  }
  if (item.ref) return `- ${item.ref}: ${text}`;
  return `- ${text}`;
}

function header(title: string): string {
  return `## ${title}\n`;
}

/** Chooses and renders items: pure and deterministic (tests call it directly). */
export function selectContext(sectionsIn: ContextSection[], budget: number, audience: Audience): AssembledContext {
  // Merge sections that share a key; sort by order, then key.
  const byKey = new Map<string, ContextSection>();
  for (const s of sectionsIn) {
    const have = byKey.get(s.key);
    if (have) have.items = [...have.items, ...s.items];
    else byKey.set(s.key, { ...s, items: [...s.items] });
  }
  const sections = [...byKey.values()].sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  let privateLeft = 0;
  const candidates: { s: number; i: number; priority: number; chars: number }[] = [];
  sections.forEach((sec, s) =>
    sec.items.forEach((item, i) => {
      if (audience === "cloud" && item.visibility !== "shareable") {
        privateLeft++;
        return;
      }
      candidates.push({ s, i, priority: item.priority, chars: renderItem(item).length + 1 });
    }),
  );
  candidates.sort((a, b) => b.priority - a.priority || a.s - b.s || a.i - b.i);

  const maxChars = budget * 4; // ceil(chars / 4) <= budget  ⇔  chars <= budget * 4
  let total = 0;
  let openSections = 0;
  let overBudget = 0;
  const kept = new Map<number, Set<number>>();
  for (const c of candidates) {
    const isNew = !kept.has(c.s);
    const add = c.chars + (isNew ? header(sections[c.s]!.title).length + (openSections > 0 ? 1 : 0) : 0);
    if (total + add > maxChars) {
      overBudget++;
      continue;
    }
    total += add;
    if (isNew) {
      kept.set(c.s, new Set());
      openSections++;
    }
    kept.get(c.s)!.add(c.i);
  }

  const out: AssembledContext["sections"] = [];
  const blocks: string[] = [];
  const memoryIds: number[] = [];
  sections.forEach((sec, s) => {
    const keep = kept.get(s);
    if (!keep) return;
    const items = sec.items.filter((_, i) => keep.has(i));
    blocks.push(header(sec.title) + items.map((it) => `${renderItem(it)}\n`).join(""));
    out.push({
      key: sec.key,
      title: sec.title,
      items: items.map((it) => ({
        ...(it.ref !== undefined ? { ref: it.ref } : {}),
        text: it.text,
        ...(it.memoryId !== undefined ? { memoryId: it.memoryId } : {}),
      })),
    });
    for (const it of items) if (it.memoryId !== undefined) memoryIds.push(it.memoryId);
  });
  const text = blocks.join("\n");
  return { text, tokens: estimateTokens(text), budget, audience, memoryIds, sections: out, omitted: { private: privateLeft, overBudget } };
}

export async function assembleContext(req: AssembleRequest): Promise<AssembledContext> {
  const { paths: p, config } = req;
  const budget = req.budget ?? config.context.budget;
  if (!Number.isInteger(budget) || budget < 1) {
    throw new UserError(`invalid context budget ${budget}`, { hint: "give a whole number of tokens, at least 1" });
  }
  const audience: Audience = req.audience ?? "local";
  let sources = req.sources;
  if (!sources) {
    sources = [telosSource(loadTelos(p), config)];
    if (req.db) sources.push(memorySource(req.db, config));
  }
  const creq = { query: req.query, budget, audience };
  const sections: ContextSection[] = [];
  for (const source of sources) sections.push(...(await source.collect(creq)));
  return selectContext(sections, budget, audience);
}
