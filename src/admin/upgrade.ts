/**
 * `pai upgrade`: moves the install (src/, system/, packs/ …) forward with git, fast-forward only.
 *
 * It works on the install's own repository (the install directory, or PAI_INSTALL_DIR), never on PAI_HOME.
 * It refuses, with nothing changed, when tracked files outside user/ have local edits, when the history has
 * diverged, when there is no upstream, when the target's tree differs from HEAD's under user/ (or an incoming
 * commit touches it), or when a path the fast-forward would write or delete exists untracked or ignored in the
 * work tree (git silently overwrites ignored files). Nothing is ever stashed, reset or checked out: the only
 * command that changes the tree is `git merge --ff-only <commit>`, run after the checks. Around it, every
 * entry under user/ is hashed and copied aside; anything changed is put back and reported.
 */
import { existsSync, lstatSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SimpleGit } from "simple-git";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
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

export interface UserCheck {
  /** Entries under user/ that the upgrade changed or removed, each put back from the copy taken before. */
  restored: string[];
  /** Entries that appeared under user/ during the upgrade (left in place). */
  added: string[];
}

export interface UpgradeResult extends InstallState {
  status: "up-to-date" | "available" | "upgraded";
  /** user/ hashed before and after the fast-forward (set when upgraded and the install has a user/ folder). */
  user?: UserCheck;
  /** Files the upgrade changed (empty unless upgraded). */
  changed: string[];
  /** What the user should do after the upgrade (e.g. run npm install when dependencies changed). */
  notes: string[];
}

export interface UpgradeOptions {
  /** The install's repository (default: PAI_INSTALL_DIR, else the install directory). */
  dir?: string;
  /** Only fetch and report. */
  check?: boolean;
  /** Fetch from the upstream first (default true). */
  fetch?: boolean;
}

/** The install directory upgrade and doctor work on: PAI_INSTALL_DIR (for tests and odd layouts), else the install. */
export function installRepoDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PAI_INSTALL_DIR?.trim();
  return fromEnv ? resolve(fromEnv) : installDir;
}

const USER_DIR = "user";
/** Pathspec that keeps every working-tree git command away from user/. */
const NOT_USER = [".", `:(exclude)${USER_DIR}`];

async function openRepo(dir: string): Promise<SimpleGit> {
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

function lines(out: string | null): string[] {
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

function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? s).trim().replace(/^(fatal|error):\s*/, "");
}

function few(files: string[], n = 3): string {
  return files.slice(0, n).join(", ") + (files.length > n ? ` and ${files.length - n} more` : "");
}

/** The one-line refusal for a blocker, as an error (exit 1) carrying the state. */
export function refusal(state: InstallState): UserError {
  const b = state.blocker!;
  const dir = state.dir;
  const data: Record<string, unknown> = { state };
  switch (b.reason) {
    case "local-edits":
      if (b.files.every((f) => f === "package-lock.json")) {
        // Not a customisation: npm install rewrites the lock file when its npm formats it differently.
        return new UserError("refusing to upgrade: package-lock.json has local edits (npm install rewrites it); nothing was changed", {
          hint: `undo them with 'git -C ${dir} restore package-lock.json', run 'pai upgrade', then 'npm install'`,
          data,
        });
      }
      return new UserError(`refusing to upgrade: ${b.files.length} tracked file(s) outside user/ have local edits (${few(b.files)}); nothing was changed`, {
        hint: `move your changes to user/overrides/ (it mirrors system/), then undo them with 'git -C ${dir} restore -- <file>' and run 'pai upgrade' again`,
        data,
      });
    case "diverged":
      return new UserError(`refusing to upgrade: the install's history has diverged from ${state.upstream} (${b.ahead} local commit(s), ${b.behind} incoming); nothing was changed`, {
        hint: `'git -C ${dir} log ${state.upstream}..HEAD' shows the local commits; move what you need to user/overrides/, then bring the branch back onto ${state.upstream} yourself`,
        data,
      });
    case "no-upstream":
      return new UserError(
        b.branch
          ? `refusing to upgrade: branch '${b.branch}' of the install has no upstream; nothing was changed`
          : "refusing to upgrade: the install is not on a branch (detached HEAD); nothing was changed",
        {
          hint: b.branch
            ? `set one with 'git -C ${dir} branch --set-upstream-to origin/${b.branch}'`
            : `check out the install's branch with 'git -C ${dir} switch main'`,
          data,
        },
      );
    case "touches-user":
      return new UserError(`refusing to upgrade: incoming commits touch user/ (${few(b.files)}), which belongs to you; nothing was changed`, {
        hint: "report this upstream; 'git -C " + dir + " log HEAD..@{upstream} -- user' shows the commits",
        data,
      });
    case "untracked-in-the-way":
      return new UserError(`refusing to upgrade: untracked or ignored file(s) are where incoming changes would be written (${few(b.files)}); nothing was changed`, {
        hint: "move them out of the way (your own files belong under user/, customisations under user/overrides/), then run 'pai upgrade' again",
        data,
      });
  }
}

/**
 * Fetches, then fast-forwards the install to its upstream. With `check`, only fetches and reports.
 * Throws a UserError (exit 1) when the upgrade is refused, an EnvironmentError (exit 3) when git is missing,
 * the install is not a git checkout, or the fetch fails.
 */
