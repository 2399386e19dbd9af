/**
 * Memory in the context: hot items always, plus (with a query) the best warm and cold matches. Each item
 * carries `ref: "mem:<id>"` and `memoryId` so an answer can record which memories it used, and its
 * visibility so the assembler can drop private items for a cloud audience (the store already leaves them out).
 * Matches returned into a context are touched: using a memory warms it. Hot items are not touched merely
 * for being offered (they are offered every time; touching them would keep them hot for ever).
 *
 * A request that names a time ("what did you do overnight?", "what happened yesterday?", "since Monday",
 * "on 2026-11-20") also brings the items that happened within that window (src/memory/time.ts), actions and
 * events first, even when no word of the request matches them; they leave the hot section (no duplicates),
 * show their time of day, and are not touched (they are offered for their date, not because they matched).
 *
 * Priorities (0-100 scale; higher is kept first): pinned 70, hot 60 (newer first), the named window 58-54
 * (actions and events first, then newer first), matches 30-55 by score. Telos identity and goals sit above
 * these; low-priority Telos files below.
 */
import type { Config } from "../../config/schema.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { openMemory } from "../../memory/index.ts";
import { queryTerms, STOP_WORDS } from "../../memory/text.ts";
import { timeWindow } from "../../memory/time.ts";
import { itemsOfWindow } from "../../memory/named.ts";
import type { ContextItem, ContextSection, ContextSource } from "../types.ts";

export const MEMORY_PRIORITY = { pinned: 70, hot: 60, hotMin: 56, windowMax: 58, windowMin: 54, matchMax: 55, matchMin: 30 } as const;

/** How many matches a query brings in at most (the assembler trims them to the budget). */
const MAX_MATCHES = 12;
/** How many items of a named window of time a query brings in at most. */
const MAX_WINDOW = 20;

function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

/** Date and time to the minute, in UTC like every stored date ("2026-11-21 03:12Z"). */
function timeOf(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

/** Words that name nothing to search for once a time phrase is gone ("what happened", "what did you do"). */
const FILLER = new Set(["happened", "happen", "happening", "done", "doing", "anything", "something", "new", "news", "up", "tell", "show", "list", "summary", "summarise", "summarize", "recap"]);

function hasContentWords(text: string): boolean {
  return queryTerms(text).some((t) => !STOP_WORDS.has(t) && !FILLER.has(t));
}

export function memorySource(db: Database, config: Config): ContextSource {
  return {
    name: "memory",
    async collect(req) {
      const store = openMemory(db, config);
      const sections: ContextSection[] = [];
      const used: number[] = [];
      const query = req.query?.trim();
      const window = query ? timeWindow(query) : undefined;
      const inWindow = window ? itemsOfWindow(db, store, window, { audience: req.audience, limit: MAX_WINDOW }) : [];
      const windowIds = new Set(inWindow.map((m) => m.id));
      const hot = store.hot({ audience: req.audience }).filter((m) => !windowIds.has(m.id));
      if (window && inWindow.length) {
        const n = inWindow.length;
        sections.push({
          key: "memory.window",
          title: `${window.ahead ? "What is planned" : "What happened"} ${window.phrase} (${timeOf(window.from.toISOString())} to ${timeOf(window.to.toISOString())})`,
          order: 55,
          // Offered for their date, not matched: like hot items, they are not touched (asking what happened
          // last month must not make the whole month hot).
          items: inWindow.map((m, i): ContextItem => {
            return {
              ref: `mem:${m.id}`,
              memoryId: m.id,
              text: `[mem:${m.id}] (${m.kind}, ${timeOf(m.createdAt)}) ${m.content}`,
              visibility: m.visibility,
              priority: MEMORY_PRIORITY.windowMax - ((MEMORY_PRIORITY.windowMax - MEMORY_PRIORITY.windowMin) * i) / Math.max(1, n),
            };
          }),
        });
      }
      if (hot.length) {
        const n = hot.length;
        sections.push({
          key: "memory.hot",
          title: "What you remember (recent and pinned)",
          order: 50,
          items: hot.map((m, i): ContextItem => {
            return {
              ref: `mem:${m.id}`,
              memoryId: m.id,
              text: `[mem:${m.id}] (${m.kind}, ${dateOf(m.createdAt)}) ${m.content}`,
              visibility: m.visibility,
              priority: m.pinned
                ? MEMORY_PRIORITY.pinned
                : MEMORY_PRIORITY.hot - ((MEMORY_PRIORITY.hot - MEMORY_PRIORITY.hotMin) * i) / Math.max(1, n),
            };
          }),
        });
      }
      // With a named window, search for what is left of the request ("what did Bob say yesterday" → "bob").
      const searchFor = window ? (hasContentWords(window.rest) ? window.rest : "") : query;
      if (query && searchFor) {
        const hotIds = new Set([...hot.map((m) => m.id), ...windowIds]);
        const hits = store
          .search(searchFor, { limit: MAX_MATCHES + hotIds.size, audience: req.audience })
          .filter((h) => !hotIds.has(h.id))
          .slice(0, MAX_MATCHES);
        if (hits.length) {
          const top = Math.max(hits[0]!.score, 1e-9);
          sections.push({
            key: "memory.matches",
            title: "Memories that match the request",
            order: 60,
            items: hits.map((h): ContextItem => {
              used.push(h.id);
              return {
                ref: `mem:${h.id}`,
                memoryId: h.id,
                text: `[mem:${h.id}] (${h.kind}, ${dateOf(h.createdAt)}) ${h.content}`,
                visibility: h.visibility,
                priority: MEMORY_PRIORITY.matchMin + (MEMORY_PRIORITY.matchMax - MEMORY_PRIORITY.matchMin) * Math.min(1, h.score / top),
              };
            }),
          });
        }
      }
      if (used.length && !config.memory.incognito) {
        try {
          store.touch(used);
        } catch {
          // A busy or read-only database must not stop the context from being built.
        }
      }
      return sections;
    },
  };
}
