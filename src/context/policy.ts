/**
 * The context policy: what of the user's memory a model is told, in what order, and how much of the budget
 * each kind of memory may take. Written down for people in the README ("Context").
 *
 * - Durable knowledge outranks transcripts and bookkeeping: the Telos first, then pinned memories, then what the
 *   user told pai (facts, preferences, notes, events), then exchanges (`episode`), then bookkeeping (`action`).
 * - A memory that matches the request is weighed against the hot items on the same scale: a strong match of
 *   a fact ranks above a recent fact that does not match; it is never placed below the hot set by construction.
 * - Exchanges enter condensed (the question and a short gist of the answer), bookkeeping shortened: neither
 *   enters whole.
 * - No kind may take the budget: exchanges at most a quarter of it, bookkeeping a sixth; what happened in a
 *   window of time the request names ("overnight", "yesterday") at most half.
 */
import type { MemoryItem } from "../memory/types.ts";

/**
 * Priorities of memory items (0–100, higher kept first). The Telos uses 100 (the name) to 35 (ideas), see
 * sources/telos.ts; identity, goals, projects and the Telos preferences (80–100) stay above every memory.
 */
export const MEMORY_PRIORITY = {
  /** Pinned: the user asked for it to be in every context. */
  pinned: 70,
  /** Recent knowledge (hot facts, preferences, notes, events), newest highest. */
  hot: 60,
  hotMin: 56,
  /** What happened in a window of time the request names (actions and events first). */
  windowMax: 58,
  windowMin: 54,
  /** Knowledge that matches the request: from matchMin (weak) to matchMax (it holds every word asked about). */
  matchMax: 68,
  matchMin: 50,
  /** Recent exchanges, newest highest. */
  exchangeMax: 44,
  exchangeMin: 40,
  /** Exchanges that match the request. */
  exchangeMatchMax: 52,
  exchangeMatchMin: 36,
  /** Bookkeeping that matches the request. */
  actionMatchMax: 50,
  actionMatchMin: 34,
} as const;

/** Shares of the budget a group of items may take at most (a group is named on each item, see ContextItem.group). */
export const GROUP_CAPS: Record<string, number> = { episode: 0.25, action: 1 / 6, window: 0.5 };

/** How long a condensed exchange's question and gist may be, and a shortened action, in characters. */
export const CONDENSED = { question: 200, gist: 280, action: 280 } as const;

/** Kinds that are durable knowledge (what the user told pai or pai learned about them). */
export function isKnowledge(kind: string): boolean {
  return kind !== "episode" && kind !== "action";
}

/** The group whose cap an item of this kind counts against, if any. */
export function groupOf(kind: string): string | undefined {
  return kind === "episode" || kind === "action" ? kind : undefined;
}

/** Text cut at a word boundary to at most `max` characters, with "…" when cut. */
export function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, " ").trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, "")}…`;
}

/** The first sentences of a text, up to `max` characters (a gist, not a summary: no model is asked). */
export function gist(text: string, max: number): string {
  const t = text.replace(/\s+/g, " ").trim();
  if (t.length <= max) return t;
  const sentences = t.match(/[^.!?]+[.!?]+(\s|$)/g) ?? [];
  let out = "";
  for (const s of sentences) {
    if ((out + s).trim().length > max) break;
    out += s;
  }
  return out.trim() ? `${out.trim()} …` : clip(t, max);
}

/**
 * How a memory enters the context: an exchange as its question and a gist of the answer, an action shortened,
 * anything else whole (it is what the user said).
 */
export function condensed(item: Pick<MemoryItem, "kind" | "content" | "meta">): string {
  if (item.kind === "action") return clip(item.content, CONDENSED.action);
  if (item.kind !== "episode") return item.content;
  const m = /^Q:\s*([\s\S]*?)\nA(?: \(interrupted\))?:\s*([\s\S]*)$/.exec(item.content);
  const question = typeof item.meta?.question === "string" ? item.meta.question : (m?.[1] ?? "");
  const answer = m ? m[2]! : item.content;
  if (!question) return clip(answer, CONDENSED.question + CONDENSED.gist);
  return `Q: ${clip(question, CONDENSED.question)} A: ${gist(answer, CONDENSED.gist)}`;
}

/** Word stems close enough to count as the same word ("allergic", "allergies"): the first five letters. */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  return a.length >= 5 && b.length >= 5 && a.slice(0, 5) === b.slice(0, 5);
}

/** Share (0–1) of the request's search terms found among the words of a text. */
export function coverage(terms: string[], words: string[]): number {
  if (!terms.length) return 0;
  let hits = 0;
  for (const t of terms) if (words.some((w) => sameWord(w, t))) hits++;
  return hits / terms.length;
}

/** Priority of a memory that matches the request with strength 0–1, by its kind. */
export function matchPriority(kind: string, strength: number): number {
  const s = Math.max(0, Math.min(1, strength));
  const [lo, hi] =
    kind === "episode"
      ? [MEMORY_PRIORITY.exchangeMatchMin, MEMORY_PRIORITY.exchangeMatchMax]
      : kind === "action"
        ? [MEMORY_PRIORITY.actionMatchMin, MEMORY_PRIORITY.actionMatchMax]
        : [MEMORY_PRIORITY.matchMin, MEMORY_PRIORITY.matchMax];
  return lo + (hi - lo) * s;
}

/** Priority of the i-th of n recent items (newest first) between hi and lo. */
export function byRecency(i: number, n: number, hi: number, lo: number): number {
  return hi - ((hi - lo) * i) / Math.max(1, n);
}
