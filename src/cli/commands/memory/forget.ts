import type { Command } from "commander";
import { examples, print, printJson, style, table, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("forget")
    .argument("[ids...]", "ids of the memories to delete for good")
    .description("delete memories for good: from the table, the full-text index and the embeddings")
    .option("--match <query>", "forget every memory that contains all these words (lists them and asks first)")
    .option("--yes", "do not ask (needed with --match when standard input is not a terminal)");
  withJson(cmd);
  examples(cmd, ["pai memory forget 42 43", "pai memory forget --match 'old address'", "pai memory forget --match 'old address' --yes --json"]);
  cmd.action(async (idTexts: string[], opts: { match?: string; yes?: boolean; json?: boolean }) => {
    const { withUserStore, parseId, itemRows } = await import("../../../memory/cli.ts");
    const { UsageError, UserError } = await import("../../../errors.ts");
    if (!idTexts.length && opts.match === undefined) throw new UsageError("nothing to forget", { hint: "give ids, or --match QUERY" });
    if (idTexts.length && opts.match !== undefined) throw new UsageError("give ids or --match, not both");
    const ids = idTexts.map(parseId);
    await withUserStore(async ({ store, db }) => {
      let target = ids;
      if (opts.match !== undefined) {
        const hits = store.search(opts.match, { all: true, includeSuperseded: true, limit: 1000 });
        if (!hits.length) {
          if (opts.json) return printJson({ forgotten: 0, ids: [] });
          return print(style.dim("no memory matches; nothing was deleted"));
        }
        process.stderr.write(`${table(itemRows(hits))}\n`);
        if (!opts.yes) {
          if (!process.stdin.isTTY) {
            throw new UserError(`refusing to forget ${hits.length} memor${hits.length === 1 ? "y" : "ies"} without confirmation`, {
              hint: "check the list above, then run again with --yes",
            });
          }
          const { askYesNo } = await import("../../prompt.ts");
          const ok = await askYesNo(hits.length === 1 ? "Forget this memory for good?" : `Forget these ${hits.length} memories for good?`);
          if (!ok) {
            if (opts.json) return printJson({ forgotten: 0, ids: [] });
            return print("Nothing was deleted.");
          }
        }
        target = hits.map((h) => h.id);
      }
      // Copies of the text elsewhere: the run records and job firings that hold it are blanked; the audit
      // trail (append-only, hash-chained) keeps only fingerprints of outputs, and what older entries still
      // quote is counted and said.
      const texts = target.map((id) => store.get(id)?.content).filter((t): t is string => !!t);
      const needles = [...new Set(texts.map((t) => t.trim().slice(0, 200)).filter((t) => t.length >= 12))];
      const n = store.forget(target);
      const { scrubRuns } = await import("../../../packs/store.ts");
      const { scrubFirings } = await import("../../../jobs/store.ts");
      const { auditMentions } = await import("../../../audit/index.ts");
      db.exec("PRAGMA secure_delete = ON"); // the blanked text is overwritten in the file, not left in free pages
      const runs = n ? scrubRuns(db, needles, target) : 0;
      const firings = n ? scrubFirings(db, needles) : 0;
      const audit = n ? auditMentions(db, needles) : 0;
      if (runs || firings) {
        try {
          db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
        } catch {}
      }
      if (opts.json) return printJson({ forgotten: n, ids: target, copies_removed: { pack_runs: runs, job_firings: firings }, audit_entries_remaining: audit });
      print(`Forgot ${n} memor${n === 1 ? "y" : "ies"}.`);
      if (runs || firings) print(`Also blanked the text in ${runs} pack run record(s) and ${firings} job firing(s).`);
      if (audit) print(style.yellow(`${audit} audit entr${audit === 1 ? "y" : "ies"} still quote it: the audit trail is append-only and hash-chained, so it is kept ('pai audit' shows them).`));
      const missing = target.length - n;
      if (missing > 0) print(style.dim(`${missing} id(s) did not exist`));
    });
  });
}
