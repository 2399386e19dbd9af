/**
 * Where the install stands: its branch and upstream, local edits outside user/, incoming commits, and whether
 * an upgrade would be refused (and why). Read-only: `pai upgrade --check`, 'pai doctor' and the upgrade itself
 * start here. Only a fetch, when asked for, touches the repository.
 */
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SimpleGit } from "simple-git";
import { EnvironmentError } from "../kernel/errors.ts";
import { installDir } from "../kernel/paths.ts";

export interface Commit {
  hash: string;
  subject: string;
}

export type Blocker =
  | { reason: "local-edits"; files: string[] }
  | { reason: "diverged"; ahead: number; behind: number }
  | { reason: "no-upstream"; branch: string | null }
  | { reason: "touches-user"; files: string[] }
  | { reason: "untracked-in-the-way"; files: string[] };

/** Where the install stands against its upstream. */
export interface InstallState {
  dir: string;
  /** Current branch, or null when HEAD is detached. */
  branch: string | null;
  /** The upstream ref (e.g. origin/main), or null. */
  upstream: string | null;
  head: string;
  /** The upstream's commit, when there is an upstream. */
  target: string | null;
  /** Local commits not upstream. */
  ahead: number;
  /** Upstream commits not local: the incoming ones. */
  behind: number;
  incoming: Commit[];
  /** Tracked files outside user/ with local edits (staged or not), as `git status` names them. */
  localEdits: string[];
  /** Whether the upstream was fetched just now (false: as of the last fetch). */
  fetched: boolean;
  /** Why an upgrade would be refused, or null when it can go ahead (or there is nothing to do). */
  blocker: Blocker | null;
}

/** The install directory upgrade and doctor work on: PAI_INSTALL_DIR (for tests and odd layouts), else the install. */
export function installRepoDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PAI_INSTALL_DIR?.trim();
  return fromEnv ? resolve(fromEnv) : installDir;
}

export const USER_DIR = "user";
/** Pathspec that keeps every working-tree git command away from user/. */
const NOT_USER = [".", `:(exclude)${USER_DIR}`];

export async function openRepo(dir: string): Promise<SimpleGit> {
  if (!existsSync(dir)) {
    throw new EnvironmentError(`the install directory ${dir} does not exist`, { hint: "check PAI_INSTALL_DIR, or reinstall pai with git clone" });
  }
  const { simpleGit } = await import("simple-git");
  const git = simpleGit({ baseDir: dir, trimmed: false });
  let installed = false;
  try {
    installed = (await git.version()).installed;
  } catch {
    installed = false;
  }
  if (!installed) {
    throw new EnvironmentError("git is not installed", { hint: "install git (e.g. 'apt-get install git'), then run 'pai upgrade' again" });
  }
  let top = "";
  try {
    top = (await git.raw(["rev-parse", "--show-toplevel"])).trim();
  } catch {
    top = "";
  }
  if (!top || realpathSync(top) !== realpathSync(dir)) {
    throw new EnvironmentError(`the install ${dir} is not a git checkout`, {
      hint: "pai upgrade needs an install made with 'git clone'; reinstall that way, keeping your user/ folder",
    });
  }
  return git;
}

async function tryRaw(git: SimpleGit, args: string[]): Promise<string | null> {
  try {
    return await git.raw(args);
  } catch {
    return null;
  }
}

/** Parses `git status --porcelain=v1 -z`: tracked changes and untracked files. */
function parseStatus(out: string): { tracked: string[]; untracked: string[] } {
  const tracked: string[] = [];
  const untracked: string[] = [];
  const parts = out.split("\0");
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    const file = entry.slice(3);
    if (xy === "??") untracked.push(file);
    else if (xy !== "!!") tracked.push(file);
    if (xy[0] === "R" || xy[0] === "C") i++; // the rename's source follows
  }
  return { tracked, untracked };
}

