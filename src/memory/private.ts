import type { Database } from "../kernel/storage/index.ts";

/** The content of every memory that is not shareable: what must never reach a cloud model, even quoted. */
export function privateContents(db: Database): string[] {
  return db
    .prepare<{ content: string }>("SELECT content FROM memory_items WHERE visibility != 'shareable'")
    .all()
    .map((r) => r.content);
}
