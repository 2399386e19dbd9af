/**
 * What the embedding pipeline asks of the memory store: the store's own `embeddingBacklog`, `embeddingCounts`
 * and `setEmbeddings`, and two questions asked on every search and after every write that must stay one
 * indexed look at a million items (a count would not): whether any current item has a vector of a model,
 * and the newest item's id. The store has no call for those two yet, so they are read here.
 */
import type { Config } from "../config/schema.ts";
import type { Database } from "../kernel/storage/index.ts";
import { openMemory, type MemoryStore } from "../memory/index.ts";

export interface EmbeddingStore {
  store: MemoryStore;
  embeddingBacklog: MemoryStore["embeddingBacklog"];
  embeddingCounts: MemoryStore["embeddingCounts"];
  setEmbeddings: MemoryStore["setEmbeddings"];
  /** Whether any current item has a vector of the model (one look, not a count). */
  hasVectors(model: string): boolean;
  /** The id of the newest item (0 with none). */
  newestId(): number;
}

export function embeddingStore(db: Database, config: Config): EmbeddingStore {
  const store = openMemory(db, config);
  return {
    store,
    embeddingBacklog: (o) => store.embeddingBacklog(o),
    embeddingCounts: (model) => store.embeddingCounts(model),
    setEmbeddings: (rows) => store.setEmbeddings(rows),
    hasVectors: (model) =>
      !!db.prepare<{ x: number }>("SELECT EXISTS (SELECT 1 FROM memory_embedding_bits WHERE model = ? AND current = 1) AS x").get(model)?.x,
    newestId: () => Number(db.prepare<{ id: number | null }>("SELECT max(id) AS id FROM memory_items").get()?.id ?? 0),
  };
}
