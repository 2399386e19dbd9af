/**
 * The Telos: ten markdown files in user/telos/ plus user/preferences.md. Each has front matter (title,
 * updated, visibility) and items with stable IDs, one prefix per file (`- G1: text (supports: M1)`).
 * Loading never throws for bad content: every problem is collected with its file and line, and one broken
 * file never stops the others from loading.
 */
import { relative } from "node:path";
import type { Paths, TelosFile } from "../kernel/paths.ts";
import { loadTelosFileCached } from "./cache.ts";
import { TELOS_NAMES, type Telos, type TelosDoc, type TelosItem, type TelosProblem } from "./types.ts";

export type { Visibility } from "../kernel/privacy.ts";
export { formatLinks, parseLinks, textLines } from "./body.ts";
export { loadTelosFile, telosPath } from "./file.ts";
export { TELOS_NAMES, TELOS_PREFIXES, type Telos, type TelosDoc, type TelosItem, type TelosLink, type TelosProblem } from "./types.ts";

/** Resolves what a user typed ("goals", "Goals.md", "user/telos/goals.md") to a file name, or undefined. */
export function resolveTelosName(input: string): TelosFile | "preferences" | undefined {
  const base = input.trim().toLowerCase().replace(/\\/g, "/").split("/").pop()!.replace(/\.md$/, "");
  return (TELOS_NAMES as string[]).includes(base) ? (base as TelosFile | "preferences") : undefined;
}

/** The last whole Telos of each PAI_HOME, returned again while none of its files changed (see cache.ts). */
const lastTelos = new Map<string, { docs: TelosDoc[]; telos: Telos }>();

/**
 * Loads the ten Telos files and preferences.md, then checks IDs and links across them. Parsed once per
 * process: while no file changed, the same Telos is returned (callers never modify it); a changed file is
 * read again, the others reused (cache.ts).
 */
export function loadTelos(p: Paths): Telos {
  const docs: TelosDoc[] = [];
  const problems: TelosProblem[] = [];
  const items = new Map<string, TelosItem>();
  let fresh = false;
  for (const name of TELOS_NAMES) {
    const r = loadTelosFileCached(name, p);
    fresh ||= r.fresh;
    docs.push(r.loaded.doc);
    problems.push(...r.loaded.problems);
  }
  const last = lastTelos.get(p.home);
  if (!fresh && last && last.docs.every((d, i) => d === docs[i])) return last.telos;
  for (const doc of docs) {
    for (const item of doc.items) {
      const first = items.get(item.id);
      if (!first) {
        items.set(item.id, item);
        continue;
      }
      const where = first.file === item.file ? `line ${first.line}` : `${first.file}:${first.line}`;
      problems.push({ file: item.file, line: item.line, message: `duplicate ID ${item.id} (first at ${where})`, severity: "error" });
    }
  }
  for (const doc of docs) {
    for (const item of doc.items) {
      for (const link of item.links) {
        for (const target of link.ids) {
          if (items.has(target)) continue;
          problems.push({
            file: item.file,
            line: item.line,
            message: `${item.id} links to ${target} (${link.rel}), which does not exist`,
            severity: "error",
          });
        }
      }
    }
  }
  const order = new Map(docs.map((d, i) => [relative(p.home, d.path).split("\\").join("/"), i]));
  problems.sort((a, b) => (order.get(a.file) ?? 99) - (order.get(b.file) ?? 99) || a.line - b.line);
  const telos = { docs, items, problems };
  lastTelos.set(p.home, { docs, telos });
  return telos;
}

/** Every problem of the Telos (front matter, encoding, duplicate IDs, wrong prefixes, dangling links). */
export function checkTelos(p: Paths): TelosProblem[] {
  return loadTelos(p).problems;
}

/** `file:line: message` (warnings say so). */
export function formatProblem(pr: TelosProblem): string {
  return `${pr.file}:${pr.line}: ${pr.severity === "warning" ? "warning: " : ""}${pr.message}`;
}

/** Items that link to `id`, with the relation. */
export function linkedFrom(telos: Telos, id: string): { item: TelosItem; rel: string }[] {
  const out: { item: TelosItem; rel: string }[] = [];
  for (const doc of telos.docs) {
    for (const item of doc.items) {
      for (const link of item.links) if (link.ids.includes(id)) out.push({ item, rel: link.rel });
    }
  }
  return out;
}
