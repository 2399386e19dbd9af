import type { Database } from "../../kernel/storage/index.ts";
import type { MemoryStore } from "../types.ts";

/** What publishing and applying work with: the database, the store, this device and the folder, the sync key. */
export interface SyncCtx {
  db: Database;
  store: MemoryStore;
  folder: string;
  device: string;
  key: Buffer;
  now: () => Date;
  /** Forgets items by local id (the caller's forget, which also blanks the copies other concerns hold). */
  forget: (ids: number[]) => void | Promise<void>;
}

/** A line of another device's file that was skipped: it did not parse, or its sealed part did not open. */
export interface SkippedLine {
  device: string;
  file: string;
  offset: number;
  reason: string;
}

export interface ApplyReport {
  applied: number;
  duplicates: number;
  conflicts: number;
  forgotten: number;
  skipped: SkippedLine[];
  /** Operations left for a later sync because what they need (an item's key, the item) has not arrived yet. */
  waiting: number;
}
