/** What the sync verbs share: the sync engine opened on this home, with forget reaching every concern. */
import { join } from "node:path";
import type { Home } from "../../../app/home.ts";
import { openMemory, type MemoryStore } from "../../../memory/index.ts";
import type { SyncEnv } from "../../../memory/sync/index.ts";

export function syncEnv(home: Home): SyncEnv {
  let opened: MemoryStore | undefined;
  const store = () => (opened ??= openMemory(home.db, home.config));
  return {
    db: home.db,
    // Opened (and the config read) only when there is something to apply.
    get store() {
      return store();
    },
    keyFile: join(home.paths.user, "sync.key"),
    // Loaded only when another device forgot something (it reaches every concern that may hold a copy).
    forget: async (ids) => {
      const { forgetEverywhere } = await import("../../../app/forget.ts");
      forgetEverywhere(home.db, store(), ids);
    },
  };
}
