/**
 * Checking the small JSON files of this concern (user/limits.json, prices.json) by hand: zod takes some 30 ms
 * to load, and these are read on the way to every model call. Problems are worded as kernel/issues.ts words a
 * zod issue: "purpose.answer.daily.cost must be a number, got 'lots'", "unknown key 'purpose.answr' (did you
 * mean 'purpose.answer'?)".
 */
import { shownValue } from "../kernel/issues.ts";
import { closest } from "../kernel/text.ts";

/** A problem in a document: its message is the line to show after the file's name. */
export class ShapeError extends Error {
  override readonly name = "ShapeError";
}

const where = (path: string) => path || "(top level)";
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The value as an object (not an array, not null). */
export function object(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new ShapeError(`${where(path)} must be an object, got ${shownValue(v)}`);
  return v as Record<string, unknown>;
}

/** Refuses a key that is not one of `allowed`, suggesting the closest. */
export function onlyKeys(o: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const guess = closest(k, [...allowed]);
    throw new ShapeError(`unknown key '${join(path, k)}'${guess ? ` (did you mean '${join(path, guess)}'?)` : ` (allowed: ${allowed.join(", ")})`}`);
  }
}

/** A number of 0 or more (a whole one when `integer`). */
export function amount(v: unknown, path: string, integer = false): number {
  const kind = integer ? "a whole number" : "a number";
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new ShapeError(`${where(path)} must be ${kind}, got ${shownValue(v)}`);
  if (v < 0) throw new ShapeError(`${where(path)} must be at least 0, got ${shownValue(v)}`);
  return v;
}

/** Text, when present. */
export function optionalText(v: unknown, path: string): void {
  if (v !== undefined && typeof v !== "string") throw new ShapeError(`${where(path)} must be text, got ${shownValue(v)}`);
}

