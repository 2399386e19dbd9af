import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { itemJson, memoryCounts, openMemory } from "../../../memory/index.ts";
import { examples, note, print, printJson, style, withJson } from "../../output.ts";
import { collect, itemTable, parseKinds, parseLimit, parseTier, parseVisibilities } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("list")
    .description("list memories, newest first")
    .option("--tier <tier>", "only hot, warm or cold items")
    .option("--kind <kinds>", "only items of these kinds, comma-separated or repeated (fact, preference, event, episode, note, action)", collect)
    .option("--visibility <visibilities>", "only private or shareable items (comma-separated or repeated)", collect)
    .option("--limit <n>", "how many", "50")
    .option("--pinned", "only pinned items")
    .option("--include-superseded", "also list items replaced by an edit");
  withJson(cmd);
  examples(cmd, ["pai memory list", "pai memory list --tier hot", "pai memory list --kind fact,preference --visibility private", "pai memory list --kind preference --json"]);
  cmd.action(async (opts: { tier?: string; kind?: string[]; visibility?: string[]; limit?: string; pinned?: boolean; includeSuperseded?: boolean; json?: boolean }) => {
    const limit = parseLimit(opts.limit, 50);
    await withHome(({ db, config }) => {
      const store = openMemory(db, config);
      const filter = {
        tier: parseTier(opts.tier),
        kinds: parseKinds(opts.kind),
        visibilities: parseVisibilities(opts.visibility),
        pinned: opts.pinned ? true : undefined,
        includeSuperseded: !!opts.includeSuperseded,
      };
      const items = store.list({ ...filter, limit });
      if (opts.json) return printJson(items.map(itemJson));
      if (!items.length) return print(style.dim("no memories"));
      print(itemTable(items));
      // Said apart from the data (standard error), so a pipe gets only the rows.
      // Without a filter the kept counts answer at once (memoryCounts, as status and stats count); with one, a count.
      const plain = !filter.tier && !filter.kinds && !filter.visibilities && !filter.pinned;
      const kept = plain ? memoryCounts(db) : undefined;
      const total = items.length < limit ? items.length : kept ? kept.current + (filter.includeSuperseded ? kept.superseded : 0) : store.count(filter);
      if (total > items.length) note(style.dim(`showing ${items.length} of ${total} — --limit ${total} shows them all`));
    }, { readsOnly: true });
  });
}
