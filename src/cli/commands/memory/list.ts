import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { itemJson, openMemory } from "../../../memory/index.ts";
import { examples, print, printJson, style, table, withJson } from "../../output.ts";
import { itemRows, parseKind, parseLimit, parseTier } from "./shared.ts";

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
    const limit = parseLimit(opts.limit, 50);
    await withHome(({ db, config }) => {
      const store = openMemory(db, config);
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
