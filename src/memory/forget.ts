/**
 * Forgetting everywhere: a memory's text is copied as it is used (the runs that read or wrote it, the job firings
 * that carried it, approvals, the action memories written about it, earlier versions kept by an edit). `forget`
 * deletes the items with every version of them and the action memories that quote them, blanks the copies it can
 * find, and counts what it cannot remove: entries of the append-only audit trail written by an older version,
 * other memories that mention the text, and model call errors that quote it.
 */
import { auditMentions } from "../automation/audit.ts";
import { scrubApprovals, scrubFirings } from "../automation/jobs/store.ts";
import { scrubRuns } from "../packs/store.ts";
import type { Database } from "../kernel/storage/index.ts";
import type { MemoryStore } from "./store.ts";

/** How much of a memory is looked for in its copies: copies are often clipped, never shorter than this prefix. */
const NEEDLE_CHARS = 200;
/** Shorter texts are too common to look for ("yes", "ok"): the item goes, its copies are not searched. */
const MIN_NEEDLE = 12;

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

/** The needles for one text: its first characters as written, and as they appear inside stored JSON. */
function needlesOf(texts: string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    const n = t.trim().slice(0, NEEDLE_CHARS);
    if (n.length < MIN_NEEDLE) continue;
    out.add(n);
    out.add(JSON.stringify(n).slice(1, -1));
  }
  return [...out];
}

/** Every version of an item: what it replaced, and what replaced it, to the ends of the chain. */
function versionsOf(store: MemoryStore, id: number): number[] {
  const out: number[] = [];
  const seen = new Set([id]);
  const item = store.get(id);
  if (!item) return out;
  for (const dir of ["supersedes", "supersededBy"] as const) {
    for (let cur = item[dir], guard = 0; cur !== null && guard < 10_000 && !seen.has(cur); guard++) {
      const o = store.get(cur);
      if (!o) break;
      seen.add(cur);
      out.push(cur);
      cur = o[dir];
    }
  }
  return out;
}

export function forgetEverywhere(db: Database, store: MemoryStore, ids: number[]): ForgetReport {
  const asked = [...new Set(ids)];
  const missing = asked.filter((id) => !store.get(id));
  const present = asked.filter((id) => !missing.includes(id));
  const target = new Set(present);
  const versions: number[] = [];
  for (const id of present) {
    for (const v of versionsOf(store, id)) {
      if (target.has(v)) continue;
      target.add(v);
      versions.push(v);
    }
  }
  const texts = [...target].map((id) => store.get(id)!.content);
  const needles = needlesOf(texts);
  const unsearched = texts.filter((t) => t.trim().length < MIN_NEEDLE).length;

  // Action memories that quote the text are copies made by pai: they go too. Other memories are the user's own.
  const actions: number[] = [];
  const others = new Set<number>();
  const quoting = db.prepare<{ id: number; kind: string }>("SELECT id, kind FROM memory_items WHERE instr(content, ?) > 0");
  for (const n of needles) {
    for (const r of quoting.all(n)) {
      if (target.has(r.id)) continue;
      if (r.kind === "action") {
        target.add(r.id);
        actions.push(r.id);
      } else others.add(r.id);
    }
  }

  const all = [...target];
  store.forget(all);
  // The blanked text is overwritten in the file, not left in free pages, and the write-ahead log is emptied.
  db.exec("PRAGMA secure_delete = ON");
  let blanked = { packRuns: 0, jobFirings: 0, approvals: 0 };
  try {
    blanked = db.transaction(() => ({
      packRuns: scrubRuns(db, needles, all),
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
    const q = db.prepare<{ n: number }>("SELECT count(*) AS n FROM model_calls WHERE instr(coalesce(error, ''), ?) > 0");
    for (const n of needles) modelCalls += q.get(n)?.n ?? 0;
  } catch {}

  return {
    forgotten: all.sort((a, b) => a - b),
    missing,
    versions: versions.sort((a, b) => a - b),
    actions: actions.sort((a, b) => a - b),
    blanked,
    remaining: { auditEntries: auditMentions(db, needles), modelCalls, memories: [...others].sort((a, b) => a - b), unsearched },
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
