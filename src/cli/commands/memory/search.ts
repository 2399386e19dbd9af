import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { itemJson, openMemory, type SearchOptions } from "../../../memory/index.ts";
import { parseWhen } from "../../../kernel/when.ts";
import { examples, print, printJson, style, withJson } from "../../output.ts";
import { collect, itemTable, parseKinds, parseLimit, parseTier, parseVisibilities } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("search")
    .argument("<query...>", "words to look for (any text: quotes, colons and operators are taken literally)")
    .description("hybrid search over every tier: full-text relevance and meaning (embeddings, when stored) fused with recency, tier, importance and use")
    .option("--limit <n>", "how many results", "10")
    .option("--tier <tier>", "only hot, warm or cold items")
    .option("--kind <kinds>", "only items of these kinds, comma-separated or repeated (fact, preference, event, episode, note, action)", collect)
    .option("--visibility <visibilities>", "only private or shareable items (comma-separated or repeated)", collect)
    .option("--since <date>", "only items that happened on or after this date: ISO 8601 (2024-01-01) or relative (yesterday, 7d, 2w, last month, monday)")
    .option("--include-superseded", "also show items replaced by an edit");
  withJson(cmd);
  examples(cmd, ["pai memory search lyon", "pai memory search --kind preference,fact coffee", "pai memory search --visibility private door", "pai memory search --since 2024-01-01 --json 'trip to Japan'", "pai memory search --since 'last month' dentist"]);
  cmd.action(
    async (words: string[], opts: { limit?: string; tier?: string; kind?: string[]; visibility?: string[]; since?: string; includeSuperseded?: boolean; json?: boolean }) => {
      const query = words.join(" ");
      const limit = parseLimit(opts.limit, 10);
      const since = opts.since === undefined ? undefined : parseWhen(opts.since).toISOString();
      await withHome(async (home) => {
        const { db, config, paths } = home;
        // The query's vector, when the store holds vectors of the embed model and a local model embeds it (the
        // pipeline, with its model client, is loaded only then).
        const { queryWanted } = await import("../../../context/embed-target.ts");
        let vector: Pick<SearchOptions, "queryEmbedding" | "embeddingModel"> = {};
        if (queryWanted({ db, config, run: paths.run }, query)) {
          const { queryEmbedding, vectorSearch } = await import("../../../context/embed.ts");
          // The model's call is logged: on a connection that writes (the search itself only reads).
          vector = vectorSearch(await queryEmbedding({ db: home.writer, config, run: paths.run }, query));
        }
        const hits = openMemory(db, config).search(query, {
          ...vector,
          limit,
          tier: parseTier(opts.tier),
          kinds: parseKinds(opts.kind),
          visibilities: parseVisibilities(opts.visibility),
          since,
          includeSuperseded: !!opts.includeSuperseded,
        });
        if (opts.json) return printJson(hits.map(itemJson));
        if (!hits.length) return print(style.dim("no matching memories"));
        print(itemTable(hits, true));
      }, { readsOnly: true });
    },
  );
}
