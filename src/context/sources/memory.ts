/**
 * Memory in the context, by the policy of ../policy.ts: pinned and recent knowledge always, recent exchanges
 * condensed, and (with a query) the best matches of any tier and kind, each weighed on the same scale as the
 * recent items. Each item carries `ref: "mem:<id>"` and `memoryId` so an answer can record which memories it
 * used, its visibility so the assembler can drop private items for a cloud audience (the store already leaves
 * them out), a `rule` (why it is offered) and a `group` (the budget share it counts against).
 * Matches of knowledge are touched by recordUse, once the context was used: using a memory warms it (matched
 * exchanges and actions are not: they are history). Recent items are not touched merely for being offered (they
 * are offered every time; touching them would keep them hot for ever).
 *
 * A request that names a time ("what did you do overnight?", "what happened yesterday?", "since Monday",
 * "on 2026-11-20") also brings the items that happened within that window (src/memory/time.ts), actions and
 * events first, even when no word of the request matches them; they leave the other sections (no duplicates),
 * show their time of day, and are not touched (they are offered for their date, not because they matched).
 *
 * The search also ranks by meaning when the request's vector can be had (../embed.ts: vectors of the embed
 * model stored, a model that may see the request); a match found by meaning holds at least half the request.
 */
import type { Config } from "../../config/schema.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { openMemory } from "../../memory/index.ts";
import { queryTerms, STOP_WORDS, tokens } from "../../memory/text.ts";
import { timeWindow } from "../../memory/time.ts";
import { itemsOfWindow } from "../../memory/named.ts";
import { MEMORY_KINDS, type MemoryItem, type MemoryKind } from "../../memory/types.ts";
import { byRecency, condensed, coverage, groupOf, isKnowledge, matchPriority, MEMORY_PRIORITY } from "../policy.ts";
import type { ContextItem, ContextSection, ContextSource } from "../types.ts";
import { queryWanted } from "../embed-target.ts";
import type { SearchOptions } from "../../memory/types.ts";

export { MEMORY_PRIORITY };

/**
 * How many matches a query brings in at most (the assembler trims them to the budget and the caps): of
 * knowledge, and of exchanges and of actions each, so a year of exchanges that share the request's words
 * cannot take the places of the one fact that answers it.
 */
const MAX_MATCHES = 12;
const MAX_MATCHES_PER_HISTORY_KIND = 6;
/** How many hits the first search asks for (all kinds together). */
const FIRST_SEARCH = 2 * MAX_MATCHES;
const KNOWLEDGE_KINDS = MEMORY_KINDS.filter(isKnowledge);
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

/** A memory as a context item; `group` null: it counts against no share of the budget (default: its kind's). */
function item(m: MemoryItem, when: string, priority: number, rule: string, groupIn?: string | null): ContextItem {
  const group = groupIn === null ? undefined : (groupIn ?? groupOf(m.kind));
  return {
    ref: `mem:${m.id}`,
    memoryId: m.id,
    text: `[mem:${m.id}] (${m.kind}, ${when}) ${condensed(m)}`,
    visibility: m.visibility,
    priority: Math.round(priority * 100) / 100,
    rule,
    ...(group ? { group } : {}),
  };
}

export interface MemorySourceOptions {
  /** For the embed backend's host (OLLAMA_HOST; default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** user/run/: where a failure of the embed model is recorded and read. */
  run?: string;
}

