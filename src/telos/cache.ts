/**
 * The Telos parsed once per process: each file's parse is kept with the identity of the file it came from
 * (inode, size, modification and change times in nanoseconds), and reused while a stat of the file still
 * gives the same. A long-lived process (the daemon, the MCP server, chat) then reads eleven stats per load
 * instead of eleven files, and still sees an edit at once: an editor that replaces the file changes the inode,
 * and any write in place changes the change time (which no program can set back), even within the same second
 * and at the same size. A file that cannot be stat'ed (missing, unreadable) is never cached.
 */
import { fileStamp } from "../kernel/fs.ts";
import type { Paths, TelosFile } from "../kernel/paths.ts";
import { loadTelosFile, telosPath } from "./file.ts";

type Loaded = ReturnType<typeof loadTelosFile>;

const files = new Map<string, { stamp: string; loaded: Loaded }>();

/**
 * One Telos file, parsed, from the cache when the file is the one parsed before; `fresh` is false then.
 * Keyed by PAI_HOME and file (problems name files relative to PAI_HOME).
 */
export function loadTelosFileCached(name: TelosFile | "preferences", p: Paths): { loaded: Loaded; fresh: boolean } {
  const path = telosPath(name, p);
  const key = `${p.home}\0${path}`;
  const stamp = fileStamp(path);
  const hit = files.get(key);
  if (stamp !== undefined && hit?.stamp === stamp) return { loaded: hit.loaded, fresh: false };
  const loaded = loadTelosFile(name, p);
  // Stamped before reading: a write during the read changes the file's stamp, so the next load reads again.
  if (stamp !== undefined) files.set(key, { stamp, loaded });
  else files.delete(key);
  return { loaded, fresh: true };
}
