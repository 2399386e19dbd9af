/**
 * `pai status` asks git about the install only when its refs changed: unchanged, the kept answer is used (git
 * is not even on the PATH the second time); a commit or a fetch gives a fresh answer.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getStatus } from "../../src/admin/status.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
  if (r.status !== 0) throw new Error(r.stderr);
}

/** The status's upgrade line, with PATH as given (an empty PATH: git cannot run). */
async function upgrade(home: string, install: string, path: string) {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return (await getStatus({ ...paths(home), install })).upgrade;
  } finally {
    process.env.PATH = saved;
  }
}

describe("status: the upgrade state kept while the refs are unchanged", () => {
  it("answers from the kept state without git, and asks git again after a commit or a fetch", async () => {
    const upstream = tmpDir();
    git(upstream, "init", "-q", "-b", "main");
    writeFileSync(join(upstream, "a"), "1");
    git(upstream, "add", "a");
    git(upstream, "commit", "-qm", "one");
    const clone = tmpDir();
    git(clone, "clone", "-q", upstream, ".");
    const home = initHome(tmpDir());
    const PATH = process.env.PATH!;

    expect(await upgrade(home, clone, PATH)).toMatchObject({ state: "up to date", behind: 0 });
    expect(existsSync(join(home, "user", "run", "upgrade-state.json"))).toBe(true);
    // Unchanged refs: the answer needs no git.
    expect(await upgrade(home, clone, "/nonexistent")).toMatchObject({ state: "up to date", behind: 0 });

    // The upstream moves and is fetched: a new answer.
    writeFileSync(join(upstream, "a"), "2");
    git(upstream, "commit", "-qam", "two");
    git(clone, "fetch", "-q");
    expect(await upgrade(home, clone, PATH)).toMatchObject({ state: "behind", behind: 1, ahead: 0 });
    expect(await upgrade(home, clone, "/nonexistent")).toMatchObject({ state: "behind", behind: 1 });

    // A local commit: a new answer again.
    writeFileSync(join(clone, "b"), "local");
    git(clone, "add", "b");
    git(clone, "commit", "-qm", "local");
    expect(await upgrade(home, clone, PATH)).toMatchObject({ state: "diverged", behind: 1, ahead: 1 });

    // A failure is not kept: without git and with changed refs, it says so, and asks git the next time.
    git(clone, "checkout", "-q", "-b", "loose");
    expect((await upgrade(home, clone, "/nonexistent")).detail).toContain("git is not installed");
    expect((await upgrade(home, clone, PATH)).state).toBe("no upstream");
  });
});
