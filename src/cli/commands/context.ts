import type { Command } from "commander";
import type { Audience } from "../../kernel/privacy.ts";
import type { ExplainedItem } from "../../context/index.ts";
import { examples, note, print, printData, table, withJson, writeStream } from "../output.ts";

export function register(program: Command): void {
  const cmd = withJson(
    program
      .command("context")
      .description("print exactly the context that would be sent to a model as the user's context")
      .option("-q, --query <text>", "the request the context is for (raises matching items, selects memories)")
      .option("-b, --budget <tokens>", "token budget (default: config context.budget; tokens = characters / 4)")
      .option("--for <audience>", "local (everything) or cloud (private items left out); default: who the answering backend is")
      .option("--explain", "instead of the text: why each item is in (section, rule, score) and why the others were left out"),
  );
  examples(cmd, [
    "pai context",
    "pai context --for cloud",
    "pai context --query 'plan my week' --budget 500",
    "pai context --query 'who is Dario?' --explain",
    "pai context --json",
  ]);
  cmd.action(async (opts: { query?: string; budget?: string; for?: string; json?: boolean; explain?: boolean }) => {
    const { UsageError } = await import("../../kernel/errors.ts");
    if (opts.for !== undefined && opts.for !== "local" && opts.for !== "cloud") {
      throw new UsageError(`--for must be local or cloud, not '${opts.for}'`, { hint: "pai context --for cloud" });
    }
    let budget: number | undefined;
    if (opts.budget !== undefined) {
      budget = /^\d+$/.test(opts.budget.trim()) ? Number(opts.budget.trim()) : Number.NaN;
      if (!Number.isSafeInteger(budget) || budget < 1) {
        throw new UsageError(`--budget must be a whole number of tokens, not '${opts.budget}'`, { hint: "pai context --budget 1000" });
      }
    }
    const { existsSync } = await import("node:fs");
    const { withHome } = await import("../../app/home.ts");
    const { assembleContextFirst } = await import("../../context/index.ts");
    const { backendAudience, isLoopbackUrl, ollamaHost } = await import("../../models/audience.ts");
    // Without a request nothing is searched, so no memory is used (and warmed): the database is only read.
    await withHome(async (home) => {
      const config = home.config;
      const host = ollamaHost(config.ollama.host);
      const remote = !isLoopbackUrl(host);
      let audience = opts.for as Audience | undefined;
      audience ??= backendAudience(config.models.answer.backend ?? config.backend.default, config);
      // Memory joins the context once there is a database; showing the context never creates one.
      const db = existsSync(home.paths.db) ? home.db : undefined;
      // The memories a query matched are warmed once the context is printed.
      const { context: ctx, recordUse } = await assembleContextFirst({ query: opts.query, budget, audience, config, paths: home.paths, db, explain: opts.explain === true });
      if (opts.json) printData(ctx);
      else if (opts.explain) printExplanation(ctx.explain ?? []);
      else writeStream(ctx.text);
      const parts = [`~${ctx.tokens}/${ctx.budget} tokens (characters / 4)`];
      if (ctx.omitted.private) parts.push(`${ctx.omitted.private} private item(s) left out`);
      if (ctx.omitted.overCap) parts.push(`${ctx.omitted.overCap} item(s) over their kind's share left out`);
      if (ctx.omitted.overBudget) parts.push(`${ctx.omitted.overBudget} item(s) over budget left out`);
      parts.push(`for a ${audience} model`);
      note(parts.join(", "));
      if (remote) {
        note(
          config.ollama.trusted
            ? `Ollama at ${host} is not this machine; ollama.trusted is set, so it gets the local context`
            : `Ollama at ${host} is not this machine, so it gets the cloud context (set ollama.trusted true to treat it as local)`,
        );
      }
      recordUse();
    }, { readsOnly: opts.query === undefined });
  });
}

/** `--explain`: the items in the context, then those left out, each with its section, rule and score. */
function printExplanation(items: ExplainedItem[]): void {
  const row = (e: ExplainedItem, why: string) => [e.score.toFixed(1), e.section, why, e.text];
  const inside = items.filter((e) => e.status === "in");
  const left = items.filter((e) => e.status !== "in");
  print(`In the context (${inside.length}), highest score first:`);
  if (inside.length) print(table([["score", "section", "why", "item"], ...inside.map((e) => row(e, e.rule))], { columns: [undefined, undefined, "wrap", "wrap"] }));
  print("");
  print(`Left out (${left.length}):`);
  if (left.length) print(table([["score", "section", "why", "item"], ...left.map((e) => row(e, `${e.reason}; offered as ${e.rule}`))], { columns: [undefined, undefined, "wrap", "wrap"] }));
}
