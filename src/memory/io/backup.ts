/** A consistent copy of the whole database, taken while pai may be running. */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import type { Database } from "../../kernel/storage/index.ts";

/** `pai memory backup [PATH]`: a consistent online copy through VACUUM INTO. Never overwrites a file. */
export function backupDatabase(db: Database, target: string): { path: string; bytes: number } {
  const path = resolve(target);
  if (existsSync(path)) throw new UserError(`${target} already exists`, { hint: "choose a new path; a backup never overwrites a file" });
  mkdirSync(dirname(path), { recursive: true });
  db.prepare("VACUUM INTO ?").run(path);
  return { path, bytes: statSync(path).size };
}

export function defaultBackupPath(userDir: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return resolve(userDir, "backups", `pai-${stamp}.db`);
}
