import { InvalidArgumentError, type Command } from "commander";
import { formatError } from "../../kernel/errors.ts";
import { withInterrupt } from "../../kernel/interrupt.ts";
import { examples, note, print, printData, readStdin, verbatim, withJson, writeFd, writeStream } from "../output.ts";

function collectVar(v: string, acc: Record<string, string>): Record<string, string> {
  const i = v.indexOf("=");
  if (i <= 0) throw new InvalidArgumentError(`takes NAME=VALUE, got '${v}'`);
  return { ...acc, [v.slice(0, i)]: v.slice(i + 1) };
}

export function register(program: Command): void {
  const cmd = program
    .command("run <ref> [args...]")
    .description("run one pack command explicitly: PACK:COMMAND [ARGS…] ('-' as the only argument reads the text from standard input)")
    .option("--text <text>", "the input text (default: the arguments joined by spaces)")
    .option("--var <name=value>", "a template variable (repeatable)", collectVar, {})
    .option("--backend <name>", "model backend for prompt and skill commands (ollama | anthropic)")
    .option("--model <name>", "model for prompt and skill commands")
    .option("--incognito", "store nothing in memory (a run of a read-only command never does; the run is still recorded)");
  withJson(cmd);
  examples(cmd, [
    "pai run journal:write 'Shipped the packs today'",
    "pai run notes-search:search kubernetes",
    "pai run patterns:summarize - < article.md",
    "pai run notify:send --var title=Build 'all green'",
    "pai run git-digest:digest --var since=2026-01-01 --json",
  ]);
  cmd.action(async (ref: string, args: string[], opts: { text?: string; var: Record<string, string>; backend?: string; model?: string; incognito?: boolean; json?: boolean }) => {
    const { withHome } = await import("../../app/home.ts");
    const { parseRef, runPackCommand } = await import("../../packs/index.ts");
    const target = parseRef(ref);
    let text = opts.text;
    let argv = args;
    if (args.length === 1 && args[0] === "-") {
      text = await readStdin();
      argv = [];
    }
    let streamed = false;
    const r = await withHome((home) =>
      withInterrupt((signal) =>
        runPackCommand(target, { args: argv, text, vars: opts.var }, {
          paths: home.paths,
          config: home.config,
          db: home.db,
          signal,
          origin: "cli",
          backend: opts.backend,
          model: opts.model,
          incognito: opts.incognito,
          onText: opts.json
            ? undefined
            : (t) => {
                streamed = true;
                writeStream(t);
              },
        }),
      ),
    );
    if (opts.json) {
      printData({ ok: r.ok, pack: target.pack, command: target.command, tier: r.tier, runId: r.runId, memoryId: r.memoryId ?? null, output: r.output, data: verbatim(r.data ?? null), error: r.error ? { message: r.error.message, hint: r.error.hint ?? null } : null });
      if (!r.ok) {
        // The failure is in the JSON, and still one line on stderr with a non-zero exit.
        note(formatError(r.error ?? new Error("the command failed")));
        process.exitCode = r.error?.exitCode ?? 1;
      }
      return;
    }
    if (!r.ok) throw r.error;
    if (streamed) writeFd(1, "\n");
    else if (r.output) print(r.output);
    if (process.env.PAI_VERBOSE === "1") note(`run ${r.runId} (${r.tier})`);
  });
}
