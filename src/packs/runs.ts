/**
 * The record of every pack command run, in the table pack_runs: which command, at which tier, with which
 * (redacted) arguments, from where, and how it ended.
 */
import type { Database } from "../kernel/storage/index.ts";

export type RunOutcome = "ok" | "failed" | "refused" | "aborted";

/** Records the start of a run (arguments and input already redacted); returns its id. */
export function startRun(
  db: Database,
  run: { pack: string; command: string; tier: string; args: string; input: string; origin: string; parentId?: number },
): number {
  return Number(
    db
      .prepare("INSERT INTO pack_runs (pack, command, tier, args, input, origin, parent_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(run.pack, run.command, run.tier, run.args, run.input, run.origin, run.parentId ?? null, new Date().toISOString()).lastInsertRowid,
  );
}

/** Records how a run ended (its output and error already redacted). */
export function finishRun(db: Database, id: number, end: { outcome: RunOutcome; error: string | null; output: string; memoryId?: number }): void {
  db.prepare("UPDATE pack_runs SET finished_at = ?, outcome = ?, error = ?, output = ?, memory_id = ? WHERE id = ?").run(
    new Date().toISOString(),
    end.outcome,
    end.error,
    end.output.slice(0, 20_000),
    end.memoryId ?? null,
    id,
  );
}

export interface RecentRun {
  id: number;
  command: string;
  tier: string;
  origin: string;
  startedAt: string;
  outcome: string;
  error: string | null;
}

/** The last runs of a pack, newest first. */
export function recentRuns(db: Database, pack: string, limit = 5): RecentRun[] {
  return db
    .prepare<RecentRun>("SELECT id, command, tier, origin, started_at AS startedAt, outcome, error FROM pack_runs WHERE pack = ? ORDER BY id DESC LIMIT ?")
    .all(pack, limit);
}

/**
 * Blanks the run records that hold a forgotten memory's text: the runs that created those memories, and any
 * run whose input, arguments, output or error contains one of `needles`. Returns how many runs were blanked.
 */
export function scrubRuns(db: Database, needles: string[], memoryIds: number[]): number {
  const ids = new Set<number>();
  const byMemory = db.prepare<{ id: number }>("SELECT id FROM pack_runs WHERE memory_id = ?");
  for (const m of memoryIds) for (const r of byMemory.all(m)) ids.add(r.id);
  const byText = db.prepare<{ id: number }>(
    "SELECT id FROM pack_runs WHERE instr(input, ?1) > 0 OR instr(args, ?1) > 0 OR instr(coalesce(output, ''), ?1) > 0 OR instr(coalesce(error, ''), ?1) > 0",
  );
  for (const n of needles) for (const r of byText.all(n)) ids.add(r.id);
  const blank = db.prepare("UPDATE pack_runs SET input = '[forgotten]', args = '[]', output = '[forgotten]', error = CASE WHEN error IS NULL THEN NULL ELSE '[forgotten]' END, memory_id = NULL WHERE id = ?");
  for (const id of ids) blank.run(id);
  return ids.size;
}
