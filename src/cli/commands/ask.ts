import type { Command } from "commander";
import type { Home } from "../../app/home.ts";
import type { TriggerMatch } from "../../packs/index.ts";
import { examples, note, outputEnv, print, printJson, readStdin, terminalColumns, withJson, writeStream } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("ask [question...]")
    .description("ask a question, answered with your context and memory; the exchange is remembered and learned from in the background")
    .option("--backend <name>", "ollama | anthropic (default: config models.answer / backend.default)")
    .option("--model <name>", "model name (default: config)")
    .option("--incognito", "store nothing from this exchange")
    .option("--budget <tokens>", "token budget of the context")
    .option("-c, --continue", "a follow-up: send the last 'pai ask' exchange (and those it continued) as the conversation so far")
    .option("--no-packs", "answer with the model even when an installed pack's trigger matches")
    .option("-s, --system <text>", "an instruction of yours, added after pai's own")
    .option("--no-context", "send no Telos and no memories with the question")
    .option("-o, --option <key=value>", "a model option, repeatable: temperature, top_p, top_k, min_p, seed, repeat_penalty, num_ctx, max_tokens", collect)
    .option("-a, --attach <file>", "send a file with the question, repeatable: a text file inlined with its name, or an image (PNG, JPEG, GIF, WebP)", collect)
    .option("--no-learn", "learn nothing from this exchange (it is still stored; --incognito stores nothing)");
  withJson(cmd);
  examples(cmd, [
    'pai ask "what should I focus on this week?"',
    'pai ask --backend anthropic "summarise my goals"',
    "echo 'what is due today?' | pai ask -    the question from standard input",
    'git diff | pai ask "review this change" -',
    'pai ask --incognito --json "a one-off question"',
    'pai ask -c "and the week after?"              a follow-up to the last question',
    'pai ask "add to my journal: shipped the beta"   handled by the journal pack when it is installed',
    'pai ask -s "answer in French" -o temperature=0.2 "what is due today?"',
    'pai ask --no-context --no-learn -a notes.md "summarise this file"',
    'pai ask -a screenshot.png "what does this error mean?"',
  ]);
  cmd.action(async (words: string[], opts: AskFlags) => {
    const { UsageError } = await import("../../kernel/errors.ts");
    // "-" reads standard input; with other words, the words come first and the input follows them.
    const dash = words.includes("-");
    let question = words.filter((w) => w !== "-").join(" ");
    if (dash || (!question && !process.stdin.isTTY)) {
      const input = (await readStdin()).trim();
      question = question ? `${question}\n\n${input}` : input;
    }
    if (!question.trim()) throw new UsageError("no question", { hint: 'pai ask "your question" (or pipe it: echo question | pai ask -)' });
    let budget: number | undefined;
    if (opts.budget !== undefined) {
      budget = Number(opts.budget);
      if (!Number.isInteger(budget) || budget < 1) throw new UsageError(`invalid --budget '${opts.budget}'`, { hint: "give a whole number of tokens" });
    }
    const { parseBackendName } = await import("../../models/index.ts");
    const backend = opts.backend ? parseBackendName(opts.backend) : undefined;
    // Options and files are checked before anything is sent or stored.
    const { parseModelOptions, readAttachments } = await import("../../conversation/options.ts");
    const modelOptions = opts.option?.length ? parseModelOptions(opts.option) : undefined;
    const attachments = readAttachments(opts.attach ?? []);
    const asModel = opts.system !== undefined || opts.context === false || modelOptions !== undefined || attachments.length > 0;
    const { withHome } = await import("../../app/home.ts");
    const { startLearner, tellLearned } = await import("./learn.ts");
    await withHome(async (home) => {
      // What was learned from earlier exchanges since the user was last told, before anything else.
      await tellLearned(home);
      // A request goes to a pack only when that is unambiguous (see matchingPack): one code or CLI command's
      // pattern or name fits it, or it names the pack. Everything else is a question for the model.
      // A follow-up is a conversation with the model, never a pack's request.
      // So is a question with model options, an instruction, files or no context: those are for the model.
      if (opts.packs !== false && !opts.continue && !asModel) {
        const { matchingPack } = await import("../../conversation/route.ts");
        const chosen = matchingPack(question, home.paths);
        if (chosen) {
          await answerWithPack(home, question, chosen, opts);
          // Exchanges left waiting by an earlier learner that ended early are caught up here too.
          return startLearner(home);
        }
      }
      const { ask } = await import("../../conversation/ask.ts");
      const { withInterrupt } = await import("../../kernel/interrupt.ts");
      let wrote = false;
      let endsWithNewline = true;
      // On a terminal the answer is shown as rendered Markdown, a line at a time; piped, as it came.
      const md = opts.json ? undefined : await markdownOut();
      // Ctrl-C stops the stream: the partial answer is stored marked as interrupted. A second Ctrl-C exits now.
      const r = await withInterrupt(
        (signal) =>
          ask(question, {
            paths: home.paths,
            config: home.config,
            db: home.db,
            backend,
            model: opts.model,
            incognito: opts.incognito,
            budget,
            continueFrom: opts.continue ? "latest" : undefined,
            extraSystem: opts.system,
            context: opts.context,
            modelOptions,
            attachments,
            learn: opts.learn === false ? false : undefined,
            signal,
            onText: opts.json
              ? undefined
              : (t) => {
                  if (md) return md.push(t);
                  writeStream(t);
                  wrote = true;
                  endsWithNewline = t.endsWith("\n");
                },
          }),
      );
      if (opts.json) {
        printJson({
          answer: r.answer,
          memory_ids: r.memoryIds,
          usage: { input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens },
          exchange_id: r.exchangeId,
          backend: r.backend,
          model: r.model,
          episode_id: r.episodeId ?? null,
          interrupted: r.interrupted,
          learning: r.learning ?? "off",
          continues: r.continued?.from ?? null,
        });
      } else if (md) md.end();
      else if (wrote && !endsWithNewline) process.stdout.write("\n");
      if (r.continued?.withheld) {
        const n = r.continued.withheld;
        note(`pai: ${n} earlier exchange${n === 1 ? " was" : "s were"} answered by a local model and left out of this cloud request`);
      }
      if (r.optionsNotSent?.length) note(`pai: the ${r.backend} backend has no ${r.optionsNotSent.join(", ")} option: not sent`);
      if (r.interrupted) {
        note(r.episodeId !== undefined ? `pai: interrupted — the partial answer was stored as memory ${r.episodeId}, marked interrupted` : "pai: interrupted");
        process.exitCode = 130;
      }
      // The answer is shown: learning from it goes on in the background; the next command tells what was learned.
      await startLearner(home);
    });
  });
}

