/**
 * Where a config key's value comes from: the environment (a variable that overrides the file, as OLLAMA_HOST does
 * for ollama.host), the file (with the line that sets it), or the default. Plain data: no schema is loaded.
 */
import { existsSync, readFileSync } from "node:fs";

/** Keys an environment variable overrides, and the variable (the model code reads the same ones). */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  "ollama.host": "OLLAMA_HOST",
  "anthropic.baseUrl": "ANTHROPIC_BASE_URL",
};

export type Origin =
  | { source: "environment"; variable: string }
  | { source: "file"; file: string; line: number | null }
  | { source: "default" };

/** The origin of `key`'s value, given the file's parsed content and the environment. */
export function originOf(key: string, raw: Record<string, unknown>, file: string, env: NodeJS.ProcessEnv = process.env): Origin {
  const variable = ENV_OVERRIDES[key];
  if (variable && env[variable]?.trim()) return { source: "environment", variable };
  let cur: unknown = raw;
  for (const part of key.split(".")) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[part] : undefined;
  if (cur === undefined) return { source: "default" };
  return { source: "file", file, line: lineOf(key, file) };
}

/**
 * The line of the file that sets `key`: the first line naming its last part after the lines naming the parts
 * before it (in order). Null when it cannot be told (the file is read again, as the user wrote it).
 */
function lineOf(key: string, file: string): number | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, "utf8").split("\n");
  let at = 0;
  for (const part of key.split(".")) {
    const named = `"${part}"`;
    while (at < lines.length && !lines[at]!.includes(named)) at++;
    if (at === lines.length) return null;
    at++;
  }
  return at;
}

/** An origin as `pai config` shows it: `file:PATH:LINE`, `env:VARIABLE` or `default` (as git's --show-origin). */
export function originText(o: Origin): string {
  if (o.source === "environment") return `env:${o.variable}`;
  if (o.source === "file") return `file:${o.file}${o.line ? `:${o.line}` : ""}`;
  return "default";
}
