/**
 * The one front-matter reader of pai (Telos files, PACK.md, SKILL.md, prompts, patterns, templates and their
 * overrides). Front matter is YAML and nothing else: the block starts with a line that is exactly `---` and
 * ends with `---` (or `...`). A first line such as `---js`, `---javascript` or `--- toml` asks for another
 * language (some parsers evaluate such blocks as code): the file is refused, never evaluated. YAML is read with
 * the core schema (no other tags, no functions, dates stay text), duplicate keys are an error, and aliases are
 * bounded. The `yaml` package is loaded only when a block is parsed.
 */
import { createRequire } from "node:module";
import { UserError } from "./errors.ts";

export interface FrontMatterSplit {
  /** The lines between the markers; undefined when the text has no front matter. */
  lines: string[] | undefined;
  /** False when the opening `---` has no closing line. */
  closed: boolean;
  body: string;
  /** 1-based line of the first body line. */
  bodyStartLine: number;
}

/** A first line that opens front matter in another language (`---js`, `--- coffee`): never to be parsed. */
export function foreignOpening(firstLine: string): string | undefined {
  const t = firstLine.replace(/^\uFEFF/, "").trimEnd();
  return /^---[^-]/.test(t) && t.slice(3).trim() !== "" ? t.slice(3).trim() : undefined;
}

export class ForeignFrontMatterError extends UserError {
  constructor(file: string, language: string) {
    super(`${file}: front matter must be YAML, but its first line asks for '${language.slice(0, 40)}'; the file was not read`, {
      hint: "start the file with a line that is exactly --- (YAML front matter), or remove the front matter",
    });
  }
}

/**
 * Splits text into its front matter lines and body without judging them: `foreign` names the language a first
 * line such as `---js` asks for (then `lines` is undefined). Every reader goes through this one split.
 */
export function locateFrontMatter(text: string): FrontMatterSplit & { foreign?: string } {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const first = lines[0] ?? "";
  const foreign = foreignOpening(first);
  if (foreign !== undefined) return { lines: undefined, closed: true, body: text, bodyStartLine: 1, foreign };
  if (first.trimEnd() !== "---") return { lines: undefined, closed: true, body: text, bodyStartLine: 1 };
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i]!.trimEnd();
    if (t === "---" || t === "...") return { lines: lines.slice(1, i), closed: true, body: lines.slice(i + 1).join("\n"), bodyStartLine: i + 2 };
  }
  return { lines: lines.slice(1), closed: false, body: lines.slice(1).join("\n"), bodyStartLine: 2 };
}

/** Splits text into its front matter lines and body; throws ForeignFrontMatterError for a non-YAML block. */
export function splitFrontMatter(text: string, file: string): FrontMatterSplit {
  const { foreign, ...split } = locateFrontMatter(text);
  if (foreign !== undefined) throw new ForeignFrontMatterError(file, foreign);
  return split;
}

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;

export interface YamlProblem {
  /** 1-based line within the YAML text. */
  line: number;
  /** One line, without the excerpt the parser adds. */
  reason: string;
  code?: string;
}

export class YamlError extends Error {
  constructor(readonly problem: YamlProblem) {
    super(problem.reason);
  }
}

/**
 * YAML text → value (core schema, unique keys, bounded aliases); a YamlError names the line. Only the core
 * schema's tags are known: any other tag (`!foo`, `!!js/function`, even YAML 1.1's `!!binary`, `!!set` or
 * `!!timestamp`) is an error, and nothing is printed: every problem comes back as the YamlError.
 */
