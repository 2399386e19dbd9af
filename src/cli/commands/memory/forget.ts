import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { UsageError, UserError } from "../../../kernel/errors.ts";
import { openMemory } from "../../../memory/index.ts";
import { examples, note, print, printJson, style, withJson } from "../../output.ts";
import { itemTable, parseId } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("forget")
    .argument("[ids...]", "ids of the memories to delete for good")
    .description("delete memories for good, with their earlier versions, and blank the copies pai made of them (says what remains)")
    .option("--match <query>", "forget every memory that contains all these words (lists them and asks first)")
    .option("--yes", "do not ask (needed with --match when standard input is not a terminal)");
  withJson(cmd);
  examples(cmd, ["pai memory forget 42 43", "pai memory forget --match 'old address'", "pai memory forget --match 'old address' --yes --json"]);
  cmd.action(async (idTexts: string[], opts: { match?: string; yes?: boolean; json?: boolean }) => {
    if (!idTexts.length && opts.match === undefined) throw new UsageError("nothing to forget", { hint: "give ids, or --match QUERY" });
    if (idTexts.length && opts.match !== undefined) throw new UsageError("give ids or --match, not both");
    const ids = idTexts.map(parseId);
    await withHome(async ({ db, config }) => {
      const store = openMemory(db, config);
      // An id that does not exist is a mistake said in one line, before anything is deleted (as pin and show do).
      const missing = ids.filter((id) => !store.get(id));
      if (missing.length) {
        throw new UserError(`no memory item ${missing.join(", ")}`, { hint: "'pai memory list' or 'pai memory search' shows the ids; nothing was deleted" });
      }
      let target = ids;
      if (opts.match !== undefined) {
        const hits = store.search(opts.match, { all: true, includeSuperseded: true, limit: 1000 });
        if (!hits.length) {
          if (opts.json) return printJson({ forgotten: 0, ids: [] });
          return print(style.dim("no memory matches; nothing was deleted"));
        }
        note(itemTable(hits));
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
      // The text goes from wherever pai copied it; what cannot go is said. (Loaded here: it reaches every
      // concern that may hold a copy, which no other memory command needs.)
      const { describeForget, forgetEverywhere } = await import("../../../app/forget.ts");
      const r = forgetEverywhere(db, store, target);
      if (opts.json) {
        return printJson({
          forgotten: r.forgotten.length,
          ids: r.forgotten,
          missing: r.missing,
          versions: r.versions,
          actions: r.actions,
          blanked: { pack_runs: r.blanked.packRuns, job_firings: r.blanked.jobFirings, approvals: r.blanked.approvals },
          remaining: { audit_entries: r.remaining.auditEntries, model_calls: r.remaining.modelCalls, memories: r.remaining.memories, unsearched: r.remaining.unsearched },
        });
      }
      const { done, remains } = describeForget(r);
      for (const line of done) print(line);
      for (const line of remains) print(style.yellow(line));
      if (r.missing.length) print(style.dim(`${r.missing.length} id(s) did not exist: ${r.missing.join(", ")}`));
    });
  });
}
