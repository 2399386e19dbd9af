import type { Command } from "commander";
import { examples, print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("maintain")
    .description("re-tier every memory now (normally done a little at a time as you use pai) and compact the index");
  withJson(cmd);
  examples(cmd, ["pai memory maintain", "pai memory maintain --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const { withUserStore } = await import("../../../memory/cli.ts");
    await withUserStore(({ store }) => {
      const r = store.maintain();
      if (opts.json) return printJson({ moved: r.moved, total: r.total, by_tier: r.byTier, ms: r.ms });
      const moves = Object.entries(r.moved);
      print(moves.length ? `Moved ${moves.map(([k, n]) => `${n} ${k}`).join(", ")}.` : "Every memory was already in its tier.");
      print(`hot ${r.byTier.hot}  warm ${r.byTier.warm}  cold ${r.byTier.cold}  (${r.ms} ms)`);
    });
  });
}