export function parseYaml(text: string): unknown {
  yamlModule ??= createRequire(import.meta.url)("yaml") as YamlModule;
  const fail = (e: { linePos?: { line: number }[]; message?: string; code?: string }): never => {
    let reason = String(e.message ?? e).split("\n", 1)[0]!.replace(/ at line \d+, column \d+:?$/, "");
    if (e.code === "TAG_RESOLVE_FAILED") reason = `${reason.replace(/^Unresolved tag: /, "unknown tag '").replace("tag:yaml.org,2002:", "!!")}' (only plain YAML values are read)`;
    if (e.code === "MULTIPLE_DOCS") reason = "a second YAML document starts inside the front matter";
    throw new YamlError({ line: e.linePos?.[0]?.line ?? 1, reason, code: e.code });
  };
  let doc: ReturnType<YamlModule["parseDocument"]>;
  try {
    doc = yamlModule.parseDocument(text, {
      schema: "core",
      uniqueKeys: true,
      merge: false,
      resolveKnownTags: false,
      prettyErrors: true,
      logLevel: "error",
    });
  } catch (err) {
    return fail(err as Error);
  }
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) fail(problem);
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    return fail(err as Error);
  }
}

// ---- plain `key: value` blocks, read without loading YAML -----------------------------------------------

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const KEY_LINE = /^([A-Za-z_][\w-]*):(?:[ \t]+(.*))?$/;
/** Scalars that are not plain strings in the core schema (numbers, booleans, null, specials), or might not be. */
const NOT_A_STRING = /^(?:[-+.]?\d.*|~|null|true|false|yes|no|on|off|y|n|\.inf|\.nan|-\.inf|\+\.inf)$/i;
/** First characters that make a YAML plain scalar something else (or an error). */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;
/** Keys YAML reads as something else (null, a boolean) or that a plain object cannot hold. */
const SPECIAL_KEY = /^(?:null|true|false|__proto__)$/i;
/** Characters YAML treats differently from a plain letter: controls, a lone CR, separators, a byte-order mark. */
const ODD_CHAR = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;


function unquote(v: string): string | undefined {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    const inner = v.slice(1, -1);
    return /["\\]/.test(inner) ? undefined : inner;
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) {
    const inner = v.slice(1, -1);
    return inner.includes("'") ? undefined : inner;
  }
  return undefined;
}

/**
 * What YAML's core schema reads from a block of plain `key: value` lines, without loading YAML: every value a
 * string (plain, or quoted without escapes; a YYYY-MM-DD date stays text in the core schema), no key twice.
 * Undefined whenever anything in the block could read otherwise (a number, a boolean, a list, an escape, an
 * unquoted colon, an odd character): the caller then parses it with parseYaml, which is the reference.
 */
export function plainMap(lines: string[]): Record<string, string> | undefined {
  const data: Record<string, string> = {};
  for (const raw of lines) {
    // YAML strips only spaces and tabs; any other space, a control character or a line separator is left to it.
    const line = raw.replace(/[ \t]+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    if (ODD_CHAR.test(line)) return undefined;
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    const key = m[1]!;
    const value = m[2] ?? "";
    if (Object.hasOwn(data, key) || SPECIAL_KEY.test(key) || value === "") return undefined;
    const quoted = unquote(value);
    if (quoted !== undefined) {
      data[key] = quoted;
      continue;
    }
    if (INDICATOR.test(value) || value.includes(": ") || value.includes(" #") || value.endsWith(":") || value.includes("\t")) {
      return undefined;
    }
    if (NOT_A_STRING.test(value) && !DATE.test(value)) return undefined;
    data[key] = value;
  }
  return data;
}

/** The front matter of a markdown document as a key/value object, and its body. */
export function readFrontMatter(text: string, file: string): { data: Record<string, unknown>; content: string } {
  const split = splitFrontMatter(text, file);
  if (!split.lines) return { data: {}, content: text };
  if (!split.closed) throw new YamlError({ line: 1, reason: "no closing --- line" });
  const value = plainMap(split.lines) ?? parseYaml(split.lines.join("\n"));
  if (value === null || value === undefined) return { data: {}, content: split.body };
  if (typeof value !== "object" || Array.isArray(value)) throw new YamlError({ line: 1, reason: "front matter must be key: value lines" });
  return { data: value as Record<string, unknown>, content: split.body };
}
