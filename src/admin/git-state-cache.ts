/**
 * `pai status`'s comparison of the install with its upstream, kept between runs. git answers from the refs
 * alone (no network), so its answer stands while those files are unchanged: the key is the stamp (fileStamp:
 * device, inode, size, times to the nanosecond, mode) of HEAD, the config, packed-refs, the branch's ref and its
 * upstream's. git writes a ref through a lock file renamed over it, so a new commit or a fetch always gives a new
 * key. A checkout whose layout this does not read (a worktree's .git file, a detached HEAD without an upstream) is
 * never cached.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileStamp } from "../kernel/fs.ts";

/** The key of the refs `git rev-list HEAD...@{u}` reads, or undefined when it cannot be told from the files. */
export function refsKey(installDir: string): string | undefined {
  const git = join(installDir, ".git");
  try {
    if (!statSync(git).isDirectory()) return undefined;
    const head = /^ref: refs\/heads\/(.+)\n?$/.exec(readFileSync(join(git, "HEAD"), "utf8"));
    if (!head) return undefined;
    const branch = head[1]!;
    const config = readFileSync(join(git, "config"), "utf8");
    const section = new RegExp(`\\[branch "${branch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\]([^[]*)`).exec(config)?.[1] ?? "";
    const remote = /^\s*remote\s*=\s*(\S+)/m.exec(section)?.[1];
    const merge = /^\s*merge\s*=\s*refs\/heads\/(\S+)/m.exec(section)?.[1];
    const files = ["HEAD", "config", "packed-refs", `refs/heads/${branch}`];
    if (remote && merge) files.push(remote === "." ? `refs/heads/${merge}` : `refs/remotes/${remote}/${merge}`);
    // A file that is not there (packed-refs before the first pack) is part of the key as "-".
    return files.map((f) => fileStamp(join(git, f)) ?? "-").join("|");
  } catch {
    return undefined;
  }
}

/** The answer kept for this key, if any. */
export function cachedState<T>(file: string, key: string | undefined): T | undefined {
  if (!key) return undefined;
  try {
    const kept = JSON.parse(readFileSync(file, "utf8")) as { key: string; state: T };
    return kept.key === key ? kept.state : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps an answer for its key (best effort: a home that cannot be written to just asks git again). */
export function keepState(file: string, key: string | undefined, state: unknown): void {
  if (!key) return;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ key, state }), { mode: 0o600 });
  } catch {
    // not kept
  }
}
