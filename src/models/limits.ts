/**
 * Caps on model use, from user/limits.json (beside the database whose call log they count): daily and monthly
 * caps on tokens and on estimated cost, overall, per purpose, per job and per pack. They count and hold back
 * the calls to a paid backend (Anthropic): before each such call every cap that applies is checked against
 * what its scope has used today or this month, and a cap that is reached refuses the call before anything is
 * sent. Calls to Ollama cost nothing and are held back only by the `local` token caps. A call is checked
 * against what was used before it: the call that crosses a cap finishes, the next one is refused.
 *
 *   {"overall": {"daily": {"cost": 5}, "monthly": {"cost": 50}},
 *    "purpose": {"answer": {"daily": {"cost": 1, "tokens": 200000}}},
 *    "job": {"brief": {"daily": {"cost": 0.2}}},
 *    "pack": {"research": {"monthly": {"cost": 10}}},
 *    "local": {"daily": {"tokens": 2000000}}}
 *
 * A broken file refuses every call (the caps are a safety), with the line that says what to fix.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PaiError, UserError } from "../kernel/errors.ts";
import type { Database } from "../kernel/storage/index.ts";
import { amount, object, onlyKeys, ShapeError } from "./shape.ts";
import type { Purpose } from "./types.ts";
import { dayStart, monthStart, spentSince, usd, type Scope, type Side, type Spent } from "./usage.ts";

export const PURPOSES: readonly Purpose[] = ["answer", "extract", "embed", "consolidate", "skill", "prompt", "route", "job"];

/** A cap's amounts: US dollars, and input plus output tokens. */
export interface Amounts {
  cost?: number;
  tokens?: number;
}
export interface Windows {
  daily?: Amounts;
  monthly?: Amounts;
}
export interface Limits {
  overall?: Windows;
  purpose?: Partial<Record<Purpose, Windows>>;
  job?: Record<string, Windows>;
  pack?: Record<string, Windows>;
  /** Calls to Ollama: tokens only. */
  local?: { daily?: { tokens?: number }; monthly?: { tokens?: number } };
}

function parseWindows(v: unknown, path: string, measures: readonly ("cost" | "tokens")[]): Windows {
  const o = object(v, path);
  onlyKeys(o, path, ["daily", "monthly"]);
  const out: Windows = {};
  for (const w of ["daily", "monthly"] as const) {
    if (o[w] === undefined) continue;
    const a = object(o[w], `${path}.${w}`);
    onlyKeys(a, `${path}.${w}`, measures);
    out[w] = {};
    if (a.cost !== undefined) out[w].cost = amount(a.cost, `${path}.${w}.cost`);
    if (a.tokens !== undefined) out[w].tokens = amount(a.tokens, `${path}.${w}.tokens`, true);
  }
  return out;
}

/** The caps of a limits document, checked; throws ShapeError. */
export function parseLimits(raw: unknown): Limits {
  const doc = object(raw, "");
  onlyKeys(doc, "", ["overall", "purpose", "job", "pack", "local"]);
  const out: Limits = {};
  if (doc.overall !== undefined) out.overall = parseWindows(doc.overall, "overall", ["cost", "tokens"]);
  if (doc.local !== undefined) out.local = parseWindows(doc.local, "local", ["tokens"]);
  if (doc.purpose !== undefined) {
    const o = object(doc.purpose, "purpose");
    onlyKeys(o, "purpose", PURPOSES);
    out.purpose = {};
    for (const [k, v] of Object.entries(o)) out.purpose[k as Purpose] = parseWindows(v, `purpose.${k}`, ["cost", "tokens"]);
  }
  for (const scope of ["job", "pack"] as const) {
    if (doc[scope] === undefined) continue;
    const o = object(doc[scope], scope);
    const named: Record<string, Windows> = {};
    for (const [k, v] of Object.entries(o)) named[k] = parseWindows(v, `${scope}.${k}`, ["cost", "tokens"]);
    out[scope] = named;
  }
  return out;
}

/** The folder holding the database (user/), where limits.json lives; undefined for a database with no file. */
export function userDirOf(db: Database): string | undefined {
  const p = (db as { path?: string }).path;
  return p && p !== ":memory:" && basename(p) !== "" ? dirname(p) : undefined;
}

export function limitsFile(userDir: string): string {
  return join(userDir, "limits.json");
}

const FIX = 'fix it, e.g. {"overall": {"daily": {"cost": 5}}} ("pai log --help" shows the form), or move it aside';

