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
    const { paths, requireUser } = await import("../../kernel/paths.ts");
    const p = requireUser(paths());
    const { loadConfig } = await import("../../config/index.ts");
    const config = loadConfig(p.config);
    const { openDatabase } = await import("../../app/db.ts");
    const db = openDatabase(p.db);
    try {
      const { runChat } = await import("../../conversation/chat/index.ts");
      const code = await runChat({ paths: p, db, config, backend, model: opts.model, incognito: opts.incognito, plain: opts.plain });
      if (code) process.exitCode = code;
    } finally {
      db.close();
    }
  });
}
