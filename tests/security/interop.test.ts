/**
 * Where pai meets files it does not own: `pai upgrade` never replaces a file under user/ (or any untracked or
 * ignored file) and proves it afterwards.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { commit, git, head, makeInstall, richUser, write } from "../upgrade/repo.ts";

/** Every file under a folder with its exact bytes (hex), for byte-for-byte comparisons. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out[r] = readFileSync(join(d, e.name)).toString("hex");
    }
  };
  walk(dir, "");
  return out;
}

function installWithUser() {
  const root = tmpDir("pai-interop-");
  const { upstream, install } = makeInstall(root);
  richUser(install);
  return { root, upstream, install, env: { PAI_INSTALL_DIR: install } };
}

describe("pai upgrade: nothing under user/, nor any untracked or ignored file, is replaced", () => {
  it("refuses a merge commit whose own resolution adds user/telos/goals.md, and the user's goals stay", () => {
    const { upstream, install, env } = installWithUser();
    // A side branch and main diverge; the merge's resolution (not any of its parents) adds user/telos/goals.md.
    git(upstream, "checkout", "-q", "-b", "side");
    commit(upstream, "Side work", { "system/prompts/side.md": "side\n" });
    git(upstream, "checkout", "-q", "main");
    commit(upstream, "Main work", { "system/prompts/main.md": "main\n" });
    git(upstream, "merge", "-q", "--no-ff", "--no-commit", "side");
    write(upstream, "user/telos/goals.md", "---\ntitle: Goals\n---\n- G1: replaced by upstream\n");
    git(upstream, "add", "-f", "user/telos/goals.md");
    git(upstream, "commit", "-q", "-m", "Merge side");
    // The merge commit itself lists no file: the old check looked only at this.
    expect(git(upstream, "log", "-1", "--format=", "--name-only").trim()).toBe("");

    const goals = readFileSync(join(install, "user/telos/goals.md"));
    const userBefore = contents(join(install, "user"));
    const before = head(install);
    const r = pai(["upgrade"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: refusing to upgrade: incoming commits touch user\/ \(user\/telos\/goals\.md\).*nothing was changed — /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).not.toMatch(/not touched/);
    expect(head(install)).toBe(before);
    expect(readFileSync(join(install, "user/telos/goals.md")).equals(goals)).toBe(true);
    expect(contents(join(install, "user"))).toEqual(userBefore);
    expect(existsSync(join(install, "system/prompts/main.md"))).toBe(false);
  });

  it("refuses when an incoming path exists as an ignored file anywhere in the tree, before writing anything", () => {
    const { upstream, install, env } = installWithUser();
    commit(upstream, "Ignore local files", { ".gitignore": "*.local\nbuild/\n" });
    git(install, "pull", "-q", "--ff-only");
    // The user's ignored files: one where upstream adds a file, one where upstream adds a folder.
    write(install, "system/prompts/mine.local", "my own prompt\n");
    write(install, "build/out.txt", "my build\n");
    write(upstream, "system/prompts/mine.local", "upstream's\n");
    write(upstream, "build", "now a file\n");
    git(upstream, "add", "-f", "system/prompts/mine.local", "build");
    git(upstream, "commit", "-q", "-m", "Ship a .local file and a build file");
    const before = head(install);

    const r = pai(["upgrade", "--json"], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).blocker).toEqual({ reason: "untracked-in-the-way", files: ["build", "system/prompts/mine.local"] });
    expect(r.stderr).toMatch(/^pai: refusing to upgrade: untracked or ignored file\(s\) are where incoming changes would be written \(build, system\/prompts\/mine\.local\)/);
    expect(head(install)).toBe(before);
    expect(readFileSync(join(install, "system/prompts/mine.local"), "utf8")).toBe("my own prompt\n");
    expect(readFileSync(join(install, "build/out.txt"), "utf8")).toBe("my build\n");
  });

  it("hashes user/ before and after: a file changed or removed during the fast-forward is put back and reported", () => {
    const { upstream, install, env } = installWithUser();
    commit(upstream, "Better answer prompt", { "system/prompts/answer.md": "Answer well, and briefly.\n" });
    // Something that runs inside the fast-forward (here a post-merge hook) writes under user/.
    const hook = join(install, ".git", "hooks", "post-merge");
    write(install, ".git/hooks/post-merge", "#!/bin/sh\nprintf 'overwritten\\n' > user/telos/goals.md\nrm user/preferences.md\nprintf 'new\\n' > user/hook-note.md\n");
    chmodSync(hook, 0o755);
    const userBefore = contents(join(install, "user"));

    const r = pai(["upgrade"], { env });
    expect(r.stderr).toMatch(/changed 2 file\(s\) under user\/ \(preferences\.md, telos\/goals\.md\); each was put back/);
    expect(r.stdout).toMatch(/2 file\(s\) under user\/ were changed and put back \(preferences\.md, telos\/goals\.md\)/);
    expect(r.stdout).not.toMatch(/unchanged/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(install, "system/prompts/answer.md"), "utf8")).toBe("Answer well, and briefly.\n");
    const after = contents(join(install, "user"));
    // The new file is reported and left; every file that was there has its exact bytes again.
    expect(after["hook-note.md"]).toBe(Buffer.from("new\n").toString("hex"));
    delete after["hook-note.md"];
    expect(after).toEqual(userBefore);
    // The copy taken first is gone once everything was put back.
    expect(readdirSync(join(install, ".git")).filter((f) => f.startsWith("pai-upgrade-user-"))).toEqual([]);
    rmSync(hook);
  });

  it("says user/ was checked file by file when nothing changed", () => {
    const { upstream, install, env } = installWithUser();
    commit(upstream, "Better answer prompt", { "system/prompts/answer.md": "Answer well, and briefly.\n" });
    const userBefore = contents(join(install, "user"));
    const r = pai(["upgrade", "--json"], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).user).toEqual({ restored: [], added: [] });
    expect(contents(join(install, "user"))).toEqual(userBefore);
  });
});