interface AskFlags {
  backend?: string;
  model?: string;
  incognito?: boolean;
  budget?: string;
  json?: boolean;
  packs?: boolean;
  continue?: boolean;
  system?: string;
  context?: boolean;
  option?: string[];
  attach?: string[];
  learn?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Streamed text printed as Markdown rendered for the terminal (kernel/markdown.ts); undefined when piped. */
async function markdownOut(): Promise<{ push(t: string): void; end(): void } | undefined> {
  const width = terminalColumns();
  if (!width) return undefined;
  const { MarkdownLines } = await import("../../kernel/markdown.ts");
  const md = new MarkdownLines({ width, color: !outputEnv("NO_COLOR") && outputEnv("TERM") !== "dumb" });
  let buf = "";
  return {
    push(t) {
      buf += t;
      for (let nl = buf.indexOf("\n"); nl !== -1; nl = buf.indexOf("\n")) {
        for (const row of md.line(buf.slice(0, nl))) print(row);
        buf = buf.slice(nl + 1);
      }
    },
    end() {
      if (buf.trim()) for (const row of md.line(buf)) print(row);
      buf = "";
    },
  };
}

/** `pai ask` handed to the pack whose trigger matched, exactly as `pai do` would run it. */
async function answerWithPack(home: Home, question: string, chosen: TriggerMatch, opts: { backend?: string; model?: string; incognito?: boolean; json?: boolean }): Promise<void> {
  note(`pai: handled by the ${chosen.pack}:${chosen.command} pack command (${chosen.tier} tier) — 'pai ask --no-packs' answers with the model instead`);
  const { dispatchFromCli, printDispatched } = await import("../dispatch.ts");
  const { result: r, streamed } = await dispatchFromCli(home, question, {
    backend: opts.backend,
    model: opts.model,
    incognito: opts.incognito,
    origin: "ask",
    chosen,
    stream: !opts.json,
  });
  if (!opts.json) return printDispatched(r, streamed);
  if (r.result && !r.result.ok) throw r.result.error;
  printJson({
    answer: r.output ?? "",
    pack: chosen.pack,
    command: chosen.command,
    tier: chosen.tier,
    run_id: r.result?.runId ?? null,
    memory_id: r.result?.memoryId ?? null,
  });
}
