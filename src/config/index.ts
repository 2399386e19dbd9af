/**
 * Reading, validating and writing user/config.json. The file holds only what the user set; defaults come
 * from defaults.ts, through the schema. Errors name the file, the key, what it holds and what is allowed
 * (worded by kernel/issues.ts); unknown keys are errors.
 */
import type { z } from "zod";
import { UserError } from "../kernel/errors.ts";
import { writeFileAtomic } from "../kernel/fs.ts";
import { issueLine } from "../kernel/issues.ts";
import { closest } from "../kernel/text.ts";
import { CONFIG_DEFAULTS } from "./defaults.ts";
import { configSchema, type Config } from "./schema.ts";
import { readRawConfig } from "./read.ts";

export { CONFIG_DEFAULTS } from "./defaults.ts";
export { configSchema, type Config } from "./schema.ts";
export { readRawConfig } from "./read.ts";

/** A fresh copy of every default: the config an empty config.json gives. */
export function configDefaults(): Config {
  return structuredClone(CONFIG_DEFAULTS);
}

type Raw = Record<string, unknown>;

export function validateConfig(raw: unknown, file: string): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // 'pai config set' refuses to write over a broken file, so the fix is an edit by hand.
  throw new UserError(`${file}: ${describeConfigIssue(issue, raw)}`, {
    hint: `edit ${file} by hand ('pai config set' does not write over a broken file), or move it aside and run 'pai init'`,
  });
}

/** One issue in the kernel's words, with the keys of its section for "did you mean" and what a key allows. */
function describeConfigIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const line = issueLine(issue, root, { knownKeys: keysAt, keyNoun: () => "key" });
  // An unknown key names its guess, and a wrong choice lists the choices already.
  if (issue.code === "unrecognized_keys" || issue.code === "invalid_value") return line;
  const allowed = allowedFor(issue.path.join("."));
  return allowed ? `${line} (allowed: ${allowed})` : line;
}

/** Reads user/config.json through the schema itself (`pai doctor`, `pai config`); commands use read.ts. */
export function loadConfig(file: string): Config {
  return validateConfig(readRawConfig(file), file);
}

// ---- keys --------------------------------------------------------------------------------------

interface Leaf {
  key: string;
  schema: z.ZodType;
  description: string;
  defaultValue: unknown;
}

function unwrap(s: z.ZodType): { inner: z.ZodType; description?: string; defaultValue?: unknown } {
  let cur: any = s;
  let description: string | undefined = cur.description;
  let defaultValue: unknown;
  for (;;) {
    const def = cur?._zod?.def;
    if (def?.type === "default") {
      defaultValue ??= typeof def.defaultValue === "function" ? def.defaultValue() : def.defaultValue;
      cur = def.innerType;
    } else if (def?.type === "optional" || def?.type === "nullable" || def?.type === "prefault") {
      cur = def.innerType;
    } else break;
    description ??= cur.description;
  }
  return { inner: cur, description, defaultValue };
}

function isObject(s: z.ZodType): s is z.ZodObject {
  return (s as any)?._zod?.def?.type === "object";
}

/** Every settable key with its schema, description and default. */
export function configKeys(): Leaf[] {
  const out: Leaf[] = [];
  const walk = (s: z.ZodType, prefix: string) => {
    const { inner, description, defaultValue } = unwrap(s);
    if (isObject(inner) && prefix !== "" && !prefix.includes("settings")) {
      for (const [k, v] of Object.entries(inner.shape)) walk(v as z.ZodType, `${prefix}.${k}`);
      return;
    }
    if (isObject(inner) && prefix === "") {
      for (const [k, v] of Object.entries(inner.shape)) walk(v as z.ZodType, k);
      return;
    }
    out.push({ key: prefix, schema: inner, description: description ?? "", defaultValue });
  };
  walk(configSchema, "");
  return out;
}

/** The keys directly under a dotted path ("" for the sections), as the schema names them. */
function keysAt(path: string): string[] | undefined {
  let cur: z.ZodType = configSchema;
  for (const part of path ? path.split(".") : []) {
    const inner = unwrap(cur).inner;
    if (!isObject(inner)) return undefined;
    const next = inner.shape[part] as z.ZodType | undefined;
    if (!next) return undefined;
    cur = next;
  }
  const inner = unwrap(cur).inner;
  return isObject(inner) ? Object.keys(inner.shape) : undefined;
}

function leafFor(key: string): Leaf | undefined {
  return configKeys().find((l) => l.key === key);
}

