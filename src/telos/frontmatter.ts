/**
 * Front matter of the Telos files. The reference path is pai's one YAML front-matter reader
 * (kernel/frontmatter.ts) then a zod schema. Both cost milliseconds to import, so the common shape is read
 * without them: the reader's own plain `key: value` path (`plainMap`), with title, updated (a date that
 * exists) and a valid visibility present; it gives what the YAML path gives. Anything else (quotes with escapes, lists, numbers, an unquoted colon, a
 * missing or repeated key…) goes through YAML and zod, loaded only then. When YAML cannot parse the block, a
 * lenient line-by-line reading (`key: value`, split at the first colon) recovers what it can; a visibility
 * given twice is private. A first line asking for another language than YAML (`---js`) is reported and the
 * file treated as private, its front matter never read.
 */
import { createRequire } from "node:module";
import { locateFrontMatter, parseYaml, plainMap, YamlError } from "../kernel/frontmatter.ts";
import { issueLine } from "../kernel/issues.ts";
import type { Visibility } from "../kernel/privacy.ts";

export type { Visibility } from "../kernel/privacy.ts";

export interface FrontMatter {
  title?: string;
  updated?: string;
  visibility: Visibility;
  /** Every key as read (strings from the fast path; YAML values from the full path). */
  data: Record<string, unknown>;
}

export interface FrontMatterProblem {
  /** 1-based line in the file. */
  line: number;
  message: string;
  severity: "error" | "warning";
}

