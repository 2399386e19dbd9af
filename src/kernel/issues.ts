/**
 * The one way pai words a schema problem: where it is, what was expected, and what was found.
 * "memory.hotCap must be a number, got 'lots'", never "expected number, received NaN".
 * Every zod validation of a file or a value a person wrote goes through here.
 */
import type * as z from "zod";
import { closest } from "./text.ts";

export interface IssueWords {
  /** Dotted path of the field, "" at the top level. */
  path: string;
  /** What is wrong, without the path: "must be a number, got 'lots'". */
  message: string;
}

export interface IssueOptions {
  /** The keys allowed at a dotted path (for "unknown key 'x' (did you mean 'y'?)"). */
  knownKeys?: (path: string) => readonly string[] | undefined;
  /** What a missing field must hold, by its dotted path or last key ("required: a semantic version"). */
  required?: (path: string, key: string) => string | undefined;
  /** The noun for an unknown key at a path ("field" by default; "permission", "trigger"). */
  keyNoun?: (path: string) => string;
}

/** A value as it appears in a message: JSON, cut to 60 characters; strings in single quotes. */
export function shownValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return `'${v.length > 58 ? `${v.slice(0, 57)}…` : v}'`;
  const s = JSON.stringify(v);
  return s && s.length > 60 ? `${s.slice(0, 57)}…` : (s ?? String(v));
}

/** The value at a path inside a parsed document (undefined when absent). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
}

const TYPE_WORDS: Record<string, string> = {
  array: "a list",
  object: "an object",
  record: "an object",
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  bigint: "a whole number",
  date: "a date",
};

/** Words a person understands for one zod issue; `root` is the document that was validated. */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown, opts: IssueOptions = {}): IssueWords {
  const keys = issue.path.map(String);
  const path = keys.join(".");
  const last = keys[keys.length - 1] ?? "";
  const got = valueAt(root, issue.path);
  const missing = got === undefined;
  switch (issue.code) {
    case "unrecognized_keys": {
      const noun = opts.keyNoun?.(path) ?? "field";
      const known = opts.knownKeys?.(path);
      const full = (k: string) => (path ? `${path}.${k}` : k);
      const guess = known && issue.keys.length === 1 ? closest(issue.keys[0]!, [...known]) : undefined;
      const allowed = known && !guess ? ` (allowed: ${known.join(", ")})` : "";
      return {
        path,
        message: `unknown ${noun}${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${full(k)}'`).join(", ")}${guess ? ` (did you mean '${full(guess)}'?)` : allowed}`,
      };
    }
    case "invalid_value":
      return { path, message: `${missing ? "required" : `got ${shownValue(got)}`}; allowed: ${issue.values.map((v) => String(v)).join(", ")}` };
    case "invalid_type": {
      if (missing) return { path, message: `required: ${opts.required?.(path, last) ?? TYPE_WORDS[issue.expected] ?? issue.expected}` };
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      return { path, message: `must be ${expected}, got ${shownValue(got)}` };
    }
    case "too_small":
    case "too_big": {
      // An exclusive bound (`.positive()`, `.gt(0)`) is "more than", not "at least".
      const exclusive = issue.inclusive === false;
      const bound = issue.code === "too_small" ? (exclusive ? "more than" : "at least") : exclusive ? "less than" : "at most";
      const limit = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const one = limit === "1";
      const unit = issue.origin === "string" ? (one ? " character" : " characters") : issue.origin === "array" || issue.origin === "set" ? (one ? " item" : " items") : "";
      return { path, message: `must be ${bound} ${limit}${unit}, got ${shownValue(got)}` };
    }
    case "invalid_union":
      return { path, message: missing ? "required" : `${shownValue(got)} is not one of the allowed forms` };
    default:
      return { path, message: missing ? issue.message : `${issue.message}, got ${shownValue(got)}` };
  }
}

/** One line: "memory.hotCap must be a number, got 'lots'" (or "(top level) …"). */
export function issueLine(issue: z.core.$ZodIssue, root: unknown, opts: IssueOptions = {}): string {
  const w = describeIssue(issue, root, opts);
  if (issue.code === "unrecognized_keys") return w.message;
  return `${w.path || "(top level)"}${w.message.startsWith("required") || w.message.startsWith("got") ? ": " : " "}${w.message}`;
}