export function lines(out: string | null): string[] {
  return (out ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
}

/** Looks at the install: branch, upstream, local edits, incoming commits, and whether an upgrade would be refused. */
export async function inspectInstall(opts: { dir?: string; fetch?: boolean } = {}): Promise<InstallState> {
  const dir = opts.dir ? resolve(opts.dir) : installRepoDir();
  const git = await openRepo(dir);
  const head = (await git.raw(["rev-parse", "HEAD"])).trim();
  const branchOut = (await tryRaw(git, ["symbolic-ref", "--quiet", "--short", "HEAD"]))?.trim();
  const branch = branchOut || null;

  const status = parseStatus(await git.raw(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ...NOT_USER]));
  const localEdits = status.tracked;

  const upstream = branch ? (await tryRaw(git, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"]))?.trim() || null : null;
  const base: InstallState = {
    dir,
    branch,
    upstream,
    head,
    target: null,
    ahead: 0,
    behind: 0,
    incoming: [],
    localEdits,
    fetched: false,
    blocker: null,
  };
  if (!upstream || !branch) {
    base.blocker = { reason: "no-upstream", branch };
    return base;
  }

  if (opts.fetch !== false) {
    const remote = (await tryRaw(git, ["config", "--get", `branch.${branch}.remote`]))?.trim() || "origin";
    try {
      await git.raw(["fetch", "--quiet", "--no-tags", remote]);
      base.fetched = true;
    } catch (err) {
      const detail = firstLine((err as Error).message);
      throw new EnvironmentError(`cannot fetch from '${remote}' (${detail})`, {
        hint: "check the network and 'git -C " + dir + " remote -v'; nothing was changed",
      });
    }
  }

  const target = (await git.raw(["rev-parse", "@{upstream}"])).trim();
  base.target = target;
  const counts = (await git.raw(["rev-list", "--left-right", "--count", `HEAD...${target}`])).trim().split(/\s+/);
  base.ahead = Number(counts[0] ?? 0);
  base.behind = Number(counts[1] ?? 0);
  if (base.behind > 0) {
    const log = await git.raw(["log", "--format=%H%x09%s", `HEAD..${target}`]);
    base.incoming = lines(log).map((l) => {
      const tab = l.indexOf("\t");
      return { hash: l.slice(0, tab), subject: l.slice(tab + 1) };
    });
  }

  if (base.ahead > 0 && base.behind > 0) {
    base.blocker = { reason: "diverged", ahead: base.ahead, behind: base.behind };
  } else if (localEdits.length) {
    base.blocker = { reason: "local-edits", files: localEdits };
  } else if (base.behind > 0) {
    // What the fast-forward writes is the difference between the two trees (a merge commit's own resolution
    // included, which `git log --name-only` does not list); each incoming commit, merges against every
    // parent, is looked at too.
    const touching = new Set([
      ...names(await git.raw(["diff", "--name-only", "-z", "--no-renames", "HEAD", target, "--", USER_DIR])),
      ...names(await git.raw(["log", "--format=", "--name-only", "-z", "-m", "--no-renames", `HEAD..${target}`, "--", USER_DIR])),
    ]);
    if (touching.size) base.blocker = { reason: "touches-user", files: [...touching].sort() };
    else {
      const inTheWay = pathsInTheWay(
        dir,
        names(await git.raw(["diff", "--name-only", "-z", "--no-renames", "HEAD", target])),
        new Set(names(await git.raw(["ls-files", "-z"]))),
      );
      if (inTheWay.length) base.blocker = { reason: "untracked-in-the-way", files: inTheWay };
    }
  }
  return base;
}

/** NUL-separated names (`-z`), which git never quotes. */
function names(out: string | null): string[] {
  return (out ?? "").split("\0").map((l) => l.replace(/^\n+/, "")).filter(Boolean);
}

/**
 * Paths the fast-forward would write, replace or delete that exist in the work tree without being tracked:
 * untracked or ignored files (git overwrites ignored ones without a word), folders where a file is coming,
 * and files or links where a folder is coming. Anywhere in the tree, user/ included.
 */
export function pathsInTheWay(dir: string, changed: string[], tracked: Set<string>): string[] {
  const found = new Set<string>();
  for (const file of changed) {
    const parts = file.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join("/");
      let st;
      try {
        st = lstatSync(join(dir, rel));
      } catch {
        break; // absent: nothing below it exists either
      }
      if (i < parts.length) {
        if (st.isDirectory()) continue;
        if (!tracked.has(rel)) found.add(rel); // a file or link where a folder is coming
        break;
      }
      if (!tracked.has(rel)) found.add(rel);
    }
  }
  return [...found].sort();
}


export function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? s).trim().replace(/^(fatal|error):\s*/, "");
}

export function few(files: string[], n = 3): string {
  return files.slice(0, n).join(", ") + (files.length > n ? ` and ${files.length - n} more` : "");
}