export interface ParsedTelosText {
  frontMatter: FrontMatter;
  /** Line number (1-based) of the first body line. */
  bodyStartLine: number;
  body: string;
  problems: FrontMatterProblem[];
  /** Which path read the front matter (for tests and diagnostics). */
  via: "fast" | "yaml" | "lenient" | "none";
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads a Telos file's text: splits off its front matter, parses and validates it, and returns the body. */
export function parseTelosText(text: string): ParsedTelosText {
  const split = locateFrontMatter(text);
  const notRead = (message: string): ParsedTelosText => ({
    frontMatter: { visibility: "private", data: {} },
    bodyStartLine: split.bodyStartLine,
    body: split.body,
    problems: [{ line: 1, message, severity: "error" }],
    via: "none",
  });
  if (split.foreign !== undefined) {
    return notRead(`front matter: must be YAML, but the first line asks for '${split.foreign.slice(0, 40)}'; not read, treated as private (start the file with a line that is exactly ---)`);
  }
  if (!split.lines) return notRead("front matter: missing (start the file with ---, then title, updated and visibility, then ---); treated as private");
  if (!split.closed) return notRead("front matter: no closing --- line; treated as private");
  const fmLines = split.lines;
  const { bodyStartLine, body } = split;
  const fast = fastPath(fmLines);
  if (fast) return { frontMatter: fast, bodyStartLine, body, problems: [], via: "fast" };
  return { ...fullPath(fmLines), bodyStartLine, body };
}

/** YYYY-MM-DD naming a day that exists (YAML would roll 2026-02-30 over to March; leave that to it). */
function isRealDate(v: string): boolean {
  if (!DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** The fast path: the block read without loading YAML, when it is plain `key: value` lines and trivially valid. */
export function fastPath(fmLines: string[]): FrontMatter | undefined {
  const data = plainMap(fmLines);
  if (!data) return undefined;
  const { updated, visibility } = data;
  // The title as the schema reads it (trimmed, not empty).
  const title = data.title?.trim();
  if (!title || !updated || !isRealDate(updated) || (visibility !== "private" && visibility !== "shareable")) return undefined;
  return { title, updated, visibility, data };
}

// ---- the full path: YAML (kernel/frontmatter.ts) + zod, loaded on demand ----------------------------------

const requireLazy = createRequire(import.meta.url);
type Zod = typeof import("zod");
let schemaCache: ReturnType<typeof buildSchema> | undefined;

/** Any value as the text a date is read from (a Date as its day; a number or a list never looks like a date). */
function dateText(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "" : v.toISOString().slice(0, 10);
  if (typeof v === "string") return v.trim();
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function buildSchema(z: Zod) {
  const date = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?$/, "must be a date like 2026-01-31")
    .refine((v) => isRealDate(v.slice(0, 10)), "must be a day that exists, like 2026-01-31");
  return z
    .object({
      title: z
        .string()
        .trim()
        .refine((v) => v.length > 0, "must not be empty"),
      updated: z.preprocess(dateText, date),
      visibility: z.enum(["private", "shareable"]),
    })
    .passthrough();
}

/** The zod schema of a Telos file's front matter (title, updated, visibility required). */
export function frontMatterSchema(): ReturnType<typeof buildSchema> {
  schemaCache ??= buildSchema(requireLazy("zod") as Zod);
  return schemaCache;
}

function lineOfKey(fmLines: string[], key: string): number {
  const i = fmLines.findIndex((l) => l.startsWith(`${key}:`));
  return i < 0 ? 1 : i + 2;
}

function fullPath(fmLines: string[]): Omit<ParsedTelosText, "bodyStartLine" | "body"> {
  const problems: FrontMatterProblem[] = [];
  let data: Record<string, unknown> | undefined;
  let via: ParsedTelosText["via"] = "yaml";
  let recovered = true;
  try {
    const parsed = parseYaml(fmLines.join("\n")) ?? {};
    data = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
      problems.push({ line: 2, message: "front matter: must be key: value lines", severity: "error" });
    }
  } catch (err) {
    const problem = err instanceof YamlError ? err.problem : { line: 1, reason: String((err as Error)?.message ?? err).split("\n")[0] };
    const line = problem.line + 1;
    const reason = problem.reason;
    const lenient = lenientParse(fmLines);
    data = lenient.data;
    via = "lenient";
    recovered = lenient.unreadable.length === 0;
    // A line the lenient reading cannot read may hide another visibility (a quoted or flow key): the safe side.
    if (!recovered && data.visibility !== undefined) data.visibility = "private";
    const bad = fmLines[line - 2]?.trim();
    const shown = bad ? ` in '${bad}'` : "";
    if (lenient.repeated.length) {
      for (const r of lenient.repeated) {
        problems.push({
          line: r.line,
          message: `front matter: ${r.key} is given twice${r.key === "visibility" ? "; treated as private" : ""} — keep one`,
          severity: "error",
        });
      }
    } else if (recovered) {
      problems.push({
        line,
        message: `front matter: YAML cannot parse it (${reason})${shown}; read leniently, split at the first colon — quote the value to fix it`,
        severity: "warning",
      });
    } else {
      problems.push({ line, message: `front matter: YAML cannot parse it (${reason})${shown}${data.visibility !== undefined ? "; treated as private" : ""}`, severity: "error" });
      for (const l of lenient.unreadable) {
        if (l !== line) problems.push({ line: l, message: "front matter: not a 'key: value' line", severity: "error" });
      }
    }
  }
  const schema = frontMatterSchema();
  const result = schema.safeParse(data);
  if (result.success) {
    return {
      frontMatter: { title: result.data.title, updated: result.data.updated, visibility: result.data.visibility, data },
      problems,
      via,
    };
  }
  // Report each bad field on its own line; keep what is valid.
  const fm: FrontMatter = { visibility: "private", data };
  const bad = new Set<string>();
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "");
    if (bad.has(key)) continue;
    bad.add(key);
    const missing = data[key] === undefined || data[key] === null;
    if (key === "visibility" && missing) {
      problems.push({ line: 1, message: "front matter: visibility is missing; treated as private (add 'visibility: private' or 'visibility: shareable')", severity: "warning" });
    } else if (missing) {
      problems.push({ line: 1, message: `front matter: ${key} is missing (required: title, updated, visibility)`, severity: "error" });
    } else {
      const suffix = key === "visibility" ? "; treated as private" : "";
      problems.push({ line: lineOfKey(fmLines, key), message: `front matter: ${issueLine(issue, data)}${suffix}`, severity: "error" });
    }
  }
  const single = (k: "title" | "updated" | "visibility") => {
    const r = schema.shape[k].safeParse(data[k]);
    return r.success ? r.data : undefined;
  };
  fm.title = single("title") as string | undefined;
  fm.updated = single("updated") as string | undefined;
  fm.visibility = (single("visibility") as Visibility | undefined) ?? "private";
  return { frontMatter: fm, problems, via };
}

/** Line-by-line `key: value`, split at the first colon; quotes around the value are removed. */
export function lenientParse(fmLines: string[]): { data: Record<string, string>; unreadable: number[]; repeated: { key: string; line: number }[] } {
  const data: Record<string, string> = {};
  const unreadable: number[] = [];
  const repeated: { key: string; line: number }[] = [];
  // A lone CR or another separator an editor may show as a line break starts a line here too, so a key after
  // it (a second visibility) is seen.
  const pieces = fmLines.flatMap((raw, i) => raw.split(/[\r\v\f\u0085\u2028\u2029]/).map((line) => ({ line, i })));
  pieces.forEach(({ line: raw, i }) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    const key = colon > 0 ? line.slice(0, colon).trim() : "";
    if (!/^[A-Za-z_][\w-]*$/.test(key)) {
      if (!unreadable.includes(i + 2)) unreadable.push(i + 2);
      return;
    }
    let value = line.slice(colon + 1).trim();
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
      value = value.slice(1, -1);
    }
    if (Object.hasOwn(data, key)) {
      repeated.push({ key, line: i + 2 });
      // The safe side: a visibility given twice is private, whatever the values.
      if (key === "visibility") value = "private";
    }
    data[key] = value;
  });
  return { data, unreadable, repeated };
}
