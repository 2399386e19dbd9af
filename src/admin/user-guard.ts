/**
 * The proof that an upgrade left user/ alone: every entry under user/ is hashed (and copied aside) before the
 * fast-forward and hashed again after it; an entry that was changed or removed is put back from the copy.
 *
 * Links are recorded as links (their target text), never followed; sockets and FIFOs only by their kind.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { dirname, join } from "node:path";

export interface Entry {
  kind: "dir" | "file" | "link" | "other";
  mode: number;
  /** Content hash of a file, target of a link. */
  digest: string;
}

export type Snapshot = Map<string, Entry>;

function hashFile(path: string): string {
  const h = createHash("sha256");
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/** Every entry under `root` (relative paths, '/'-separated) with its kind, mode and content hash. */
export function snapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(full);
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        out.set(r, { kind: "dir", mode, digest: "" });
        walk(full, r);
      } else if (st.isFile()) out.set(r, { kind: "file", mode, digest: hashFile(full) });
      else if (st.isSymbolicLink()) out.set(r, { kind: "link", mode: 0, digest: readlinkSync(full) });
      else out.set(r, { kind: "other", mode: 0, digest: "" });
    }
  };
  walk(root, "");
  return out;
}

/** Copies `src` to `dest` (which must not exist): folders, files (mode and times kept) and links as links. */
export function copyTree(src: string, dest: string): void {
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(dest, name);
    const st = lstatSync(from);
    if (st.isDirectory()) {
      copyTree(from, to);
      chmodSync(to, st.mode & 0o7777);
    } else if (st.isFile()) {
      copyFileSync(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      chmodSync(to, st.mode & 0o7777);
      utimesSync(to, st.atime, st.mtime);
    } else if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  }
}

function same(a: Entry | undefined, b: Entry | undefined): boolean {
  return !!a && !!b && a.kind === b.kind && a.digest === b.digest && (a.kind === "link" || a.mode === b.mode);
}

export interface Difference {
  /** Entries that were there before and were changed or removed (folders only when removed or retyped). */
  changed: string[];
  /** Entries that were not there before. */
  added: string[];
}

export function compare(before: Snapshot, after: Snapshot): Difference {
  const changed: string[] = [];
  const added: string[] = [];
  for (const [rel, b] of before) {
    const a = after.get(rel);
    if (b.kind === "dir" ? a?.kind !== "dir" : !same(b, a)) changed.push(rel);
  }
  for (const rel of after.keys()) if (!before.has(rel)) added.push(rel);
  return { changed, added };
}

/**
 * Puts each changed entry back from the copy: whatever is now at its place (or at a parent turned into a file)
 * is replaced by what was there. Entries added since are left alone (they were not the user's to lose).
 */
export function restore(root: string, copy: string, before: Snapshot, changed: string[]): void {
  for (const rel of changed) {
    const b = before.get(rel)!;
    const at = join(root, rel);
    // A parent that is no longer a folder is put back first (it is in `changed` too, earlier in order).
    if (b.kind === "dir") {
      let st;
      try {
        st = lstatSync(at);
      } catch {}
      if (st && !st.isDirectory()) rmSync(at, { force: true });
      mkdirSync(at, { recursive: true });
      chmodSync(at, b.mode);
      continue;
    }
    if (b.kind === "other") continue;
    rmSync(at, { recursive: true, force: true });
    mkdirSync(dirname(at), { recursive: true });
    const from = join(copy, rel);
    if (b.kind === "link") symlinkSync(b.digest, at);
    else {
      const st = lstatSync(from);
      copyFileSync(from, at, constants.COPYFILE_EXCL);
      chmodSync(at, b.mode);
      utimesSync(at, st.atime, st.mtime);
    }
  }
}