/** The caps of user/limits.json; none when the file is absent. */
export function loadLimits(userDir: string | undefined): Limits {
  if (!userDir) return {};
  const file = limitsFile(userDir);
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file} is not valid JSON (${(err as Error).message.split("\n", 1)[0]}); no model call is made until it is fixed`, { hint: FIX });
  }
  try {
    return parseLimits(raw);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw new UserError(`${file}: ${err.message}; no model call is made until it is fixed`, { hint: FIX });
  }
}

/** A call about to be made, as the caps see it. */
export interface CallScope {
  backend: string;
  purpose: string;
  job?: string;
  pack?: string;
}

export interface Cap {
  window: "daily" | "monthly";
  measure: "cost" | "tokens";
  /** "overall", "purpose 'answer'", "job 'brief'", "pack 'research'", "local calls". */
  scope: string;
  /** Where it is set in limits.json: "purpose.answer.daily.cost". */
  key: string;
  limit: number;
  spent: number;
}

/** Reached: a call refused by a cap; nothing was sent. */
export class CapReached extends PaiError {
  override readonly name = "CapReached";
  constructor(
    readonly cap: Cap,
    file: string,
  ) {
    const spent = cap.measure === "cost" ? usd(cap.spent) : tokens(cap.spent);
    const limit = cap.measure === "cost" ? usd(cap.limit) : tokens(cap.limit);
    const when = cap.window === "daily" ? "today" : "this month";
    const overall = cap.scope === "overall" ? "overall " : "";
    const whose = cap.scope === "overall" ? "" : ` for ${cap.scope}`;
    const wait = cap.window === "daily" ? "tomorrow" : "next month";
    super(`the ${overall}${cap.window} ${cap.measure === "cost" ? "cost" : "token"} cap${whose} (${limit}) is reached (${spent} ${cap.measure === "cost" ? "spent" : "used"} ${when}); nothing was sent`, {
      hint: `raise it in ${file} (${cap.key}), or wait until ${wait}${cap.scope === "local calls" ? "" : "; local models (--backend ollama) are not held by it"}`,
      data: { cap: { ...cap } },
    });
  }
}

const tokens = (n: number) => `${n.toLocaleString("en-US")} token${n === 1 ? "" : "s"}`;

/** Every cap that applies to a call, most specific first (job, pack, purpose, overall), each with its scope. */
export function capsFor(limits: Limits, call: CallScope): { side: Side; scope: Scope; label: string; key: string; windows: Windows }[] {
  if (call.backend === "ollama") {
    return limits.local ? [{ side: "local", scope: { side: "local" }, label: "local calls", key: "local", windows: limits.local }] : [];
  }
  const out: { side: Side; scope: Scope; label: string; key: string; windows: Windows }[] = [];
  const side: Side = "cloud";
  if (call.job && limits.job?.[call.job]) out.push({ side, scope: { side, job: call.job }, label: `job '${call.job}'`, key: `job.${call.job}`, windows: limits.job[call.job]! });
  if (call.pack && limits.pack?.[call.pack]) out.push({ side, scope: { side, pack: call.pack }, label: `pack '${call.pack}'`, key: `pack.${call.pack}`, windows: limits.pack[call.pack]! });
  const p = limits.purpose?.[call.purpose as Purpose];
  if (p) out.push({ side, scope: { side, purpose: call.purpose }, label: `purpose '${call.purpose}'`, key: `purpose.${call.purpose}`, windows: p });
  if (limits.overall) out.push({ side, scope: { side }, label: "overall", key: "overall", windows: limits.overall });
  return out;
}

/** Each cap that applies to a call with what its scope has used: the first reached one refuses the call. */
export function capStates(db: Database, limits: Limits, call: CallScope, now: Date): Cap[] {
  const out: Cap[] = [];
  for (const c of capsFor(limits, call)) {
    for (const window of ["daily", "monthly"] as const) {
      const w = c.windows[window];
      if (!w || (w.cost === undefined && w.tokens === undefined)) continue;
      const spent: Spent = spentSince(db, c.scope, window === "daily" ? dayStart(now) : monthStart(now));
      for (const measure of ["cost", "tokens"] as const) {
        const limit = w[measure];
        if (limit === undefined) continue;
        out.push({ window, measure, scope: c.label, key: `${c.key}.${window}.${measure}`, limit, spent: measure === "cost" ? spent.cost : spent.tokens });
      }
    }
  }
  return out;
}

/**
 * Throws CapReached when a cap that applies to the call is reached (what its scope used is at or over it);
 * reads user/limits.json beside the database each time, so an edit applies to the next call.
 */
export function checkCaps(db: Database, call: CallScope, now: Date = new Date()): void {
  const userDir = userDirOf(db);
  const limits = loadLimits(userDir);
  for (const cap of capStates(db, limits, call, now)) {
    if (cap.spent >= cap.limit) throw new CapReached(cap, limitsFile(userDir!));
  }
}

/** Every cap user/limits.json sets, with what its scope has used today or this month (for `pai log --cost`). */
export function capsReport(db: Database, now: Date = new Date()): { file?: string; caps: Cap[] } {
  const userDir = userDirOf(db);
  const limits = loadLimits(userDir);
  const calls: CallScope[] = [];
  if (limits.overall) calls.push({ backend: "anthropic", purpose: "" });
  for (const purpose of Object.keys(limits.purpose ?? {})) calls.push({ backend: "anthropic", purpose });
  for (const job of Object.keys(limits.job ?? {})) calls.push({ backend: "anthropic", purpose: "", job });
  for (const pack of Object.keys(limits.pack ?? {})) calls.push({ backend: "anthropic", purpose: "", pack });
  if (limits.local) calls.push({ backend: "ollama", purpose: "" });
  const seen = new Set<string>();
  const caps: Cap[] = [];
  for (const call of calls) {
    for (const cap of capStates(db, limits, call, now)) {
      if (seen.has(cap.key)) continue;
      seen.add(cap.key);
      caps.push(cap);
    }
  }
  return { file: userDir ? limitsFile(userDir) : undefined, caps };
}