export async function upgrade(opts: UpgradeOptions = {}): Promise<UpgradeResult> {
  const state = await inspectInstall({ dir: opts.dir, fetch: opts.fetch });
  const result: UpgradeResult = { ...state, status: "up-to-date", changed: [], notes: [] };
  if (state.blocker) {
    if (state.blocker.reason === "local-edits" && state.behind === 0) {
      // Nothing to bring in: local edits only matter when there is something to merge.
      result.notes.push(`${state.localEdits.length} tracked file(s) outside user/ have local edits (${few(state.localEdits)}); the next upgrade will refuse until they are moved to user/overrides/`);
      return result;
    }
    throw refusal(state);
  }
  if (state.behind === 0) return result;
  result.status = "available";
  if (opts.check) return result;

  const { simpleGit } = await import("simple-git");
  const git = simpleGit({ baseDir: state.dir });
  // Re-check right before merging: nothing may have changed since the inspection.
  const nowHead = (await git.raw(["rev-parse", "HEAD"])).trim();
  if (nowHead !== state.head) throw new UserError("the install changed while upgrading; nothing was changed", { hint: "run 'pai upgrade' again" });
  // The proof that user/ is left alone: hashed and copied aside before, hashed again after, put back if need be.
  const userDir = join(state.dir, USER_DIR);
  const guard = existsSync(userDir) ? await guardUser(git, userDir) : null;
  try {
    try {
      await git.raw(["merge", "--ff-only", "--no-edit", "--quiet", state.target!]);
    } catch (err) {
      const restored: UserCheck = guard ? guard.check() : { restored: [], added: [] };
      throw new UserError(`git refused the fast-forward (${firstLine((err as Error).message)})`, {
        hint: `'git -C ${state.dir} status' shows why; ${userOutcome(restored)}`,
      });
    }
    if (guard) result.user = guard.check();
  } finally {
    guard?.done();
  }
  result.changed = lines(await git.raw(["diff", "--name-only", "--no-renames", state.head, state.target!]));
  result.status = "upgraded";
  result.head = state.target!;
  if (result.changed.some((f) => f === "package.json" || f === "package-lock.json")) {
    result.notes.push(`dependencies changed: run 'npm install' in ${state.dir}`);
  }
  if (result.user?.restored.length) {
    result.notes.push(`the upgrade changed ${result.user.restored.length} file(s) under user/ (${few(result.user.restored)}); each was put back from the copy taken before`);
  }
  if (result.user?.added.length) {
    result.notes.push(`the upgrade added ${result.user.added.length} file(s) under user/ (${few(result.user.added)}); they were left in place`);
  }
  return result;
}

/** What happened to user/, as one clause of a sentence. */
function userOutcome(u: UserCheck): string {
  if (!u.restored.length && !u.added.length) return `every file under user/ was checked and is unchanged`;
  const parts: string[] = [];
  if (u.restored.length) parts.push(`${u.restored.length} file(s) under user/ were changed and put back (${few(u.restored)})`);
  if (u.added.length) parts.push(`${u.added.length} file(s) appeared under user/ (${few(u.added)})`);
  return parts.join("; ");
}

export function describeUser(u: UserCheck | undefined): string {
  return u ? userOutcome(u) : "there is no user/ folder in the install";
}

/** Hashes and copies user/ (into the repository's git folder, beside the data git keeps, not in a shared /tmp). */
async function guardUser(git: SimpleGit, userDir: string): Promise<{ check(): UserCheck; done(): void }> {
  const { compare, copyTree, restore, snapshot } = await import("./user-guard.ts");
  const gitDir = (await git.raw(["rev-parse", "--absolute-git-dir"])).trim();
  const root = realpathSync(userDir);
  const copy = mkdtempSync(join(gitDir, "pai-upgrade-user-"));
  let keep = false;
  try {
    copyTree(root, join(copy, "user"));
  } catch (err) {
    rmSync(copy, { recursive: true, force: true });
    throw new EnvironmentError(`cannot copy user/ aside before upgrading (${firstLine((err as Error).message)}); nothing was changed`, {
      hint: `free some disk space in ${gitDir}, then run 'pai upgrade' again`,
    });
  }
  // Hashed after the copy, right before the fast-forward; an entry whose copy differs (written meanwhile,
  // by a running daemon say) cannot be put back from it.
  const before = snapshot(root);
  const stale = new Set(compare(before, snapshot(join(copy, "user"))).changed);
  return {
    check() {
      const diff = compare(before, snapshot(root));
      const restored = diff.changed.filter((rel) => before.get(rel)!.kind !== "dir" || !diff.changed.some((c) => c.startsWith(`${rel}/`)));
      const lost = diff.changed.filter((rel) => stale.has(rel) && before.get(rel)!.kind !== "dir");
      try {
        if (lost.length) throw new Error(`no exact copy of ${few(lost)}`);
        if (diff.changed.length) restore(root, join(copy, "user"), before, diff.changed);
      } catch (err) {
        keep = true;
        throw new UserError(`the upgrade changed files under user/ and they could not all be put back (${firstLine((err as Error).message)})`, {
          hint: `the copy taken before the upgrade is in ${join(copy, "user")}; copy what you need from there`,
        });
      }
      return { restored, added: diff.added };
    },
    done() {
      if (!keep) rmSync(copy, { recursive: true, force: true });
    },
  };
}
