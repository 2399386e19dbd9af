/**
 * Reading another tool's JSON settings file without disturbing it: the text is parsed as JSON with comments
 * allowed (JSONC; a malformed file is refused, never rewritten), and its style (indent, line endings, final
 * newline) is noted so that what pai inserts looks like the rest. A file pai creates is written in the default
 * style.
 */
import { existsSync, readFileSync } from "node:fs";
import { getNodeValue } from "jsonc-parser";
import { UserError } from "../../kernel/errors.ts";
import { JsoncSyntaxError, parseObject } from "./jsonc-edit.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TextStyle {
  /** Indent unit ("  ", "    ", "\t"), or "" for a file written on one line. */
  indent: string;
  eol: "\n" | "\r\n";
  finalNewline: boolean;
}

export const DEFAULT_STYLE: TextStyle = { indent: "  ", eol: "\n", finalNewline: true };

export interface SettingsFile {
  path: string;
  exists: boolean;
  /** The exact text on disk ("" when missing). */
  text: string;
  data: JsonObject;
  style: TextStyle;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads and parses a settings file (JSON, or JSONC with comments); a missing or empty file is an empty object.
 * A malformed file, or one whose top level is not an object, is refused.
 */
export function readSettings(path: string, display: string = path): SettingsFile {
  if (!existsSync(path)) return { path, exists: false, text: "", data: {}, style: DEFAULT_STYLE };
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") return { path, exists: true, text, data: {}, style: detectStyle(text) };
  let data: unknown;
  try {
    data = getNodeValue(parseObject(text));
  } catch (err) {
    if (!(err instanceof JsoncSyntaxError)) throw err;
    const notObject = /not an object/.test(err.message);
    throw new UserError(notObject ? `${display} must hold a JSON object; nothing was changed` : `${display} is not valid JSON (${err.message}); nothing was changed`, {
      hint: notObject ? "fix the file by hand, then run the command again" : `fix the file by hand (or move it aside), then run the command again`,
    });
  }
  return { path, exists: true, text, data: data as JsonObject, style: detectStyle(text) };
}

/** The indent, line ending and final newline a JSON text uses. */
export function detectStyle(text: string): TextStyle {
  const eol: TextStyle["eol"] = text.includes("\r\n") ? "\r\n" : "\n";
  const finalNewline = /\n$/.test(text);
  const lines = text.split(/\r?\n/);
  let indent = "";
  for (const line of lines.slice(1)) {
    const m = /^([ \t]+)\S/.exec(line);
    if (m) {
      indent = m[1]!;
      break;
    }
  }
  if (lines.filter((l) => l.trim() !== "").length <= 1) indent = "";
  return { indent, eol, finalNewline };
}

export function serialize(data: Json, style: TextStyle): string {
  let text = style.indent ? JSON.stringify(data, null, style.indent) : JSON.stringify(data);
  if (style.eol === "\r\n") text = text.replace(/\n/g, "\r\n");
  return style.finalNewline ? text + style.eol : text;
}

/** Structural equality, key order included (two objects with the same keys in another order differ). */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
