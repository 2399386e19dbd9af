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
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SimpleGit } from "simple-git";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import { USER_DIR, few, firstLine, inspectInstall, lines, type InstallState } from "./install-state.ts";
import { compare, copyTree, restore, snapshot } from "./user-guard.ts";

export { inspectInstall, installRepoDir, pathsInTheWay, type Blocker, type Commit, type InstallState } from "./install-state.ts";

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
