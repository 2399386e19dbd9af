import type { Command } from "commander";
import type { Home } from "../../app/home.ts";
import { examples, printJson, withJson } from "../output.ts";

interface ChatFlags {
  backend?: string;
  model?: string;
  incognito?: boolean;
  plain?: boolean;
  continue?: boolean;
  resume?: string;
  list?: boolean;
  json?: boolean;
}

/** `pai chat --list`: the recent conversations, newest first, each with its first question. */
async function printConversations(home: Home, json: boolean): Promise<void> {
  const { listConversations, firstQuestion } = await import("../../conversation/conversations.ts");
  const { safeText } = await import("../../kernel/terminal.ts");
  const rows = listConversations(home.db).map((r) => {
    const first = firstQuestion(home.db, home.config, r.id).split("\n")[0] ?? "";
    return { id: r.id, started_at: r.startedAt, updated_at: r.updatedAt, exchanges: r.exchanges, first };
  });
  if (json) return printJson(rows);
  if (!rows.length) return void console.log("no conversations yet — 'pai chat' starts one");
  const { formatWhen, userZone } = await import("../../kernel/when.ts");
  // The times in the user's zone, named once above them.
  console.log(`times in ${userZone()}`);
  for (const r of rows) {
    const first = safeText(r.first.length > 60 ? `${r.first.slice(0, 59)}…` : r.first);
    console.log(`${r.id}  ${formatWhen(r.updated_at)}  ${String(r.exchanges).padStart(3)} exchange${r.exchanges === 1 ? " " : "s"}  ${first}`);
  }
}

export function register(program: Command): void {
  const cmd = program
    .command("chat")
    .description("interactive session with your context; exchanges are remembered (plain line mode when stdin is not a terminal)")
    .option("--backend <name>", "ollama | anthropic (switch later with /backend)")
    .option("--model <name>", "model name (switch later with /model)")
    .option("--incognito", "store nothing from this session (toggle with /incognito)")
    .option("--plain", "line-by-line mode even on a terminal")
    .option("-c, --continue", "take up the most recent conversation again")
    .option("-r, --resume <id>", "take up conversation ID again (its id is shown when a chat starts; --list shows them)")
    .option("--list", "list the recent conversations and exit");
  withJson(cmd);
  examples(cmd, [
    "pai chat",
    "pai chat --backend anthropic",
    "printf 'hi\\nwhat are my goals?\\n' | pai chat",
    "pai chat --incognito",
    "pai chat --continue                 the last conversation, where it stopped",
    "pai chat --list                     the recent conversations and their ids",
    "pai chat --resume 3f9a1c2e",
  ]);
  cmd.action(async (opts: ChatFlags) => {
    if (opts.continue && opts.resume !== undefined) {
      const { UsageError } = await import("../../kernel/errors.ts");
      throw new UsageError("--continue and --resume both name a conversation", { hint: "give one of them" });
    }
    // Raw mode before anything slow, on the terminal the screen will use: keys typed while pai starts are
    // neither echoed nor lost (they reach the input once it reads).
    if (!opts.plain && !opts.list && process.stdin.isTTY && process.stdout.isTTY) (await import("../../conversation/chat/tty.ts")).holdKeys();
    const { parseBackendName } = await import("../../models/index.ts");
    const backend = opts.backend ? parseBackendName(opts.backend) : undefined;
    const { withHome } = await import("../../app/home.ts");
    const { forgetLines } = await import("../../app/forget.ts");
    const { runChat } = await import("../../conversation/chat/index.ts");
    const { startLearner, tellLearned } = await import("./learn.ts");
    await withHome(async (home) => {
      const { paths, config, db } = home;
      // What was learned since the user was last told; and a learner for any exchange still waiting.
      const conv = await import("../../conversation/conversations.ts");
      if (opts.list) return printConversations(home, opts.json === true);
      // The conversation to take up again, read before anything else happens (an unknown id is one line).
      let conversation;
      if (opts.continue) {
        const id = conv.latestConversationId(db);
        if (!id) {
          const { UserError } = await import("../../kernel/errors.ts");
          throw new UserError("there is no earlier conversation to continue", { hint: "start one with 'pai chat'" });
        }
        conversation = conv.loadConversation(db, config, id);
      } else if (opts.resume !== undefined) conversation = conv.loadConversation(db, config, opts.resume);
      await tellLearned(home);
      await startLearner(home);
      const code = await runChat({
        paths,
        db,
        config,
        backend,
        model: opts.model,
        incognito: opts.incognito,
        plain: opts.plain,
        forget: (id) => forgetLines(home, id),
        startLearner: () => startLearner(home),
        conversation,
      });
      if (code) process.exitCode = code;
    }, { cache: "large" });
  });
}
