/**
 * Reading user/config.json on the common path, without zod. A file whose every key is known and whose every
 * value passes its checks (shape.ts, generated from the schema) gives the same typed config the schema would;
 * anything else (an unknown key, a wrong type, a check the fast reader does not make) is handed to the schema
 * (index.ts), which gives its exact error. `pai config set` and `pai doctor` always read through the schema.
 */
import { existsSync } from "node:fs";
import { UserError } from "../kernel/errors.ts";
import { readRegularFile } from "../kernel/fs.ts";
import { CONFIG_DEFAULTS } from "./defaults.ts";
import type { Config } from "./schema.ts";
import { CONFIG_SHAPE } from "./shape.ts";

/** One key's checks. "zod": the fast reader leaves a file that sets it to the schema. */
export interface ShapeLeaf {
  t: "string" | "number" | "boolean" | "enum" | "records" | "zod";
  optional?: boolean;
  values?: string[];
  int?: boolean;
  min?: number;
  above?: number;
  max?: number;
  below?: number;
  minLength?: number;
  url?: boolean;
  pattern?: string;
}

export interface ShapeNode {
  t: "object";
  fields: Record<string, ShapeLeaf | ShapeNode>;
}

type Raw = Record<string, unknown>;

export function readRawConfig(file: string): Raw {
  if (!existsSync(file)) return {};
  const bytes = readRegularFile(file, `move it aside (mv '${file}' '${file}.moved') and run 'pai init' to write a fresh one`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${file} is not valid UTF-8`, {
      hint: "re-save it as UTF-8 in your editor; pai will not rewrite it until then",
    });
  }
  if (!text.trim()) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not valid JSON (${(err as Error).message})`, {
      hint: `fix the file by hand, or move it aside and run 'pai init' to write a fresh one`,
    });
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new UserError(`${file} must hold a JSON object`, { hint: "fix the file, or move it aside and run 'pai init'" });
  }
  return raw as Raw;
}

const isPlain = (v: unknown): v is Raw => !!v && typeof v === "object" && !Array.isArray(v);

const URLISH = /^https?:\/\/[^\s/?#]+\S*$/;

/** Whether a value passes a key's checks; false also when the fast reader cannot tell. */
function passes(s: ShapeLeaf, v: unknown): boolean {
  switch (s.t) {
    case "boolean":
      return typeof v === "boolean";
    case "enum":
      return typeof v === "string" && s.values!.includes(v);
    case "number":
      return (
        typeof v === "number" &&
        Number.isFinite(v) &&
        (!s.int || Number.isSafeInteger(v)) &&
        (s.min === undefined || v >= s.min) &&
        (s.above === undefined || v > s.above) &&
        (s.max === undefined || v <= s.max) &&
        (s.below === undefined || v < s.below)
      );
    case "string":
      return (
        typeof v === "string" &&
        (s.minLength === undefined || v.length >= s.minLength) &&
        // Only the plain http(s) addresses are judged here; any other text is left to the schema.
        (!s.url || (URLISH.test(v) && URL.canParse(v))) &&
        (s.pattern === undefined || new RegExp(s.pattern).test(v))
      );
    case "records":
      return isPlain(v) && Object.values(v).every(isPlain);
    default:
      return false;
  }
}

/** Copies raw's keys over the defaults in `into`; false at the first key the fast reader does not accept. */
function fill(fields: ShapeNode["fields"], raw: Raw, into: Raw): boolean {
  for (const key in raw) {
    if (!Object.hasOwn(fields, key)) return false;
    const s = fields[key]!;
    const v = raw[key];
    if (s.t === "object") {
      if (!isPlain(v)) return false;
      const target = isPlain(into[key]) ? (into[key] as Raw) : (into[key] = {});
      if (!fill(s.fields, v, target)) return false;
    } else if (!passes(s, v)) return false;
    else into[key] = s.t === "records" ? structuredClone(v) : v;
  }
  return true;
}

/** The config a well-formed file gives, or undefined when only the schema can say. */
export function fastConfig(raw: Raw): Config | undefined {
  const out = structuredClone(CONFIG_DEFAULTS) as unknown as Raw;
  return fill(CONFIG_SHAPE, raw, out) ? (out as unknown as Config) : undefined;
}

/** Reads and checks user/config.json: the fast reader first, the schema for anything it does not accept. */
export function loadConfig(file: string): Config {
  const raw = readRawConfig(file);
  return fastConfig(raw) ?? (require("./index.ts") as typeof import("./index.ts")).validateConfig(raw, file);
}
