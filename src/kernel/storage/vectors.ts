/**
 * sqlite-vec, loaded into a connection only when vectors are written or searched (never on a plain open: a
 * command that touches no vector does not pay for it). Where the platform has no sqlite-vec binary, or the
 * SQLite build refuses extensions, or `PAI_SQLITE_VEC=off` is set, the answer says why and callers fall back
 * to their own code; nothing in a database ever needs the extension to be opened, checked or changed.
 */
import { createRequire } from "node:module";
import type { Driver } from "./types.ts";

export type VectorSupport = { available: true } | { available: false; reason: string };

const loaded = new WeakMap<Driver, VectorSupport>();
let libraryPath: string | { error: string } | undefined;

/** The path of sqlite-vec's shared library for this platform, or why there is none. */
function sqliteVecPath(): string | { error: string } {
  if (libraryPath === undefined) {
    try {
      const mod = createRequire(import.meta.url)("sqlite-vec") as { getLoadablePath(): string };
      libraryPath = mod.getLoadablePath();
    } catch (err) {
      libraryPath = { error: `no sqlite-vec library for ${process.platform}-${process.arch} (${firstLine(err)})` };
    }
  }
  return libraryPath;
}

function firstLine(err: unknown): string {
  return String((err as Error | null)?.message ?? err).split("\n", 1)[0]!;
}

/**
 * Loads sqlite-vec into `db` once (later calls answer from memory). `env.PAI_SQLITE_VEC=off` makes it
 * unavailable on purpose.
 */
export function vectorSupport(db: Driver, env: NodeJS.ProcessEnv = process.env): VectorSupport {
  const known = loaded.get(db);
  if (known) return known;
  let out: VectorSupport;
  if (/^(off|0|false|no)$/i.test(env.PAI_SQLITE_VEC ?? "")) out = { available: false, reason: "PAI_SQLITE_VEC is off" };
  else {
    const path = sqliteVecPath();
    if (typeof path !== "string") out = { available: false, reason: path.error };
    else {
      try {
        db.loadExtension(path);
        db.prepare("SELECT vec_version() AS v").get();
        out = { available: true };
      } catch (err) {
        out = { available: false, reason: `sqlite-vec did not load (${firstLine(err)})` };
      }
    }
  }
  loaded.set(db, out);
  return out;
}
