/**
 * The memory store's embedding calls, as the pipeline uses them: `embeddingBacklog`, `embeddingCounts` and
 * `setEmbeddings` of the store when it has them, otherwise the same calls done here on memory_embeddings.
 */
import type { Config } from "../config/schema.ts";
import type { Database } from "../kernel/storage/index.ts";
import type { Audience } from "../kernel/privacy.ts";
import { openMemory, type MemoryStore } from "../memory/index.ts";

export interface BacklogItem {
  id: number;
  content: string;
}

export interface EmbeddingCounts {
  /** Current items. */
  items: number;
  /** Current items with a vector of the model. */
  embedded: number;
  /** Current items whose vector is of another model. */
  otherModels: number;
  /** Current items lacking a vector of the model. */
  pending: number;
}

export interface EmbeddingStore {
  store: MemoryStore;
  embeddingBacklog(opts: { model: string; afterId?: number; limit: number; audience?: Audience }): BacklogItem[];
  embeddingCounts(model: string): EmbeddingCounts;
  setEmbeddings(rows: { id: number; vector: number[]; model: string }[]): void;
}

type WithEmbeddings = MemoryStore & Partial<Omit<EmbeddingStore, "store">>;

export function embeddingStore(db: Database, config: Config): EmbeddingStore {
  const store = openMemory(db, config) as WithEmbeddings;
  const own = store.embeddingBacklog && store.embeddingCounts && store.setEmbeddings;
  if (own) {
    return {
      store,
      embeddingBacklog: (o) => store.embeddingBacklog!(o),
      embeddingCounts: (m) => store.embeddingCounts!(m),
      setEmbeddings: (rows) => store.setEmbeddings!(rows),
    };
  }
  return {
    store,
    embeddingBacklog(o) {
      return db
        .prepare<BacklogItem>(
          `SELECT m.id, m.content FROM memory_items m LEFT JOIN memory_embeddings e ON e.item_id = m.id AND e.model = ?
           WHERE m.superseded_by IS NULL AND e.item_id IS NULL AND m.id > ?${o.audience === "cloud" ? " AND m.visibility = 'shareable'" : ""}
           ORDER BY m.id LIMIT ?`,
        )
        .all(o.model, o.afterId ?? 0, o.limit);
    },
    embeddingCounts(model) {
      const r = db
        .prepare<{ items: number; embedded: number | null; other: number | null }>(
          `SELECT count(*) AS items, sum(e.model = ?) AS embedded, sum(e.model <> ?) AS other
           FROM memory_items m LEFT JOIN memory_embeddings e ON e.item_id = m.id WHERE m.superseded_by IS NULL`,
        )
        .get(model, model)!;
      const embedded = r.embedded ?? 0;
      return { items: r.items, embedded, otherModels: r.other ?? 0, pending: r.items - embedded };
    },
    setEmbeddings(rows) {
      db.transaction(() => {
        for (const r of rows) store.setEmbedding(r.id, r.vector, r.model);
      });
    },
  };
}
