/** Where a pack comes from: a name in the built-in catalogue, a folder, or a git URL (cloned with nothing run). */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { UserError } from "../kernel/errors.ts";
import type { Paths } from "../kernel/paths.ts";
import { closest } from "../kernel/text.ts";
import { listAvailable, type PackSource } from "./store.ts";

export function isGitUrl(spec: string): boolean {
  return /^(https?|git|ssh|file):\/\//.test(spec) || /^[\w.-]+@[\w.-]+:/.test(spec) || /\.git(#.*)?$/.test(spec);
}

function looksLikePath(spec: string): boolean {
  return spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("~") || spec.includes("/") || spec.includes(sep);
}

export function resolveSource(spec: string, p: Paths): PackSource {
  if (isGitUrl(spec)) {
    const [location, ref] = spec.split("#") as [string, string | undefined];
    return { type: "git", location, ref: ref || undefined };
  }
  if (looksLikePath(spec)) {
    const full = resolve(spec.startsWith("~") ? spec.replace(/^~/, process.env.HOME ?? "") : spec);
    if (!existsSync(full)) throw new UserError(`no folder at ${full}`, { hint: "give the path of a pack folder, a git URL, or a name from 'pai pack list --available'" });
    return { type: "path", location: full };
  }
  if (!existsSync(join(p.builtinPacks, spec))) {
    const names = listAvailable(p).map((a) => a.name);
    const guess = closest(spec, names);
    throw new UserError(`no pack named '${spec}' in the catalogue${guess ? ` (did you mean '${guess}'?)` : ""}`, {
      hint: `available: ${names.join(", ") || "none"}; or give a folder path or a git URL`,
    });
  }
  return { type: "builtin", location: spec };
}

/** Fetches a source into a folder (a temp clone for git), returning the folder and the commit. */
export async function fetchSource(source: PackSource, p: Paths): Promise<{ dir: string; commit?: string; cleanup: () => void }> {
  if (source.type === "builtin") return { dir: join(p.builtinPacks, source.location), cleanup: () => {} };
  if (source.type === "path") return { dir: source.location, cleanup: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), "pai-pack-clone-"));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  try {
    const { simpleGit } = await import("simple-git");
    const dir = join(tmp, "src");
    if (source.ref?.startsWith("-")) throw new Error(`'${source.ref}' is not a branch, tag or commit`);
    // Nothing from the repository (or the user's git config) runs during the install: no hook (post-checkout
    // would run on clone and checkout), no submodule fetched, no fsmonitor program.
    const safe = (baseDir?: string) =>
      simpleGit({
        ...(baseDir ? { baseDir } : {}),
        config: ["core.hooksPath=/dev/null", "submodule.recurse=false", "core.fsmonitor=false"],
        allowConfig: ["core.hooksPath", "submodule.recurse", "core.fsmonitor"],
        unsafe: { allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true },
      });
    await safe().clone(source.location, dir, [...(source.ref ? [] : ["--depth", "1"]), "--no-recurse-submodules"]);
    const git = safe(dir);
    if (source.ref) await git.checkout(source.ref);
    const commit = (await git.revparse(["HEAD"])).trim();
    return { dir, commit, cleanup };
  } catch (err) {
    cleanup();
    const msg = (err as Error).message.split("\n").find((l) => l.trim()) ?? String(err);
    throw new UserError(`could not clone ${source.location}${source.ref ? `#${source.ref}` : ""}: ${msg.trim()}`, {
      hint: "check the URL (and the branch, tag or commit after #) and that git can reach it",
    });
  }
}
