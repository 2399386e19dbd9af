/**
 * The files of a pack folder: what may be copied and hashed at install (plain files and folders only), and
 * what an installed folder holds now, for comparing with its install record.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import { fileKind } from "../kernel/fs.ts";

/** Names never copied from a pack's source. */
export const SKIP = new Set([".git", "node_modules", ".DS_Store"]);

/**
 * Every file of a pack folder (relative, sorted), skipping .git and node_modules. Refuses symbolic links and
 * anything that is neither a plain file nor a folder (a FIFO, a socket, a device): reading one could block
 * or read what is not the pack's. Called before any file of the pack is read.
 */
export function packFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const full = join(d, e.name);
      if (e.isSymbolicLink()) {
        throw new UserError(`${relative(dir, full)} in ${dir} is a symbolic link; packs may hold only plain files and folders`, {
          hint: "replace the link with the file it points to",
        });
      }
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join("/"));
      else {
        throw new EnvironmentError(`${relative(dir, full)} in ${dir} is ${fileKind(lstatSync(full))}, not a plain file; packs may hold only plain files and folders`, {
          hint: "remove it from the pack folder and run the command again",
          data: { path: full },
        });
      }
    }
  };
  walk(dir);
  return out.sort();
}

export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of packFiles(dir)) out[f] = createHash("sha256").update(readFileSync(join(dir, f))).digest("hex");
  return out;
}

/**
 * What an installed pack folder holds now, for comparing with its install record: every entry, with nothing
 * skipped (a node_modules/ or .git/ added since install counts), each regular file by its sha256, a symbolic
 * link by where it points (never followed) and anything else (a FIFO, a device) by its kind (never read).
 * Hashing is the cost of a run's check: about a millisecond for a pack of a few dozen small files.
 */
export function installedFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (e.isSymbolicLink()) out[rel] = `symlink:${readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full);
      else if (e.isFile()) out[rel] = hashRegular(full) ?? `changed:${rel}`;
      else out[rel] = `kind:${fileKind(lstatSync(full))}`;
    }
  };
  walk(dir);
  return out;
}

/** The sha256 of a regular file, opened without following a link or blocking (undefined when it is not one). */
function hashRegular(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    return createHash("sha256").update(readFileSync(fd)).digest("hex");
  } finally {
    closeSync(fd);
  }
}
