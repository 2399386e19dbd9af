/** What the sync verbs share: the sync engine opened on this home, with forget reaching every concern. */
import { join } from "node:path";
import type { Home } from "../../../app/home.ts";
import { openMemory } from "../../../memory/index.ts";
import type { SyncEnv } from "../../../memory/sync/index.ts";

export function syncEnv(home: Home): SyncEnv {
  const store = openMemory(home.db, home.config);
  return {
    db: home.db,
    store,
    keyFile: join(home.paths.user, "sync.key"),
    // Loaded only when another device forgot something (it reaches every concern that may hold a copy).
    forget: async (ids) => {
      const { forgetEverywhere } = await import("../../../app/forget.ts");
      forgetEverywhere(home.db, store, ids);
    },
  };
}
