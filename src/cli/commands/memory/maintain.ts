import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { openMemory } from "../../../memory/index.ts";
import { examples, note, print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("maintain")
    .description("re-check the hot set now (normally kept up to date as you use pai; warm and cold follow from the dates) and compact the index")
    .option("--consolidate", "also summarise cold memories, one summary per month, with the local model (sources stay searchable)")
    .option("--backend <name>", "backend for --consolidate (local only: ollama)")
    .option("--model <name>", "model for --consolidate");
  withJson(cmd);
  examples(cmd, ["pai memory maintain", "pai memory maintain --consolidate", "pai memory maintain --json"]);
  cmd.action(async (opts: { json?: boolean; consolidate?: boolean; backend?: string; model?: string }) => {
    await withHome(async ({ db, config }) => {
      const store = openMemory(db, config);
      const r = store.maintain();
      let summaries: number | undefined;
      if (opts.consolidate) {
        // The model backends load only when a model is used, never for the other memory commands.
        const { consolidateWithModel } = await import("../../../conversation/learn.ts");
        const { parseBackendName } = await import("../../../models/index.ts");
        summaries = await consolidateWithModel({
          db,
          config,
          mem: store,
          backend: opts.backend ? parseBackendName(opts.backend) : undefined,
          model: opts.model,
        });
      }
      if (opts.json) return printJson({ moved: r.moved, total: r.total, by_tier: r.byTier, ms: r.ms, summaries: summaries ?? null });
      const moves = Object.entries(r.moved);
      print(moves.length ? `Moved ${moves.map(([k, n]) => `${n} ${k}`).join(", ")}.` : "Every memory was already in its tier.");
      print(`hot ${r.byTier.hot}  warm ${r.byTier.warm}  cold ${r.byTier.cold}  (${r.ms} ms)`);
      if (summaries !== undefined) {
        if (summaries) print(`Wrote ${summaries} summar${summaries === 1 ? "y" : "ies"} of cold memories; 'pai memory list --kind note' shows them.`);
        else note("pai: nothing to consolidate — a month is summarised once it holds two or more cold memories not summarised yet");
      }
    });
  });
}
