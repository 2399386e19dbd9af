/** Sync's small state (sync_state): this device's id, the folder, the Lamport clock, the current file, counters. */
import type { Database } from "../../kernel/storage/index.ts";

export function getState(db: Database, key: string): string | undefined {
  return db.prepare<{ value: string }>("SELECT value FROM sync_state WHERE key = ?").get(key)?.value;
}

export function setState(db: Database, key: string, value: string | number): void {
  db.prepare("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, String(value));
}

export const numState = (db: Database, key: string): number => Number(getState(db, key) ?? 0) || 0;

export function addState(db: Database, key: string, n: number): void {
  if (n) setState(db, key, numState(db, key) + n);
}
