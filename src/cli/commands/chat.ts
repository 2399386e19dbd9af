import type { Command } from "commander";
import { examples } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("chat")
    .description("interactive session with your context; exchanges are remembered (plain line mode when stdin is not a terminal)")
    .option("--backend <name>", "ollama | anthropic (switch later with /backend)")
    .option("--model <name>", "model name (switch later with /model)")
    .option("--incognito", "store nothing from this session (toggle with /incognito)")
    .option("--plain", "line-by-line mode even on a terminal");
  examples(cmd, ["pai chat", "pai chat --backend anthropic", "printf 'hi\\nwhat are my goals?\\n' | pai chat", "pai chat --incognito"]);
  cmd.action(async (opts: { backend?: string; model?: string; incognito?: boolean; plain?: boolean }) => {
    const { parseBackendName } = await import("../../models/index.ts");
    const backend = opts.backend ? parseBackendName(opts.backend) : undefined;
    const { withHome } = await import("../../app/home.ts");
    const { forgetLines } = await import("../../app/forget.ts");
    const { runChat } = await import("../../conversation/chat/index.ts");
    const { startLearner, tellLearned } = await import("./learn.ts");
    await withHome(async (home) => {
      const { paths, config, db } = home;
      // What was learned since the user was last told; and a learner for any exchange still waiting.
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
      });
      if (code) process.exitCode = code;
    });
  });
}
