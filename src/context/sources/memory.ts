/** Memory in the context: hot items always, plus the best matches for the query. (Filled in by the memory module.) */
import type { Config } from "../../config/schema.ts";
import type { Database } from "../../storage/index.ts";
import type { ContextSource } from "../types.ts";

export function memorySource(_db: Database, _config: Config): ContextSource {
  return { name: "memory", collect: () => [] };
}
