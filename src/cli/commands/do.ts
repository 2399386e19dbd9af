import type { Command } from "commander";
import { formatError, UsageError } from "../../kernel/errors.ts";
import { examples, note, print, printData, style, verbatim, withJson } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("do <request...>")
    .description("route a request through your packs: code, then CLI, then prompt, then skill; otherwise a plain answer")
    .option("--explain", "show the tiers tried, what matched and why, without running anything")
    .option("--route <how>", "triggers (default) or model: with no trigger match, let the model choose a prompt or skill", "triggers")
    .option("--backend <name>", "model backend (ollama | anthropic)")
    .option("--model <name>", "model name")
    .option("--incognito", "store nothing in memory (a read-only pack command never does; pack runs are still recorded)");
  withJson(cmd);
  examples(cmd, [
    "pai do journal had a calm, productive day",
    "pai do 'search my notes for kubernetes'",
    "pai do --explain 'what changed in my repos since monday'",
    "pai do --route model 'give me the key ideas of https://example.com/post'",
  ]);
  cmd.action(async (words: string[], opts: { explain?: boolean; route: string; backend?: string; model?: string; incognito?: boolean; json?: boolean }) => {
    if (opts.route !== "triggers" && opts.route !== "model") throw new UsageError(`unknown route '${opts.route}'`, { hint: "use --route triggers or --route model" });
    const request = words.join(" ").trim();
    if (!request) throw new UsageError("empty request", { hint: "pai do 'what you want done'" });
    const { dispatchFromCli, printDispatched } = await import("../dispatch.ts");
    const { withHome } = await import("../../app/home.ts");
    const { result: r, streamed, forAsk } = await withHome(async (home) => {
      const routed = await dispatchFromCli(home, request, {
        explain: opts.explain,
        route: opts.route === "model" ? "model" : "triggers",
        backend: opts.backend,
        model: opts.model,
        incognito: opts.incognito,
        origin: "cli",
        stream: !opts.json && !opts.explain,
      });
      // What `pai ask` would do with the same words (it hands over only unambiguous requests).
      const forAsk = opts.explain && !opts.json ? (await import("../../conversation/route.ts")).matchingPack(request, home.paths) : undefined;
      return { ...routed, forAsk };
    });
    if (opts.json) {
      const { result, ...rest } = r;
      // Template variables are named by the pack's own patterns: kept as they are.
      for (const m of [r.chosen, ...r.tiers.map((t) => t.matched)]) if (m) verbatim(m.input.vars);
      printData({
        ...rest,
        result: result ? { ok: result.ok, tier: result.tier, runId: result.runId, memoryId: result.memoryId ?? null, output: result.output, error: result.error ? { message: result.error.message, hint: result.error.hint ?? null } : null } : null,
      });
      if (!r.ok) {
        // The failure is in the JSON, and still one line on stderr with a non-zero exit.
        note(formatError(result?.error ?? new Error("the request failed")));
        process.exitCode = result?.error?.exitCode ?? 1;
      }
      return;
    }
    if (opts.explain) {
      print(`Request: ${request}`);
      for (const t of r.tiers) print(`  ${t.matched ? style.green("✓") : "·"} ${t.tier.padEnd(6)} ${t.why}`);
      if (r.chosen) {
        const input = r.chosen.input;
        const vars = Object.entries(input.vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
        print(`Would run ${style.bold(`${r.chosen.pack}:${r.chosen.command}`)} (${r.chosen.tier}) with input ${JSON.stringify(input.text)}${vars ? ` and ${vars}` : ""}.`);
      } else if (r.fallback === "model") print("No trigger matched: the model would choose among the installed prompts and skills by their descriptions, or answer plainly.");
      else print("No trigger matched: pai would answer plainly (as 'pai ask'). With --route model the model would choose a prompt or skill.");
      print(
        forAsk
          ? `'pai ask' would hand it to ${forAsk.pack}:${forAsk.command} (${forAsk.tier}).`
          : "'pai ask' would answer it with the model: it hands a request to a pack only when one code or CLI command's pattern or name fits it, or when the request names the pack.",
      );
      print(style.dim("Nothing was run."));
      return;
    }
    printDispatched(r, streamed);
  });
}
