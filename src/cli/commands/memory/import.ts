import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { openMemory } from "../../../memory/index.ts";
import { checkJsonlFile, IMPORT_BATCH, importJsonlFile } from "../../../memory/io/jsonl.ts";
import { startEmbedder } from "../../background.ts";
import { examples, note, print, printJson, withJson } from "../../output.ts";
import { homeFor, isIncognito, parseLimit } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("import")
    .argument("<file>", "JSON Lines file, one item per line ('-' reads standard input)")
    .description("import memories: content required; created_at, kind, source, pinned, visibility, importance, meta optional")
    .option("--batch <n>", "items per committed batch", String(IMPORT_BATCH))
    .option("--shareable", "items without a visibility become shareable (default: private)")
    .option("--quiet", "no progress lines")
    .option("--incognito", "store nothing (only checks the file)");
  withJson(cmd);
  examples(cmd, [
    "pai memory import notes.jsonl",
    `echo '{"content":"Started at Acme","kind":"event","created_at":"2024-06-01"}' | pai memory import -`,
    "pai memory export > all.jsonl && pai memory import all.jsonl",
  ]);
  cmd.action(async (file: string, opts: { batch?: string; shareable?: boolean; quiet?: boolean; incognito?: boolean; json?: boolean }) => {
    const batchSize = parseLimit(opts.batch, IMPORT_BATCH);
    const onBadLine = (line: number, error: string) => note(`line ${line}: ${error} (skipped)`);
    await withHome(async (home) => {
      if (isIncognito(opts.incognito, home)) {
        // Check the file, store nothing.
        const { lines: n, valid: ok } = await checkJsonlFile(file, { onBadLine });
        if (opts.json) return printJson({ stored: false, incognito: true, valid: ok, lines: n });
        return note(`incognito: nothing was stored (${ok} valid item(s) in ${n} line(s))`);
      }
      const r = await importJsonlFile(openMemory(home.db, home.config), file, {
        batchSize,
        visibility: opts.shareable ? "shareable" : undefined,
        onBadLine,
        onBatch: (p) => {
          if (!opts.quiet) note(`committed ${p.committed} item(s) through line ${p.line}`);
        },
      });
      if (r.added) await startEmbedder(home);
      if (opts.json) {
        return printJson({ imported: r.added, merged: r.merged, redacted: r.redacted, committed: r.committed, lines: r.lines, bad: r.bad });
      }
      print(
        `Imported ${r.added} item(s)` +
          (r.merged ? `, merged ${r.merged} duplicate(s)` : "") +
          (r.redacted ? `, redacted secrets in ${r.redacted}` : "") +
          (r.bad.length ? `; skipped ${r.bad.length} bad line(s)` : "") +
          ".",
      );
    }, { ...homeFor(opts.incognito), cache: "large" });
  });
}
