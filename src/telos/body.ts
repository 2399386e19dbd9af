/**
 * The markdown body of a Telos file: items with stable IDs and their links (`- G1: text (supports: M1)`),
 * headings that mark a section inactive, and the free-text lines of preferences.md.
 */
import type { TelosFile } from "../kernel/paths.ts";
import { TELOS_PREFIXES, type TelosDoc, type TelosLink, type TelosProblem } from "./types.ts";

const FILE_OF_PREFIX: Record<string, TelosFile> = Object.fromEntries(
  Object.entries(TELOS_PREFIXES).map(([file, prefix]) => [prefix, file as TelosFile]),
);

const ID_TOKEN = "(?:MO|[MGPBSNLCI])\\d+";
const ITEM_LINE = new RegExp(`^(\\s*)[-*+]\\s+(${ID_TOKEN}):[ \\t]*(.*)$`);
/** A list line that looks like an item with an ID of some other shape (e.g. `- g1:` or `- X1:`). */
const ITEM_LIKE = /^[-*+]\s+([A-Za-z]{1,3})(\d+)\s*:/;
const LINKS = /\s*\(([^()]*)\)\s*$/;
const LINK_PART = new RegExp(`^\\s*([A-Za-z][A-Za-z _-]*?)\\s*:\\s*(${ID_TOKEN}(?:\\s*,\\s*${ID_TOKEN})*)\\s*$`);
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const INACTIVE_SECTION = /^(done|archived?|paused|on hold|completed|finished|dropped|abandoned|inactive|someday|past)\b/i;

/** Splits `text (supports: M1, M2; blocks: P2)` into the text and its links; plain parentheses stay text. */
export function parseLinks(raw: string): { text: string; links: TelosLink[] } {
  const m = LINKS.exec(raw);
  if (!m) return { text: raw.trim(), links: [] };
  const links: TelosLink[] = [];
  for (const part of m[1]!.split(";")) {
    if (part.trim() === "") continue;
    const lm = LINK_PART.exec(part);
    if (!lm) return { text: raw.trim(), links: [] };
    links.push({ rel: lm[1]!.trim().toLowerCase(), ids: lm[2]!.split(",").map((s) => s.trim()) });
  }
  if (links.length === 0) return { text: raw.trim(), links: [] };
  return { text: raw.slice(0, m.index).trim(), links };
}

/** Renders links back to their syntax: `(supports: M1, M2; blocks: P2)`. */
export function formatLinks(links: TelosLink[]): string {
  return links.length ? `(${links.map((l) => `${l.rel}: ${l.ids.join(", ")}`).join("; ")})` : "";
}

/** Reads the items of a file's body into `doc.items`; problems (wrong prefixes, odd IDs, empty items) go to `problems`. */
export function parseItems(doc: TelosDoc, name: TelosFile, file: string, startLine: number, problems: TelosProblem[]): void {
  const expected = TELOS_PREFIXES[name];
  const headings: { level: number; text: string }[] = [];
  let fence: string | undefined;
  let inComment = false;
  const lines = doc.body.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = startLine + i;
    const line = lines[i]!;
    const trimmed = line.trim();
    if (fence) {
      if (trimmed.startsWith(fence)) fence = undefined;
      continue;
    }
    const f = /^(```+|~~~+)/.exec(trimmed);
    if (f) {
      fence = f[1];
      continue;
    }
    if (inComment) {
      if (trimmed.includes("-->")) inComment = false;
      continue;
    }
    if (trimmed.startsWith("<!--")) {
      if (!trimmed.includes("-->")) inComment = true;
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      const level = h[1]!.length;
      while (headings.length && headings[headings.length - 1]!.level >= level) headings.pop();
      headings.push({ level, text: h[2]! });
      continue;
    }
    const m = ITEM_LINE.exec(line);
    if (!m) {
      const like = ITEM_LIKE.exec(line);
      if (like) {
        problems.push({
          file,
          line: lineNo,
          message: `'${like[1]}${like[2]}' is not a ${name} ID — items here look like '- ${expected}1: text'`,
          severity: "warning",
        });
      }
      continue;
    }
    const id = m[2]!;
    const prefix = /^MO/.test(id) ? "MO" : id[0]!;
    const { text, links } = parseLinks(m[3] ?? "");
    if (prefix !== expected) {
      const home = FILE_OF_PREFIX[prefix];
      problems.push({
        file,
        line: lineNo,
        message: `ID ${id} has the wrong prefix for ${name}.md (its items are ${expected}1, ${expected}2, …; ${prefix} belongs in ${home}.md)`,
        severity: "error",
      });
    }
    if (text === "") problems.push({ file, line: lineNo, message: `item ${id} has no text`, severity: "warning" });
    const section = headings.length ? headings[headings.length - 1]!.text : undefined;
    doc.items.push({
      id,
      prefix,
      number: Number.parseInt(id.slice(prefix.length), 10),
      text,
      links,
      file,
      line: lineNo,
      section,
      active: !headings.some((hd) => INACTIVE_SECTION.test(hd.text)),
      visibility: doc.visibility,
    });
  }
}

/**
 * The lines of a free-text file (preferences.md) that go into the context: list items and paragraph lines,
 * without headings, HTML comments or code fences.
 */
export function textLines(doc: TelosDoc): string[] {
  const out: string[] = [];
  const lines = doc.body.split(/\r?\n/);
  let fence = false;
  let comment = false;
  lines.forEach((raw) => {
    let line = raw.trim();
    if (/^(```|~~~)/.test(line)) {
      fence = !fence;
      return;
    }
    if (fence) return;
    if (comment) {
      const end = line.indexOf("-->");
      if (end < 0) return;
      comment = false;
      line = line.slice(end + 3).trim();
    }
    line = line.replace(/<!--.*?-->/g, "").trim();
    const open = line.indexOf("<!--");
    if (open >= 0) {
      comment = true;
      line = line.slice(0, open).trim();
    }
    if (line === "" || HEADING.test(line) || /^(-{3,}|\*{3,}|_{3,})$/.test(line)) return;
    out.push(line.replace(/^[-*+]\s+/, "").replace(/^\d+[.)]\s+/, ""));
  });
  return out;
}
