/**
 * Memory in the context: hot items always, plus (with a query) the best warm and cold matches. Each item
 * carries `ref: "mem:<id>"` and `memoryId` so an answer can record which memories it used, and its
 * visibility so the assembler can drop private items for a cloud audience (the store already leaves them out).
 * Matches returned into a context are touched: using a memory warms it. Hot items are not touched merely
 * for being offered (they are offered every time; touching them would keep them hot for ever).
 *
 * Priorities (0-100 scale; higher is kept first): pinned 70, hot 60 (newer first), matches 30-55 by score.
 * Telos identity and goals sit above these; low-priority Telos files below.
 */
import type { Config } from "../../config/schema.ts";
import type { Database } from "../../storage/index.ts";
import type { ContextItem, ContextSection, ContextSource } from "../types.ts";

export const MEMORY_PRIORITY = { pinned: 70, hot: 60, hotMin: 56, matchMax: 55, matchMin: 30 } as const;

/** How many matches a query brings in at most (the assembler trims them to the budget). */
const MAX_MATCHES = 12;

function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

export function memorySource(db: Database, config: Config): ContextSource {
  return {
    name: "memory",
    async collect(req) {
      const { openMemory } = await import("../../memory/index.ts");
      const store = openMemory(db, config);
      const sections: ContextSection[] = [];
      const hot = store.hot({ audience: req.audience });
      const used: number[] = [];
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
      const query = req.query?.trim();
      if (query) {
        const hotIds = new Set(hot.map((m) => m.id));
        const hits = store
          .search(query, { limit: MAX_MATCHES + hotIds.size, audience: req.audience })
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
