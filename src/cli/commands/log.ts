import type { Command } from "commander";
import { withHome } from "../../app/home.ts";
import { UsageError } from "../../kernel/errors.ts";
import { listCalls } from "../../models/calllog.ts";
import { examples, print, printData, style, table, withJson } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("log")
    .description("show the log of model calls (time, backend, model, purpose, tokens, latency, outcome, exchange)")
    .option("--limit <n>", "how many calls, newest first", "20")
    .option("--exchange <id>", "only the calls of one exchange (its id, or the first characters the table shows)");
  withJson(cmd);
  examples(cmd, ["pai log", "pai log --limit 100 --json", "pai log --exchange 3f1c…"]);
  cmd.action(async (opts: { limit: string; exchange?: string; json?: boolean }) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`invalid --limit '${opts.limit}'`, { hint: "give a positive whole number, e.g. --limit 50" });
    const calls = await withHome(({ db }) => listCalls(db, { limit, exchangeId: opts.exchange }));
    if (opts.json) return printData(calls);
    if (!calls.length) return print(opts.exchange ? `No model calls in exchange ${opts.exchange}.` : "No model calls yet. Make one with 'pai ask \"…\"'.");
    print(
      table([
        ["TIME", "BACKEND", "MODEL", "PURPOSE", "IN", "OUT", "MS", "OUTCOME", "EXCHANGE"],
        ...calls.map((c) => [
          c.at.replace("T", " ").slice(0, 19),
          c.backend,
          c.model,
          c.purpose,
          String(c.inputTokens),
          String(c.outputTokens),
          String(c.latencyMs),
          c.outcome === "ok" ? c.outcome : style.yellow(c.error ? `${c.outcome} (${c.error.slice(0, 60)})` : c.outcome),
          c.exchangeId ? c.exchangeId.slice(0, 8) : "",
        ]),
      ]),
    );
  });
}