function allowedFor(key: string): string | undefined {
  const leaf = leafFor(key);
  return leaf ? describeType(leaf.schema) : undefined;
}

export function describeType(s: z.ZodType): string {
  const def: any = (s as any)._zod.def;
  switch (def.type) {
    case "enum":
      return Object.values(def.entries).join(" | ");
    case "boolean":
      return "true | false";
    case "number": {
      const checks: any[] = def.checks ?? [];
      const isInt = checks.some((c) => c._zod?.def?.check === "number_format") || (s as any).isInt;
      return isInt ? "an integer" : "a number";
    }
    case "string":
      return "text";
    case "record":
      return "a JSON object";
    default:
      return def.type;
  }
}

function getIn(obj: Raw, parts: string[]): unknown {
  let cur: unknown = obj;
  for (const p of parts) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Raw)[p];
  }
  return cur;
}

/** Sets a value at a dotted path; undefined removes it, and with it the sections it leaves empty. */
function setIn(obj: Raw, parts: string[], value: unknown): void {
  const path: Raw[] = [obj];
  for (const p of parts.slice(0, -1)) {
    const cur = path[path.length - 1]!;
    if (value === undefined && (!cur[p] || typeof cur[p] !== "object")) return;
    if (!cur[p] || typeof cur[p] !== "object") cur[p] = {};
    path.push(cur[p] as Raw);
  }
  const last = parts[parts.length - 1]!;
  if (value !== undefined) {
    path[path.length - 1]![last] = value;
    return;
  }
  delete path[path.length - 1]![last];
  for (let i = path.length - 1; i > 0 && Object.keys(path[i]!).length === 0; i--) delete path[i - 1]![parts[i - 1]!];
}

function requireKey(key: string): Leaf {
  const leaf = leafFor(key);
  if (leaf) return leaf;
  const guess = closest(key, configKeys().map((l) => l.key));
  throw new UserError(`unknown config key '${key}'${guess ? ` (did you mean '${guess}'?)` : ""}`, {
    hint: "'pai config list' shows every key",
  });
}

/** Turns the text given on the command line into a value of the key's type. */
export function parseValue(key: string, text: string): unknown {
  const leaf = requireKey(key);
  const type = (leaf.schema as any)._zod.def.type;
  let value: unknown = text;
  if (type === "number") value = text.trim() === "" ? Number.NaN : Number(text);
  else if (type === "boolean") value = /^(true|yes|on|1)$/i.test(text) ? true : /^(false|no|off|0)$/i.test(text) ? false : text;
  else if (type === "record" || type === "object") {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  const r = leaf.schema.safeParse(value);
  if (!r.success) {
    // The message shows what was typed when it is not a number at all ("got 'lots'", never "received NaN").
    const parts = key.split(".");
    const root: Raw = {};
    setIn(root, parts, typeof value === "number" && Number.isNaN(value) ? text : value);
    const issue = r.error.issues[0]!;
    // A wrong choice lists the choices in the message already.
    const hint = issue.code === "invalid_value" ? undefined : `allowed: ${describeType(leaf.schema)}`;
    throw new UserError(issueLine({ ...issue, path: [...parts, ...issue.path] }, root), hint ? { hint } : {});
  }
  return r.data;
}

export function getConfigValue(key: string, file: string): unknown {
  requireKey(key);
  const config = loadConfig(file);
  return getIn(config as unknown as Raw, key.split("."));
}

export function setConfigValue(key: string, text: string | undefined, file: string): Config {
  const raw = readRawConfig(file);
  // Validate what is there first so a broken file is reported, not silently rewritten.
  validateConfig(raw, file);
  const value = text === undefined ? undefined : parseValue(key, text);
  setIn(raw, key.split("."), value);
  const config = validateConfig(raw, file);
  writeFileAtomic(file, `${JSON.stringify(raw, null, 2)}\n`);
  return config;
}

export interface ConfigEntry {
  key: string;
  value: unknown;
  default: unknown;
  set: boolean;
  description: string;
  allowed: string;
}

export function listConfig(file: string): ConfigEntry[] {
  const raw = readRawConfig(file);
  const config = validateConfig(raw, file) as unknown as Raw;
  return configKeys().map((leaf) => {
    const parts = leaf.key.split(".");
    return {
      key: leaf.key,
      value: getIn(config, parts),
      default: leaf.defaultValue,
      set: getIn(raw, parts) !== undefined,
      description: leaf.description,
      allowed: describeType(leaf.schema),
    };
  });
}
