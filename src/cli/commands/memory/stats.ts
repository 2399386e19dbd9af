import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { openMemory } from "../../../memory/index.ts";
import { examples, note, print, printJson, table, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("stats").description("counts per tier and kind, and the database's size");
  withJson(cmd);
  examples(cmd, ["pai memory stats", "pai memory stats --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    await withHome(async ({ db, config, paths }) => {
      const store = openMemory(db, config);
      const s = store.stats();
      const { embeddingStatus } = await import("../../../context/embed-status.ts");
      const e = embeddingStatus({ db, config, run: paths.run });
      if (opts.json) {
        return printJson({
          total: s.total,
          active: s.active,
          superseded: s.superseded,
          pinned: s.pinned,
          redacted: s.redacted,
          embeddings: s.embeddings,
          embedding: {
            enabled: e.enabled,
            backend: e.backend,
            model: e.model,
            items: e.items,
            embedded: e.embedded,
            other_models: e.otherModels,
            pending: e.pending,
            failure: e.failure ?? null,
            notice: e.notice ?? null,
            fix: e.fix ?? null,
            vectors: e.vectors.available ? { available: true } : { available: false, reason: e.vectors.reason },
          },
          by_tier: s.byTier,
          by_kind: s.byKind,
          oldest: s.oldest,
          newest: s.newest,
          db_bytes: s.dbBytes,
          wal_bytes: s.walBytes,
        });
      }
      const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
      print(`${s.active} memor${s.active === 1 ? "y" : "ies"} (${s.superseded} superseded, ${s.pinned} pinned, ${s.redacted} redacted)`);
      print(`tiers   hot ${s.byTier.hot}  warm ${s.byTier.warm}  cold ${s.byTier.cold}`);
      print(table([["KIND", "COUNT"], ...Object.entries(s.byKind).map(([k, n]) => [k, String(n)])]));
      if (s.oldest) print(`from ${s.oldest.slice(0, 10)} to ${s.newest?.slice(0, 10)}`);
      print(`database ${mb(s.dbBytes)}${s.walBytes ? ` (+ ${mb(s.walBytes)} write-ahead log)` : ""}, ${s.embeddings} embedding(s)`);
      print(`embeddings: ${e.embedded} of ${e.items} items (${e.model})${e.enabled ? "" : ", off (memory.embeddings)"}`);
      if (e.embedded && !e.vectors.available) print(`vectors: sqlite-vec unavailable (${e.vectors.reason}); search by meaning runs without it, slower on large stores`);
      if (e.notice) note(`pai: ${e.notice} — ${e.fix}`);
    }, { readsOnly: true });
  });
}
