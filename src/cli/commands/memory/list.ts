import type { Command } from "commander";
import { examples, print, printJson, style, table, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("list")
    .description("list memories, newest first")
    .option("--tier <tier>", "only hot, warm or cold items")
    .option("--kind <kind>", "only items of this kind")
    .option("--limit <n>", "how many", "50")
    .option("--pinned", "only pinned items")
    .option("--include-superseded", "also list items replaced by an edit");
  withJson(cmd);
  examples(cmd, ["pai memory list", "pai memory list --tier hot", "pai memory list --kind preference --json"]);
  cmd.action(async (opts: { tier?: string; kind?: string; limit?: string; pinned?: boolean; includeSuperseded?: boolean; json?: boolean }) => {
    const { withUserStore, parseKind, parseTier, parseLimit, itemRows } = await import("../../../memory/cli.ts");
    const { itemJson } = await import("../../../memory/json.ts");
    const limit = parseLimit(opts.limit, 50);
    await withUserStore(({ store }) => {
      store.retier();
      const items = store.list({
        tier: parseTier(opts.tier),
        kind: parseKind(opts.kind),
        limit,
        pinned: opts.pinned ? true : undefined,
        includeSuperseded: !!opts.includeSuperseded,
      });
      if (opts.json) return printJson(items.map(itemJson));
      if (!items.length) return print(style.dim("no memories"));
      print(table(itemRows(items)));
    });
  });
}
