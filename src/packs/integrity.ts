/**
 * A pack runs only as it was installed: every file recorded at install is hashed again and compared before
 * any of the pack's files is read to run it (its manifest included). Anything in the folder that was not
 * recorded counts as a change too (an added module, a node_modules/ folder, a symbolic link, a FIFO), and so
 * does a pack folder replaced by a link. The cost is one sha256 pass over the pack per run: about a
 * millisecond for a pack of a few dozen small files.
 */
import { lstatSync } from "node:fs";
import { UserError } from "../kernel/errors.ts";
import type { Paths } from "../kernel/paths.ts";
import { packDir, readLock, verifyPack } from "./store.ts";

/** The refusal for a pack whose files differ from its install record (undefined when intact or not installed). */
export function packChange(name: string, p: Paths): UserError | undefined {
  if (!readLock(name, p)) return undefined;
  const [v] = verifyPack(name, p);
  if (!v || v.ok) return undefined;
  let shown: string;
  let folder: ReturnType<typeof lstatSync> | undefined;
  try {
    folder = lstatSync(packDir(name, p));
  } catch {}
  if (!folder) shown = "its folder is missing";
  else if (!folder.isDirectory()) shown = `its folder is ${folder.isSymbolicLink() ? "a symbolic link" : "not a folder"}`;
  else {
    const changed = [...v.modified, ...v.added.map((f) => `${f} (added)`), ...v.missing.map((f) => `${f} (missing)`)];
    shown = changed.length > 3 ? `${changed.slice(0, 3).join(", ")} and ${changed.length - 3} more` : changed.join(", ");
  }
  return new UserError(`pack ${name} changed since install (${shown})`, {
    hint: `run 'pai pack verify ${name}' to see what changed, 'pai pack update ${name}' to restore it`,
    data: { modified: v.modified, added: v.added, missing: v.missing },
  });
}

/** Throws when the installed pack differs from its install record; an unknown pack is left to the caller. */
export function assertPackIntact(name: string, p: Paths): void {
  const change = packChange(name, p);
  if (change) throw change;
}
