/**
 * Forgetting everywhere: a memory's text is copied as it is used (the runs that read or wrote it, the job firings
 * that carried it, approvals, the action memories written about it, earlier versions kept by an edit). `forget`
 * deletes the items with every version of them and the action memories that quote them, blanks the copies it can
 * find, and counts what it cannot remove: entries of the append-only audit trail written by an older version,
 * other memories that mention the text, and model call errors that quote it. It spans every concern that may
 * hold a copy, so it lives here, where they all meet; each concern blanks its own rows.
 */
import { auditMentions } from "../automation/audit/index.ts";
import { scrubApprovals, scrubFirings } from "../automation/jobs/store.ts";
import type { Database } from "../kernel/storage/index.ts";
import { forgetItems, MIN_NEEDLE } from "../memory/forget.ts";
import { openMemory, type MemoryStore } from "../memory/index.ts";
import { callsQuoting } from "../models/calllog.ts";
import { scrubCallTexts } from "../models/calltexts.ts";
import { scrubRuns } from "../packs/runs.ts";
import type { Home } from "./home.ts";

export interface ForgetReport {
  /** Every item deleted: the ones asked for, their versions and the action memories quoting them. */
  forgotten: number[];
  /** Ids asked for that did not exist. */
  missing: number[];
  /** Earlier or later versions (edits) of the items asked for, deleted with them. */
  versions: number[];
  /** Action memories that quoted the text, deleted with it. */
  actions: number[];
  /** Copies blanked in place. */
  blanked: { packRuns: number; jobFirings: number; approvals: number };
  /** Copies that stay, and where. */
  remaining: { auditEntries: number; modelCalls: number; memories: number[]; unsearched: number };
}

export function forgetEverywhere(db: Database, store: MemoryStore, ids: number[]): ForgetReport {
  const m = forgetItems(store, ids);
  const { needles } = m;
  // The blanked text is overwritten in the file, not left in free pages, and the write-ahead log is emptied.
  db.exec("PRAGMA secure_delete = ON");
  let blanked = { packRuns: 0, jobFirings: 0, approvals: 0 };
  try {
    // The kept texts of model calls that quote it are deleted (the calls' rows, with no text, stay).
    scrubCallTexts(db, needles);
    blanked = db.transaction(() => ({
      packRuns: scrubRuns(db, needles, m.forgotten),
      jobFirings: scrubFirings(db, needles),
      approvals: scrubApprovals(db, needles),
    }));
    try {
      db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
    } catch {}
  } finally {
    db.exec("PRAGMA secure_delete = OFF");
  }

  let modelCalls = 0;
  try {
    modelCalls = callsQuoting(db, needles);
  } catch {}

  return {
    forgotten: m.forgotten,
    missing: m.missing,
    versions: m.versions,
    actions: m.actions,
    blanked,
    remaining: { auditEntries: auditMentions(db, needles), modelCalls, memories: m.mentions, unsearched: m.unsearched },
  };
}

/** What a forget did and what stays, in sentences (the CLI and chat print these). */
export function describeForget(r: ForgetReport): { done: string[]; remains: string[] } {
  const done: string[] = [];
  const remains: string[] = [];
  const n = r.forgotten.length;
  done.push(`Forgot ${n} memor${n === 1 ? "y" : "ies"}${n ? ` (${r.forgotten.map((id) => `mem:${id}`).join(", ")})` : ""}.`);
  if (r.versions.length) done.push(`That includes ${r.versions.length} other version(s) of an edited memory: ${r.versions.map((id) => `mem:${id}`).join(", ")}.`);
  if (r.actions.length) done.push(`That includes ${r.actions.length} action memor${r.actions.length === 1 ? "y" : "ies"} quoting it: ${r.actions.map((id) => `mem:${id}`).join(", ")}.`);
  const b = r.blanked;
  const parts = [
    b.packRuns ? `${b.packRuns} pack run record(s)` : "",
    b.jobFirings ? `${b.jobFirings} job firing(s)` : "",
    b.approvals ? `${b.approvals} approval(s)` : "",
  ].filter(Boolean);
  if (parts.length) done.push(`Blanked the text in ${parts.join(", ")}.`);
  const k = r.remaining;
  if (k.auditEntries) {
    remains.push(
      `${k.auditEntries} audit entr${k.auditEntries === 1 ? "y" : "ies"} still quote it: the audit trail is append-only and hash-chained, so they are kept (see 'pai audit').`,
    );
  }
  if (k.memories.length) remains.push(`${k.memories.length} other memor${k.memories.length === 1 ? "y mentions" : "ies mention"} it: ${k.memories.map((id) => `mem:${id}`).join(", ")} (forget them by id if you want them gone).`);
  if (k.modelCalls) remains.push(`${k.modelCalls} model call error(s) quote it: see 'pai log'.`);
  if (k.unsearched) remains.push(`${k.unsearched} forgotten text(s) were too short to look for elsewhere (under ${MIN_NEEDLE} characters).`);
  return { done, remains };
}

/**
 * Chat's `/forget ID`: forgets one memory everywhere and returns the lines saying what else went and what
 * stays (after the first sentence, which chat words itself), or undefined when there is no such item.
 */
export function forgetLines(home: Pick<Home, "paths" | "db" | "config">, id: number): string[] | undefined {
  const r = forgetEverywhere(home.db, openMemory(home.db, home.config), [id]);
  if (!r.forgotten.length) return undefined;
  const { done, remains } = describeForget(r);
  return [...done.slice(1), ...remains];
}
