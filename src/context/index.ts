/**
 * Assembles the user's context: what a model is told about the user. Sources (the Telos, memory) return
 * sections of items with priorities; the assembler drops private items when the audience is a cloud model,
 * keeps the highest-priority items that fit the token budget and their group's share of it (policy.ts:
 * exchanges, bookkeeping and a named window of time each have a cap), and renders them in section order.
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
import { GROUP_CAPS } from "./policy.ts";
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
  /** Also say why each item is in and why each other one was left out (`explain` of the result). */
  explain?: boolean;
  /** For the embed backend that embeds the query (OLLAMA_HOST; default: process.env). */
  env?: NodeJS.ProcessEnv;
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
  /** Items left out: private (a cloud audience), over their group's share of the budget, over the budget. */
  omitted: { private: number; overBudget: number; overCap: number };
  /** With `explain`: every item offered, in priority order, and what became of it. */
  explain?: ExplainedItem[];
}

/** One item offered for the context and what became of it (`pai context --explain`). */
export interface ExplainedItem {
  section: string;
  ref?: string;
  memoryId?: number;
  /** The item's text, shortened. */
  text: string;
  /** Why the source offered it. */
  rule: string;
  /** Its priority (0–100, higher kept first). */
  score: number;
  /** Characters it takes in the context (with its line break). */
  chars: number;
  status: "in" | "private" | "over-cap" | "over-budget";
  /** For an item left out: why, in words. */
  reason?: string;
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
export function selectContext(
  sectionsIn: ContextSection[],
  budget: number,
  audience: Audience,
  opts: { caps?: Record<string, number>; explain?: boolean } = {},
): AssembledContext {
  const caps = opts.caps ?? GROUP_CAPS;
  // Merge sections that share a key; sort by order, then key.
  const byKey = new Map<string, ContextSection>();
  for (const s of sectionsIn) {
    const have = byKey.get(s.key);
    if (have) have.items = [...have.items, ...s.items];
    else byKey.set(s.key, { ...s, items: [...s.items] });
  }
  const sections = [...byKey.values()].sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const maxChars = budget * 4; // ceil(chars / 4) <= budget  ⇔  chars <= budget * 4
  const explained: ExplainedItem[] | undefined = opts.explain ? [] : undefined;
  const explain = (s: number, i: number, chars: number, status: ExplainedItem["status"], reason?: string) => {
    if (!explained) return;
    const sec = sections[s]!;
    const it = sec.items[i]!;
    const text = it.text.replace(/\s+/g, " ").trim();
    explained.push({
      section: sec.key,
      ...(it.ref !== undefined ? { ref: it.ref } : {}),
      ...(it.memoryId !== undefined ? { memoryId: it.memoryId } : {}),
      text: text.length > 100 ? `${text.slice(0, 99)}…` : text,
      rule: it.rule ?? sec.title,
      score: it.priority,
      chars,
      status,
      ...(reason ? { reason } : {}),
    });
  };

  let privateLeft = 0;
  const candidates: { s: number; i: number; priority: number; chars: number; group?: string }[] = [];
  sections.forEach((sec, s) =>
    sec.items.forEach((item, i) => {
      const chars = renderItem(item).length + 1;
      if (audience === "cloud" && item.visibility !== "shareable") {
        privateLeft++;
        explain(s, i, chars, "private", "private: never sent to a cloud model");
        return;
      }
      candidates.push({ s, i, priority: item.priority, chars, ...(item.group !== undefined && caps[item.group] !== undefined ? { group: item.group } : {}) });
    }),
  );
  candidates.sort((a, b) => b.priority - a.priority || a.s - b.s || a.i - b.i);

  let total = 0;
  let openSections = 0;
  let overBudget = 0;
  let overCap = 0;
  const groupChars = new Map<string, number>();
  const kept = new Map<number, Set<number>>();
  for (const c of candidates) {
    if (c.group !== undefined) {
      const share = caps[c.group]!;
      const used = groupChars.get(c.group) ?? 0;
      if (used + c.chars > Math.floor(maxChars * share)) {
        overCap++;
        explain(c.s, c.i, c.chars, "over-cap", `over the ${c.group} share (${Math.round(share * 100)}% of the budget)`);
        continue;
      }
    }
    const isNew = !kept.has(c.s);
    const add = c.chars + (isNew ? header(sections[c.s]!.title).length + (openSections > 0 ? 1 : 0) : 0);
    if (total + add > maxChars) {
      overBudget++;
      explain(c.s, c.i, c.chars, "over-budget", "over the budget");
      continue;
    }
    total += add;
    if (c.group !== undefined) groupChars.set(c.group, (groupChars.get(c.group) ?? 0) + c.chars);
    if (isNew) {
      kept.set(c.s, new Set());
      openSections++;
    }
    kept.get(c.s)!.add(c.i);
    explain(c.s, c.i, c.chars, "in");
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
  return {
    text,
    tokens: estimateTokens(text),
    budget,
    audience,
    memoryIds,
    sections: out,
    omitted: { private: privateLeft, overBudget, overCap },
    ...(explained ? { explain: explained.sort((a, b) => b.score - a.score) } : {}),
  };
}

/**
 * The context for a request, with the memories it used already warmed (see assembleContextFirst for a caller
 * that sends the context before that write).
 */
export async function assembleContext(req: AssembleRequest): Promise<AssembledContext> {
  const { context, recordUse } = await assembleContextFirst(req);
  recordUse();
  return context;
}

/**
 * The context for a request, and what writes down its use (the memory source warms the knowledge it matched).
 * A caller that sends the context to a model calls recordUse once it has been sent, so that the write is not
 * on the way to the model's answer; recordUse never throws.
 */
export async function assembleContextFirst(req: AssembleRequest): Promise<{ context: AssembledContext; recordUse: () => void }> {
  const { paths: p, config } = req;
  const budget = req.budget ?? config.context.budget;
  if (!Number.isInteger(budget) || budget < 1) {
    throw new UserError(`invalid context budget ${budget}`, { hint: "give a whole number of tokens, at least 1" });
  }
  const audience: Audience = req.audience ?? "local";
  let sources = req.sources;
  if (!sources) {
    sources = [telosSource(loadTelos(p), config)];
    if (req.db) sources.push(memorySource(req.db, config, { env: req.env, run: p.run }));
  }
  const creq = { query: req.query, budget, audience };
  const sections: ContextSection[] = [];
  for (const source of sources) sections.push(...(await source.collect(creq)));
  const context = selectContext(sections, budget, audience, { explain: req.explain === true });
  let recorded = false;
  const recordUse = () => {
    if (recorded) return;
    recorded = true;
    for (const source of sources) {
      try {
        source.recordUse?.();
      } catch {
        // Bookkeeping: a source that cannot write it down must not fail the answer.
      }
    }
  };
  return { context, recordUse };
}