export function memorySource(db: Database, config: Config, opts: MemorySourceOptions = {}): ContextSource {
  /** The knowledge the last collect matched, warmed by recordUse. */
  let used: number[] = [];
  return {
    name: "memory",
    recordUse() {
      const ids = used;
      used = [];
      if (!ids.length || config.memory.incognito) return;
      try {
        openMemory(db, config).touch(ids);
      } catch {
        // A busy or read-only database must not stop the answer.
      }
    },
    async collect(req) {
      const store = openMemory(db, config);
      const sections: ContextSection[] = [];
      const query = req.query?.trim();
      const window = query ? timeWindow(query) : undefined;
      const inWindow = window ? itemsOfWindow(db, store, window, { audience: req.audience, limit: MAX_WINDOW }) : [];
      const windowIds = new Set(inWindow.map((m) => m.id));
      const hot = store.hot({ audience: req.audience }).filter((m) => !windowIds.has(m.id));

      // With a named window, search for what is left of the request ("what did Bob say yesterday" → "bob").
      const searchFor = window ? (hasContentWords(window.rest) ? window.rest : "") : query;
      const terms = searchFor ? queryTerms(searchFor) : [];
      // The pipeline (with its model client) is loaded only when the query is to be embedded.
      const embedCtx = { db, config, env: opts.env, run: opts.run, audience: req.audience };
      let vector: Pick<SearchOptions, "queryEmbedding" | "embeddingModel"> = {};
      if (searchFor && queryWanted(embedCtx, searchFor)) {
        const { queryEmbedding, vectorSearch } = await import("../embed.ts");
        vector = vectorSearch(await queryEmbedding(embedCtx, searchFor));
      }
      // Knowledge has places of its own: when exchanges and actions that share the request's words fill the
      // first search, knowledge is searched again on its own, so they cannot take the places of the one fact
      // that answers it. (Only then: one search is the common case.)
      const search = (limit: number, kinds?: readonly MemoryKind[]) =>
        store
          .search(searchFor!, { limit: limit + windowIds.size, audience: req.audience, ...(kinds ? { kinds } : {}), ...vector })
          .filter((h) => !windowIds.has(h.id));
      const first = searchFor ? search(FIRST_SEARCH) : [];
      let knowledgeHits = first.filter((h) => isKnowledge(h.kind)).slice(0, MAX_MATCHES);
      if (knowledgeHits.length < MAX_MATCHES && first.length >= FIRST_SEARCH) knowledgeHits = search(MAX_MATCHES, KNOWLEDGE_KINDS).slice(0, MAX_MATCHES);
      const historyHits = first.filter((h) => !isKnowledge(h.kind));
      const ofKind = (kind: string) => historyHits.filter((h) => h.kind === kind).slice(0, MAX_MATCHES_PER_HISTORY_KIND);
      const hits = [...knowledgeHits, ...ofKind("episode"), ...ofKind("action")];
      // Match strength: the search's own ranking (relative to the best hit of its search) times the share of
      // the request's words the memory holds, so a memory that answers the whole request outranks one that
      // shares a common word. A recent item that also matches takes the better of its two priorities.
      const strength = new Map<number, number>();
      for (const group of [knowledgeHits, historyHits]) {
        const top = Math.max(group[0]?.score ?? 0, 1e-9);
        for (const h of group) strength.set(h.id, Math.min(1, h.score / top) * Math.max(coverage(terms, tokens(h.content)), vector.queryEmbedding ? 0.5 : 0));
      }
      const matched = (m: MemoryItem, base: number, rule: string): [number, string] => {
        const s = strength.get(m.id);
        if (s === undefined) return [base, rule];
        return [Math.max(base, matchPriority(m.kind, s)), `${rule}; matches the request (${s.toFixed(2)})`];
      };

      if (window && inWindow.length) {
        const n = inWindow.length;
        sections.push({
          key: "memory.window",
          title: `${window.ahead ? "What is planned" : "What happened"} ${window.phrase} (${timeOf(window.from.toISOString())} to ${timeOf(window.to.toISOString())})`,
          order: 55,
          // Offered for their date, not matched: like hot items, they are not touched (asking what happened
          // last month must not make the whole month hot). An exchange is an exchange wherever it comes from:
          // it counts against the exchanges' share, the rest against the window's.
          items: inWindow.map((m, i) =>
            item(
              m,
              timeOf(m.createdAt),
              byRecency(i, n, MEMORY_PRIORITY.windowMax, MEMORY_PRIORITY.windowMin),
              `${window.ahead ? "planned" : "happened"} ${window.phrase}`,
              m.kind === "episode" ? "episode" : "window",
            ),
          ),
        });
      }

      const pinned = hot.filter((m) => m.pinned);
      const knowledge = hot.filter((m) => !m.pinned && isKnowledge(m.kind));
      const exchanges = hot.filter((m) => !m.pinned && !isKnowledge(m.kind));
      const recent: ContextItem[] = [
        // Pinned: the user asked for it in every context, so it counts against no kind's share.
        ...pinned.map((m) => item(m, dateOf(m.createdAt), MEMORY_PRIORITY.pinned, "pinned", null)),
        ...knowledge.map((m, i) => {
          const [p, rule] = matched(m, byRecency(i, knowledge.length, MEMORY_PRIORITY.hot, MEMORY_PRIORITY.hotMin), "recent knowledge");
          return item(m, dateOf(m.createdAt), p, rule);
        }),
      ];
      if (recent.length) sections.push({ key: "memory.hot", title: "What you remember (recent and pinned)", order: 50, items: recent });
      if (exchanges.length) {
        sections.push({
          key: "memory.exchanges",
          title: "Recent exchanges (condensed)",
          order: 52,
          items: exchanges.map((m, i) => {
            const [p, rule] = matched(m, byRecency(i, exchanges.length, MEMORY_PRIORITY.exchangeMax, MEMORY_PRIORITY.exchangeMin), "recent exchange");
            return item(m, dateOf(m.createdAt), p, rule);
          }),
        });
      }

      const hotIds = new Set(hot.map((m) => m.id));
      const matches = hits.filter((h) => !hotIds.has(h.id));
      if (matches.length) {
        sections.push({
          key: "memory.matches",
          title: "Memories that match the request",
          order: 60,
          items: matches.map((h) => {
            const s = strength.get(h.id)!;
            return item(h, dateOf(h.createdAt), matchPriority(h.kind, s), `matches the request (${s.toFixed(2)})`);
          }),
        });
      }
      // Using knowledge warms it (recordUse). Exchanges and actions that match are not touched: they are
      // history, and warming them would fill the hot set with transcripts again.
      // (Hot items that match are hot already.)
      used = knowledgeHits.filter((h) => !hotIds.has(h.id)).map((h) => h.id);
      return sections;
    },
  };
}
