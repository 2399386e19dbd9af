/**
 * The log of model calls (table model_calls): one row per attempt, with its estimated cost and the job and pack
 * that made it. Never holds a key or a prompt: the texts of recent calls are kept apart (calltexts.ts).
 */
import type { Database } from "../kernel/storage/index.ts";

/** "refused": a cap of user/limits.json was reached, and nothing was sent. */
export type CallOutcome = "ok" | "error" | "retried" | "aborted" | "timeout" | "malformed" | "refused";

export interface CallRecord {
  id: number;
  at: string;
  backend: string;
  model: string;
  purpose: string;
  kind: "chat" | "embed";
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  outcome: CallOutcome;
  attempt: number;
  error: string | null;
  exchangeId: string | null;
  /** Estimated US dollars (system/prices.json); null when no price was known. */
  cost: number | null;
  job: string | null;
  pack: string | null;
}

/** Records one attempt; returns its id. */
export function recordCall(db: Database, r: Omit<CallRecord, "id">): number {
  return db
    .prepare(
      `INSERT INTO model_calls (at, backend, model, purpose, kind, input_tokens, output_tokens, latency_ms, outcome, attempt, error, exchange_id, cost, job, pack)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(r.at, r.backend, r.model, r.purpose, r.kind, r.inputTokens, r.outputTokens, r.latencyMs, r.outcome, r.attempt, r.error, r.exchangeId, r.cost, r.job, r.pack)
    .lastInsertRowid;
}

const COLUMNS = "id, at, backend, model, purpose, kind, input_tokens, output_tokens, latency_ms, outcome, attempt, error, exchange_id, cost, job, pack";

function toRecord(r: any): CallRecord {
  return {
    id: r.id,
    at: r.at,
    backend: r.backend,
    model: r.model,
    purpose: r.purpose,
    kind: r.kind,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    latencyMs: r.latency_ms,
    outcome: r.outcome,
    attempt: r.attempt,
    error: r.error ?? null,
    exchangeId: r.exchange_id ?? null,
    cost: r.cost ?? null,
    job: r.job ?? null,
    pack: r.pack ?? null,
  };
}

/** One call by its id (undefined when there is none). */
export function getCall(db: Database, id: number): CallRecord | undefined {
  const r = db.prepare<any>(`SELECT ${COLUMNS} FROM model_calls WHERE id = ?`).get(id);
  return r ? toRecord(r) : undefined;
}

/** The most recent calls, newest first; exchangeId may be the whole id or its beginning (`pai log` shows 8 characters). */
export function listCalls(db: Database, opts: { limit?: number; exchangeId?: string } = {}): CallRecord[] {
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 100_000));
  const where = opts.exchangeId ? "WHERE substr(exchange_id, 1, length(?)) = ?" : "";
  const params = opts.exchangeId ? [opts.exchangeId, opts.exchangeId, limit] : [limit];
  return db
    .prepare<any>(`SELECT ${COLUMNS} FROM model_calls ${where} ORDER BY id DESC LIMIT ?`)
    .all(...params)
    .map(toRecord);
}

/** Marks the latest call of an exchange and purpose with another outcome (e.g. "malformed" output). */
export function markCall(db: Database, exchangeId: string, purpose: string, outcome: string, error?: string): void {
  db.prepare(
    `UPDATE model_calls SET outcome = ?, error = ? WHERE id = (SELECT id FROM model_calls WHERE exchange_id = ? AND purpose = ? ORDER BY id DESC LIMIT 1)`,
  ).run(outcome, error ?? null, exchangeId, purpose);
}

/** How many logged call errors quote one of these texts (a forget reports them; the call log keeps its rows). */
export function callsQuoting(db: Database, needles: string[]): number {
  const q = db.prepare<{ n: number }>("SELECT count(*) AS n FROM model_calls WHERE instr(coalesce(error, ''), ?) > 0");
  let n = 0;
  for (const needle of needles) n += q.get(needle)?.n ?? 0;
  return n;
}

/** The error of the latest call of a job refused by a cap since `since` (undefined when none was). */
export function refusedSince(db: Database, job: string, since: Date): string | undefined {
  return (
    db
      .prepare<{ error: string | null }>("SELECT error FROM model_calls WHERE job = ? AND outcome = 'refused' AND at >= ? ORDER BY id DESC LIMIT 1")
      .get(job, since.toISOString())?.error ?? undefined
  );
}
