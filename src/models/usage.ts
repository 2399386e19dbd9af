/**
 * Sums over the call log: what a scope (everything, a purpose, a job, a pack) has used since a time, for the
 * caps, and tokens and estimated cost grouped by day, purpose, job or pack, for `pai log --cost`. Days and
 * months are the machine's local ones, the same as the date line of each request.
 */
import type { Database } from "../kernel/storage/index.ts";

export interface Spent {
  tokens: number;
  cost: number;
  calls: number;
}

/** US dollars: two decimals, or two significant digits under a cent ($0.0042). */
export function usd(v: number): string {
  if (v > 0 && v < 0.01) return `$${v.toPrecision(2).replace(/0+$/, "")}`;
  return `$${v.toFixed(2)}`;
}

/** Which calls a cap counts: the calls to a paid backend (every one but Ollama), or to Ollama. */
export type Side = "cloud" | "local";

export interface Scope {
  side: Side;
  purpose?: string;
  job?: string;
  pack?: string;
}

/** Local midnight of `now`'s day. */
export function dayStart(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

/** Local midnight of the first day of `now`'s month. */
export function monthStart(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), 1);
}

/**
 * What the calls of a scope used since the local midnight `since` (every attempt counts: a failed one may have
 * been billed), from the daily sums kept beside the call log (table model_usage_days).
 */
export function spentSince(db: Database, scope: Scope, since: Date): Spent {
  const where = ["day >= ?", scope.side === "local" ? "backend = 'ollama'" : "backend <> 'ollama'"];
  const params: string[] = [localDay(since.toISOString())];
  for (const k of ["purpose", "job", "pack"] as const) {
    if (scope[k] !== undefined) {
      where.push(`${k} = ?`);
      params.push(scope[k]!);
    }
  }
  const r = db
    .prepare<{ tokens: number | null; cost: number | null; calls: number | null }>(
      `SELECT sum(input_tokens + output_tokens) AS tokens, sum(cost) AS cost, sum(calls) AS calls FROM model_usage_days WHERE ${where.join(" AND ")}`,
    )
    .get(...params);
  return { tokens: r?.tokens ?? 0, cost: r?.cost ?? 0, calls: r?.calls ?? 0 };
}

export type CostGroup = "day" | "purpose" | "job" | "pack";
export const COST_GROUPS: readonly CostGroup[] = ["day", "purpose", "job", "pack"];

export interface CostRow {
  /** The day (YYYY-MM-DD, local), purpose, job or pack; null for calls of no job or pack. */
  key: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Estimated US dollars; calls with no known price count 0. */
  cost: number;
  /** Calls whose cost is unknown (no price for their model, or logged before costs were recorded). */
  unpriced: number;
}

/** The local date of an ISO time, as YYYY-MM-DD. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

const isMidnight = (d: Date) => d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0;

/**
 * Tokens and estimated cost since `since`, grouped; days newest first, the others dearest first. From a local
 * midnight, read from the daily sums; from any other time, from the calls themselves.
 */
export function costReport(db: Database, by: CostGroup, since: Date): CostRow[] {
  const rows = new Map<string | null, CostRow>();
  const add = (key: string | null, r: { calls: number; input_tokens: number; output_tokens: number; cost: number; unpriced: number }) => {
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { key, calls: 0, inputTokens: 0, outputTokens: 0, cost: 0, unpriced: 0 }));
    row.calls += r.calls;
    row.inputTokens += r.input_tokens;
    row.outputTokens += r.output_tokens;
    row.cost += r.cost;
    row.unpriced += r.unpriced;
  };
  if (isMidnight(since)) {
    const q = db.prepare<{ key: string; calls: number; input_tokens: number; output_tokens: number; cost: number; unpriced: number }>(
      `SELECT ${by} AS key, sum(calls) AS calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost) AS cost, sum(unpriced) AS unpriced
       FROM model_usage_days WHERE day >= ? GROUP BY ${by}`,
    );
    for (const r of q.all(localDay(since.toISOString()))) add(r.key === "" ? null : r.key, r);
  } else {
    const q = db.prepare<{ at: string; purpose: string; job: string | null; pack: string | null; input_tokens: number; output_tokens: number; cost: number | null }>(
      "SELECT at, purpose, job, pack, input_tokens, output_tokens, cost FROM model_calls WHERE at >= ? ORDER BY id",
    );
    for (const r of q.iterate(since.toISOString())) {
      const key = by === "day" ? localDay(r.at) : by === "purpose" ? r.purpose : by === "job" ? r.job : r.pack;
      add(key, { calls: 1, input_tokens: r.input_tokens, output_tokens: r.output_tokens, cost: r.cost ?? 0, unpriced: r.cost === null ? 1 : 0 });
    }
  }
  const list = [...rows.values()];
  if (by === "day") return list.sort((a, b) => (b.key ?? "").localeCompare(a.key ?? ""));
  return list.sort((a, b) => b.cost - a.cost || b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens) || String(a.key).localeCompare(String(b.key)));
}
