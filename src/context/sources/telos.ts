/**
 * The Telos in the context: who the user is (name, mission) first, then goals, active projects and
 * preferences; challenges, strategies and the other files come after, at lower priority. With a query, items
 * of the lower-priority files that share words with it rise (still below preferences).
 */
import type { Config } from "../../config/schema.ts";
import type { TelosFile } from "../../kernel/paths.ts";
import { formatLinks, textLines, type Telos, type TelosItem } from "../../telos/index.ts";
import type { ContextItem, ContextRequest, ContextSection, ContextSource } from "../types.ts";
import { STOP_WORDS } from "../../kernel/text.ts";

/**
 * Priorities (0–100, higher kept first when the budget is tight) and render order of the Telos sections.
 * Memory sections (src/context/sources/memory.ts) render at orders 50–60, between preferences and these.
 */
export const TELOS_SECTIONS: { file: TelosFile; key: string; title: string; order: number; priority: number }[] = [
  { file: "goals", key: "goals", title: "Goals", order: 10, priority: 90 },
  { file: "projects", key: "projects", title: "Active projects", order: 20, priority: 85 },
  { file: "challenges", key: "challenges", title: "Challenges", order: 70, priority: 60 },
  { file: "strategies", key: "strategies", title: "Strategies", order: 75, priority: 55 },
  { file: "beliefs", key: "beliefs", title: "Beliefs", order: 80, priority: 50 },
  { file: "models", key: "models", title: "Mental models", order: 85, priority: 45 },
  { file: "learned", key: "learned", title: "Lessons learned", order: 90, priority: 45 },
  { file: "narratives", key: "narratives", title: "Narratives", order: 95, priority: 40 },
  { file: "ideas", key: "ideas", title: "Ideas", order: 100, priority: 35 },
];
export const IDENTITY = { key: "identity", title: "Who the user is", order: 0, name: 100, mission: 95 };
export const PREFERENCES = { key: "preferences", title: "Preferences", order: 30, priority: 80 };
/** The most a query can raise a lower-priority Telos item (it stays below preferences). */
const QUERY_BOOST = 25;

/** The distinct words of a query that can raise a Telos item: three letters or more, no stop words. */
export function relevanceWords(query: string | undefined): string[] {
  if (!query) return [];
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => w.length >= 3 && !STOP_WORDS.has(w)))];
}

/** Fraction of the query's terms found in the text (0..1). */
export function relevance(text: string, terms: string[]): number {
  if (terms.length === 0) return 0;
  const lower = text.toLowerCase();
  let hits = 0;
  for (const t of terms) if (lower.includes(t)) hits++;
  return hits / terms.length;
}

function render(item: TelosItem): string {
  const links = formatLinks(item.links);
  return links ? `${item.text} ${links}` : item.text;
}

export function telosSource(telos: Telos, config: Pick<Config, "user" | "context">): ContextSource {
  return {
    name: "telos",
    collect(req: ContextRequest): ContextSection[] {
      const terms = relevanceWords(req.query);
      const doc = (name: string) => telos.docs.find((d) => d.name === name);
      const toItem = (i: TelosItem, priority: number, rule: string): ContextItem => ({ ref: i.id, text: render(i), visibility: i.visibility, priority, rule });
      const sections: ContextSection[] = [];

      const identity: ContextItem[] = [];
      const name = config.user.name.trim();
      if (name) {
        identity.push({ text: `Name: ${name}`, visibility: config.context.shareName ? "shareable" : "private", priority: IDENTITY.name, rule: "Telos: name" });
      }
      for (const i of doc("mission")?.items ?? []) if (i.active) identity.push(toItem(i, IDENTITY.mission, "Telos: mission"));
      if (identity.length) sections.push({ key: IDENTITY.key, title: IDENTITY.title, order: IDENTITY.order, items: identity });

      const prefs = doc("preferences");
      if (prefs) {
        const items = textLines(prefs).map((text) => ({ text, visibility: prefs.visibility, priority: PREFERENCES.priority, rule: "Telos: preferences" }));
        if (items.length) sections.push({ key: PREFERENCES.key, title: PREFERENCES.title, order: PREFERENCES.order, items });
      }

      for (const s of TELOS_SECTIONS) {
        const d = doc(s.file);
        if (!d) continue;
        const boosted = s.priority < PREFERENCES.priority;
        const items = d.items
          .filter((i) => i.active)
          .map((i) => {
            const r = boosted ? relevance(i.text, terms) : 0;
            const rule = r > 0 ? `Telos: ${s.file}; matches the request (${r.toFixed(2)})` : `Telos: ${s.file}`;
            return toItem(i, boosted ? Math.min(PREFERENCES.priority - 1, s.priority + QUERY_BOOST * r) : s.priority, rule);
          });
        if (items.length) sections.push({ key: s.key, title: s.title, order: s.order, items });
      }
      return sections.sort((a, b) => a.order - b.order);
    },
  };
}
