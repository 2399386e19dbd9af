/**
 * Reading and writing another tool's JSON settings file without disturbing it: the text is parsed as strict
 * JSON (a malformed file is refused, never rewritten), and written back in the file's own style (indent,
 * line endings, final newline) with the keys in their original order.
 */
import { existsSync, readFileSync } from "node:fs";
import { UserError } from "../errors.ts";

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

/** Reads and parses a settings file; a missing or empty file is an empty object. Malformed JSON is refused. */
export function readSettings(path: string, display: string = path): SettingsFile {
  if (!existsSync(path)) return { path, exists: false, text: "", data: {}, style: DEFAULT_STYLE };
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") return { path, exists: true, text, data: {}, style: detectStyle(text) };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${display} is not valid JSON (${describeJsonError(text, err as Error)}); nothing was changed`, {
      hint: `fix the file by hand (or move it aside), then run the command again`,
    });
  }
  if (!isObject(data)) {
    throw new UserError(`${display} must hold a JSON object; nothing was changed`, { hint: "fix the file by hand, then run the command again" });
  }
  return { path, exists: true, text, data, style: detectStyle(text) };
}

function describeJsonError(text: string, err: Error): string {
  const msg = err.message.split("\n")[0] ?? "parse error";
  const pos = /position (\d+)/.exec(msg);
  if (pos) {
    const offset = Number(pos[1]);
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return `line ${line}: ${msg}`;
  }
  const lineCol = /line (\d+)/i.exec(msg);
  return lineCol ? msg : msg;
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

export function clone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Structural equality, key order included (two objects with the same keys in another order differ). */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
