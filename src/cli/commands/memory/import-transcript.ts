import { existsSync } from "node:fs";
import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { openMemory } from "../../../memory/index.ts";
import { importTranscriptFile, parseHookInput, type TranscriptFormat } from "../../../memory/io/transcript.ts";
import { startEmbedder } from "../../background.ts";
import { examples, note, print, printData, readStdin, withJson } from "../../output.ts";

const FORMATS: readonly TranscriptFormat[] = ["claude-code", "chat-json", "chat-markdown"];

/** `pai memory import-transcript FILE | --from-hook`: a Claude Code transcript or a chat export, as episodes. */
export function register(group: Command): void {
  const cmd = group
    .command("import-transcript [file]")
    .description("import a Claude Code JSONL transcript or a chat export (JSON or Markdown) as episode memories")
    .option("--from-hook", "read a Claude Code hook's JSON on stdin and import its transcript_path")
    .option("--format <format>", "claude-code | chat-json | chat-markdown (default: guessed from the file)")
    .option("--dry-run", "parse and count; store nothing");
  withJson(cmd);
  examples(cmd, [
    "pai memory import-transcript ~/.claude/projects/-home-ada-app/5f1c….jsonl",
    "pai memory import-transcript chat.json --json",
    "pai memory import-transcript notes/conversation.md --dry-run",
    `echo '{"transcript_path":"/path/session.jsonl"}' | pai memory import-transcript --from-hook`,
  ]);
  cmd.action(async (file: string | undefined, opts: { fromHook?: boolean; format?: string; dryRun?: boolean; json?: boolean }) => {
    await withHome(async (home) => {
      if (opts.format !== undefined && !(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`unknown format '${opts.format}'`, { hint: `use one of: ${FORMATS.join(", ")}` });
      }
      let sessionId: string | undefined;
      if (opts.fromHook) {
        if (file) throw new UsageError("give either a FILE or --from-hook, not both", { hint: "pai memory import-transcript --help" });
        const hook = parseHookInput(await readStdin());
        file = hook.transcriptPath;
        sessionId = hook.sessionId;
        // A session that never got a message has no transcript: nothing to remember, and no error to show.
        if (!existsSync(file)) {
          if (opts.json) return printData({ file, stored: false, reason: "no transcript file" });
          note(`pai: no transcript at ${file}; nothing to import`);
          return;
        }
      }
      if (!file) throw new UsageError("missing the transcript FILE", { hint: "pai memory import-transcript FILE (or --from-hook)" });
      if (home.config.memory.incognito) {
        if (opts.json) return printData({ file, stored: false, reason: "incognito" });
        note("memory.incognito is on: nothing was imported");
        return;
      }
      const r = importTranscriptFile(openMemory(home.db, home.config), file, {
        sessionId,
        dryRun: opts.dryRun,
        format: opts.format as TranscriptFormat | undefined,
      });
      if (r.added && !opts.dryRun) await startEmbedder(home);
      if (opts.json) return printData({ ...r, dryRun: !!opts.dryRun });
      for (const p of r.problems) note(`pai: ${p.line !== undefined ? `line ${p.line}` : p.entry !== undefined ? `entry ${p.entry}` : "file"}: ${p.error} (skipped)`);
      const verb = opts.dryRun ? "would import" : "imported";
      const parts = [`${r.exchanges} exchange(s) read`, `${r.added} ${verb} as episodes`];
      if (r.already) parts.push(`${r.already} already in memory`);
      if (r.redacted) parts.push(`${r.redacted} with secrets redacted`);
      if (r.problems.length) parts.push(`${r.problems.length} bad line(s) skipped`);
      print(`${r.format}: ${parts.join(", ")}.`);
    });
  });
}
