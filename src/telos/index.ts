/**
 * The Telos: ten markdown files in user/telos/ plus user/preferences.md. Each has front matter (title,
 * updated, visibility) and items with stable IDs, one prefix per file (`- G1: text (supports: M1)`).
 * Loading never throws for bad content: every problem is collected with its file and line, and one broken
 * file never stops the others from loading.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from "node:fs";
import { fileKind } from "../kernel/fs.ts";
import { isUtf8 } from "node:buffer";
import { join, relative } from "node:path";
import { TELOS_FILES, type Paths, type TelosFile } from "../kernel/paths.ts";
import { parseTelosText, type Visibility } from "./frontmatter.ts";

export type { Visibility } from "./frontmatter.ts";

export const TELOS_PREFIXES: Record<TelosFile, string> = {
  mission: "M",
  goals: "G",
  projects: "P",
  beliefs: "B",
  models: "MO",
  strategies: "S",
  narratives: "N",
  learned: "L",
  challenges: "C",
  ideas: "I",
};

const FILE_OF_PREFIX: Record<string, TelosFile> = Object.fromEntries(
  Object.entries(TELOS_PREFIXES).map(([file, prefix]) => [prefix, file as TelosFile]),
);

export interface TelosLink {
  rel: string;
  ids: string[];
}

export interface TelosItem {
  id: string;
  prefix: string;
  number: number;
  /** The item's text, without its trailing links. */
  text: string;
  links: TelosLink[];
  /** Relative to PAI_HOME, e.g. "user/telos/goals.md". */
  file: string;
  line: number;
  /** The nearest heading above the item. */
  section?: string;
  /** False under a heading such as "Done", "Archived" or "Paused". */
  active: boolean;
  visibility: Visibility;
}

export interface TelosDoc {
  name: TelosFile | "preferences";
  /** Absolute path. */
  path: string;
  title: string;
  updated?: string;
  visibility: Visibility;
  items: TelosItem[];
  body: string;
  /** 0 when the file is missing. */
  mtimeMs: number;
}

export interface TelosProblem {
  /** Relative to PAI_HOME, e.g. "user/telos/goals.md". */
  file: string;
  line: number;
  message: string;
  severity: "error" | "warning";
}

export interface Telos {
  docs: TelosDoc[];
  /** Every item by ID (the first one when an ID is used twice), in file order then line order. */
  items: Map<string, TelosItem>;
  problems: TelosProblem[];
}

/** The eleven names `pai telos` accepts, in load order. */
export const TELOS_NAMES: (TelosFile | "preferences")[] = [...TELOS_FILES, "preferences"];

/** Absolute path of a Telos file (or preferences.md). */
export function telosPath(name: TelosFile | "preferences", p: Paths): string {
  return name === "preferences" ? p.preferences : join(p.telos, `${name}.md`);
}

/** Resolves what a user typed ("goals", "Goals.md", "user/telos/goals.md") to a file name, or undefined. */
export function resolveTelosName(input: string): TelosFile | "preferences" | undefined {
  const base = input.trim().toLowerCase().replace(/\\/g, "/").split("/").pop()!.replace(/\.md$/, "");
  return (TELOS_NAMES as string[]).includes(base) ? (base as TelosFile | "preferences") : undefined;
}

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

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let n = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    if (i + n >= buf.length) return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

function lineAt(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

interface LoadedDoc {
  doc: TelosDoc;
  problems: TelosProblem[];
  /** Whether the file exists. */
  exists: boolean;
}

function titleCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A Telos file larger than this is not read (it is meant to be a page of markdown). */
const TELOS_MAX_BYTES = 4 * 1024 * 1024;

/** Loads one file; never throws for its content. */
export function loadTelosFile(name: TelosFile | "preferences", p: Paths): LoadedDoc {
  const path = telosPath(name, p);
  const file = relative(p.home, path).split("\\").join("/");
  const problems: TelosProblem[] = [];
  const empty: TelosDoc = { name, path, title: titleCase(name), visibility: "private", items: [], body: "", mtimeMs: 0 };
  let buf: Buffer;
  let mtimeMs = 0;
  try {
    const st = statSync(path);
    // A FIFO, socket or device (or a link to one) is never opened: reading it could block or never end.
    if (!st.isFile()) {
      problems.push({ file, line: 1, message: `is ${fileKind(st)}, not a plain file; skipped — replace it with a markdown file`, severity: "warning" });
      return { doc: empty, problems, exists: false };
    }
    if (st.size > TELOS_MAX_BYTES) {
      problems.push({ file, line: 1, message: `is ${Math.round(st.size / 1048576)} MiB, over the ${TELOS_MAX_BYTES / 1048576} MiB a Telos file may have; skipped`, severity: "warning" });
      return { doc: empty, problems, exists: false };
    }
    mtimeMs = st.mtimeMs;
    // Opened without blocking and checked again on the open file, so a swap after the check above is caught too.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) {
        problems.push({ file, line: 1, message: `is ${fileKind(opened)}, not a plain file; skipped — replace it with a markdown file`, severity: "warning" });
        return { doc: empty, problems, exists: false };
      }
      buf = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      problems.push({ file, line: 1, message: "missing — run 'pai init' to add it from the template", severity: "warning" });
    } else {
      problems.push({ file, line: 1, message: `cannot be read (${code ?? (err as Error).message})`, severity: "error" });
    }
    return { doc: empty, problems, exists: false };
  }
  let text: string;
  if (isUtf8(buf)) {
    text = buf.toString("utf8");
  } else {
    const at = firstInvalidUtf8(buf);
    problems.push({
      file,
      line: at < 0 ? 1 : lineAt(buf, at),
      message: "not valid UTF-8 — re-save it as UTF-8 (invalid bytes read as \uFFFD)",
      severity: "error",
    });
    text = new TextDecoder("utf-8").decode(buf);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const parsed = parseTelosText(text);
  for (const pr of parsed.problems) problems.push({ file, ...pr });
  const fm = parsed.frontMatter;
  const doc: TelosDoc = {
    name,
    path,
    title: fm.title ?? titleCase(name),
    updated: fm.updated,
    visibility: fm.visibility,
    items: [],
    body: parsed.body,
    mtimeMs,
  };
  if (name !== "preferences") parseItems(doc, name, file, parsed.bodyStartLine, problems);
  return { doc, problems, exists: true };
}

function parseItems(doc: TelosDoc, name: TelosFile, file: string, startLine: number, problems: TelosProblem[]): void {
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

/** Loads the ten Telos files and preferences.md, then checks IDs and links across them. */
export function loadTelos(p: Paths): Telos {
  const docs: TelosDoc[] = [];
  const problems: TelosProblem[] = [];
  const items = new Map<string, TelosItem>();
  for (const name of TELOS_NAMES) {
    const loaded = loadTelosFile(name, p);
    docs.push(loaded.doc);
    problems.push(...loaded.problems);
  }
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
  return { docs, items, problems };
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
