/**
 * Problems found in a pack's manifest or its files: each names the file, the field path and what is allowed,
 * and every problem of one pack is reported at once in a ManifestError.
 */
import type * as z from "zod";
import { UserError } from "../../kernel/errors.ts";
import { describeIssue, shownValue, valueAt } from "../../kernel/issues.ts";
import { HOOK_EVENTS, PERMISSION_KINDS, TIERS } from "./schema.ts";

export interface ManifestProblem {
  file: string;
  path: string;
  message: string;
}

export class ManifestError extends UserError {
  readonly problems: ManifestProblem[];
  constructor(problems: ManifestProblem[]) {
    const file = problems[0]?.file ?? "manifest";
    super(`${file} is invalid: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}`, {
      hint: "fix the pack's manifest; 'pai pack info PATH' checks it again",
      data: { problems },
    });
    this.problems = problems;
  }
}

export function firstLine(s: string): string {
  return s.split("\n", 1)[0] ?? s;
}

/** A value as a manifest message shows it: as JSON, the way it is written in pack.json ("magic", not 'magic'). */
export function writtenValue(v: unknown): string {
  if (typeof v !== "string") return shownValue(v);
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** What a required field must hold, by its name (for "required" messages). */
const REQUIRED: Record<string, string> = {
  name: "1–64 characters of a-z, 0-9 and single hyphens",
  version: "a semantic version such as 1.0.0",
  description: "text of at most 1024 characters",
  commands: "an object of commands by name",
  module: "the path of a .ts module in the pack",
  prompt: "the path of a Markdown prompt in the pack",
  skill: "the path of a folder holding SKILL.md",
  exec: "the name of the program to run",
  event: HOOK_EVENTS.join(", "),
  command: "the name of one of the pack's commands",
};

const KNOWN_KEYS: Record<string, readonly string[]> = {
  permissions: PERMISSION_KINDS,
  triggers: ["names", "patterns", "examples"],
};

/**
 * One zod issue as a manifest problem. Types and enumerations are worded by the kernel's formatter; unknown
 * keys, tiers and the schema's own messages (length, format, custom checks) in the words pack authors see.
 */
export function problemOf(issue: z.core.$ZodIssue, file: string, root?: unknown): ManifestProblem {
  const path = issue.path.map(String).join(".");
  const last = String(issue.path[issue.path.length - 1] ?? "");
  const got = root === undefined ? undefined : valueAt(root, issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const where = last === "permissions" ? "permission" : last === "triggers" ? "trigger" : "field";
      const allowed = KNOWN_KEYS[last];
      return {
        file,
        path,
        message: `unknown ${where}${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}${allowed ? ` (allowed: ${allowed.join(", ")})` : ""}`,
      };
    }
    case "invalid_union": {
      if (last === "tier" || (issue as { note?: string }).note === "No matching discriminator") {
        const tierPath = last === "tier" ? path : `${path}.tier`;
        const tierValue = root === undefined ? undefined : valueAt(root, last === "tier" ? issue.path : [...issue.path, "tier"]);
        return { file, path: tierPath, message: `${tierValue === undefined ? "required" : `unknown tier ${writtenValue(tierValue)}`}: one of ${TIERS.join(", ")}` };
      }
      return { file, path, message: issue.message };
    }
    case "invalid_type":
      // `changes` says what its two values mean: the schema's own message, with the value found.
      if (last === "changes" && got !== undefined) return { file, path, message: `${issue.message}, got ${writtenValue(got)}` };
      return { file, ...describeIssue(issue, root, { required: (_path, key) => REQUIRED[key] }) };
    case "invalid_value":
      return { file, ...describeIssue(issue, root, { required: (_path, key) => REQUIRED[key] }) };
    default:
      return { file, path, message: got === undefined || issue.code !== "invalid_format" ? issue.message : `${issue.message}, got ${writtenValue(got)}` };
  }
}

export function dedupe(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}|${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
