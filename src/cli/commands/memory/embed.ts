/**
 * `pai memory embed`: embeds every current item that lacks a vector of the embed model, in batches, with a
 * progress bar on a terminal. Ctrl-C stops after the batch in flight is dropped; what was stored stays, and
 * the next run goes on from there (the backlog is "the items without a vector"). Commands that write memory
 * start it in the background (`--background`: silent, one at a time, nothing while the model is in its
 * back-off).
 */
import { Option, type Command } from "commander";
import { UsageError, UserError } from "../../../kernel/errors.ts";
import { examples, note, print, printJson, withJson } from "../../output.ts";

function parseBatch(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`invalid --batch '${text}'`, { hint: "give a whole number of texts per request from 1 to 1000, e.g. --batch 32" });
  return n;
}

/** A one-line bar on stderr, redrawn in place (a terminal only). */
function bar(done: number, total: number, model: string): string {
  const width = 24;
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(share * width);
  return `\rembedding with ${model} [${"#".repeat(full)}${".".repeat(width - full)}] ${done}/${total}`;
}

export function register(group: Command): void {
  const cmd = group
    .command("embed")
    .description("embed the items that lack a vector of the embed model (ollama.embedModel), so search also finds them by meaning")
    .option("--batch <n>", "texts per request to the model", "32")
    .option("--quiet", "no progress bar")
    .addOption(new Option("--background", "run detached, print nothing (started after a command writes memory)").hideHelp());
  withJson(cmd);
  examples(cmd, ["pai memory embed", "pai memory embed --batch 8", "pai memory embed --json"]);
  cmd.action(async (opts: { batch: string; quiet?: boolean; background?: boolean; json?: boolean }) => {
    const batch = parseBatch(opts.batch);
    const { withHome } = await import("../../../app/home.ts");
    const { embedBacklog, embeddingsEnabled, embedPass, takeEmbedLock } = await import("../../../context/embed.ts");
    await withHome(async (home) => {
      const run = home.paths.run;
      if (opts.background) {
        await embedPass({ db: home.db, config: home.config, run });
        return;
      }
      if (!embeddingsEnabled(home.config)) {
        throw new UserError("embeddings are off (memory.embeddings is 'off')", { hint: "turn them on with 'pai config set memory.embeddings auto'" });
      }
      const tty = !opts.quiet && !opts.json && !!process.stderr.isTTY;
      let drawn = false;
      // An embedder already at work is not waited for: items both embed are stored twice, with the same vector.
      const release = takeEmbedLock(run);
      const { withInterrupt } = await import("../../../kernel/interrupt.ts");
      try {
        const r = await withInterrupt(
          (signal) =>
            embedBacklog({
              db: home.db,
              config: home.config,
              run,
              batch,
              signal,
              onProgress: (p) => {
                if (!tty || !p.total) return;
                process.stderr.write(bar(p.embedded, p.total, p.model));
                drawn = true;
              },
            }),
          { onInterrupt: () => drawn && process.stderr.write("\n") },
        ).finally(() => {
          if (drawn) process.stderr.write("\r\x1b[K");
        });
        if (opts.json) {
          return printJson({
            embedded: r.embedded,
            left: r.left,
            model: r.model,
            backend: r.backend,
            audience: r.audience,
            kept_private: r.keptPrivate,
            interrupted: r.interrupted,
          });
        }
        print(`embedded ${r.embedded} item${r.embedded === 1 ? "" : "s"} with ${r.model} (${r.left} left)`);
        if (r.keptPrivate) note(`pai: ${r.keptPrivate} private item(s) are never sent to the cloud embed backend (${r.backend}); search finds them by their words`);
        if (r.interrupted) note("pai: interrupted — what was embedded is kept; run 'pai memory embed' again to go on");
      } finally {
        release?.();
      }
    });
  });
}
