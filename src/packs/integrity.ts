/**
 * A pack runs only as it was installed: every file recorded at install is hashed again and compared before
 * any of the pack's files is read to run it (its manifest included), and a file added to the folder since
 * counts as a change. Hashing a small pack costs well under a millisecond per file.
 */
import { UserError } from "../errors.ts";
import type { Paths } from "../paths.ts";
import { readLock, verifyPack } from "./store.ts";

/** Throws when the installed pack differs from its install record; an unknown pack is left to the caller. */
export function assertPackIntact(name: string, p: Paths): void {
  if (!readLock(name, p)) return;
  const [v] = verifyPack(name, p);
  if (!v || v.ok) return;
  const changed = [...v.modified, ...v.added.map((f) => `${f} (added)`), ...v.missing.map((f) => `${f} (missing)`)];
  const shown = changed.length > 3 ? `${changed.slice(0, 3).join(", ")} and ${changed.length - 3} more` : changed.join(", ");
  throw new UserError(`pack ${name} changed since install (${shown}); nothing of it was run`, {
    hint: `run 'pai pack verify ${name}' to see what changed, 'pai pack update ${name}' to restore it`,
    data: { modified: v.modified, added: v.added, missing: v.missing },
  });
}
