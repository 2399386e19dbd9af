import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectInstall, upgrade } from "../../src/admin/upgrade.ts";
import { EnvironmentError, UserError } from "../../src/kernel/errors.ts";
import { ROOT, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { BUN, commit, git, head, makeInstall, richUser, treeHash, write } from "./repo.ts";


function setup() {
  const root = tmpDir("pai-upgrade-");
  const { upstream, install } = makeInstall(root);
  richUser(install);
  return { root, upstream, install };
}

/** Two new commits upstream, to system/ and src/. */
function newUpstreamCommits(upstream: string): string {
  commit(upstream, "Better answer prompt", { "system/prompts/answer.md": "Answer well, and briefly.\n" });
  return commit(upstream, "Add a summary prompt; faster start-up", {
    "system/prompts/summary.md": "Summarise.\n",
    "src/cli/main.ts": "export const fast = true;\n",
  });
}

async function refusedWith(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe("pai upgrade", () => {
  it("fast-forwards to the upstream and leaves every byte of user/ as it was", async () => {
    const { upstream, install } = setup();
    const target = newUpstreamCommits(upstream);
    const before = treeHash(join(install, "user"));

    const r = await upgrade({ dir: install });
    expect(r.status).toBe("upgraded");
    expect(r.incoming.map((c) => c.subject)).toEqual(["Add a summary prompt; faster start-up", "Better answer prompt"]);
    expect(r.incoming[0]!.hash).toBe(target);
    expect(head(install)).toBe(target);
    expect(readFileSync(join(install, "system/prompts/answer.md"), "utf8")).toBe("Answer well, and briefly.\n");
    expect(existsSync(join(install, "system/prompts/summary.md"))).toBe(true);
    expect(r.changed.sort()).toEqual(["src/cli/main.ts", "system/prompts/answer.md", "system/prompts/summary.md"]);
    expect(treeHash(join(install, "user"))).toBe(before);
    // The user's edited (tracked) README under user/ is still theirs.
    expect(readFileSync(join(install, "user/README.md"), "utf8")).toContain("My notes");

    const again = await upgrade({ dir: install });
    expect(again.status).toBe("up-to-date");
    expect(again.incoming).toEqual([]);
  });

  it("notes when dependencies changed", async () => {
    const { upstream, install } = setup();
    commit(upstream, "Bump dependencies", { "package.json": '{ "name": "pai", "version": "0.2.0" }\n' });
    const r = await upgrade({ dir: install });
    expect(r.status).toBe("upgraded");
    expect(r.notes.join("\n")).toMatch(/npm install/);
  });

  it("--check fetches and reports, changing nothing", async () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    const before = head(install);
    const userBefore = treeHash(join(install, "user"));
    const systemBefore = treeHash(join(install, "system"));
    const r = await upgrade({ dir: install, check: true });
    expect(r.status).toBe("available");
    expect(r.fetched).toBe(true);
    expect(r.behind).toBe(2);
    expect(head(install)).toBe(before);
    expect(treeHash(join(install, "system"))).toBe(systemBefore);
    expect(treeHash(join(install, "user"))).toBe(userBefore);
  });

  it("refuses local edits to system/ and changes nothing", async () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    write(install, "system/prompts/answer.md", "I edited the system prompt.\n");
    const before = head(install);
    const userBefore = treeHash(join(install, "user"));
    const err = await refusedWith(upgrade({ dir: install }));
    expect(err.message).toMatch(/local edits.*system\/prompts\/answer\.md/);
    expect(err.hint).toMatch(/user\/overrides/);
    expect(head(install)).toBe(before);
    expect(readFileSync(join(install, "system/prompts/answer.md"), "utf8")).toBe("I edited the system prompt.\n");
    expect(existsSync(join(install, "system/prompts/summary.md"))).toBe(false);
    expect(treeHash(join(install, "user"))).toBe(userBefore);
    // Nothing was stashed either.
    expect(git(install, "stash", "list")).toBe("");
  });

  it("counts staged edits and deletions as local edits", async () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    write(install, "src/cli/main.ts", "export const mine = 1;\n");
    git(install, "add", "src/cli/main.ts");
    git(install, "rm", "-q", "package.json");
    const err = await refusedWith(upgrade({ dir: install }));
    expect(err.message).toMatch(/2 tracked file\(s\)/);
    expect(existsSync(join(install, "package.json"))).toBe(false);
  });

  it("a lock file rewritten by npm install is refused too, with the way out", async () => {
    const { upstream, install } = setup();
    commit(upstream, "Lock file", { "package-lock.json": '{ "lockfileVersion": 3 }\n' });
    git(install, "pull", "-q", "--ff-only");
    newUpstreamCommits(upstream);
    write(install, "package-lock.json", '{ "lockfileVersion": 3, "rewritten": true }\n');
    const err = await refusedWith(upgrade({ dir: install }));
    expect(err.message).toMatch(/package-lock\.json has local edits/);
    expect(err.hint).toMatch(/restore package-lock\.json/);
  });

  it("refuses a diverged history and changes nothing", async () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    const local = commit(install, "My own change to system", { "system/prompts/mine.md": "mine\n" });
    const err = await refusedWith(upgrade({ dir: install }));
    expect(err.message).toMatch(/diverged.*1 local commit\(s\), 2 incoming/);
    expect(head(install)).toBe(local);
    await expect(upgrade({ dir: install, check: true })).rejects.toThrow(/diverged/);
  });

  it("is up to date (not diverged) with local commits and nothing incoming", async () => {
    const { install } = setup();
    commit(install, "Local only", { "system/prompts/mine.md": "mine\n" });
    const r = await upgrade({ dir: install });
    expect(r.status).toBe("up-to-date");
    expect(r.ahead).toBe(1);
  });

  it("refuses incoming commits that touch user/", async () => {
    const { upstream, install } = setup();
    commit(upstream, "Upstream edits user/README.md", { "user/README.md": "# changed upstream\n", "system/x.md": "x\n" });
    const before = head(install);
    const userBefore = treeHash(join(install, "user"));
    const err = await refusedWith(upgrade({ dir: install }));
    expect(err.message).toMatch(/incoming commits touch user\/ \(user\/README\.md\)/);
    expect(head(install)).toBe(before);
    expect(existsSync(join(install, "system/x.md"))).toBe(false);
    expect(treeHash(join(install, "user"))).toBe(userBefore);
  });

  it("refuses when there is no upstream, or HEAD is detached", async () => {
    const { install } = setup();
    git(install, "branch", "--unset-upstream");
    await expect(upgrade({ dir: install })).rejects.toThrow(/branch 'main' of the install has no upstream/);
    git(install, "checkout", "-q", "--detach");
    await expect(upgrade({ dir: install })).rejects.toThrow(/detached HEAD/);
  });

  it("refuses when an untracked file would be overwritten", async () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    write(install, "system/prompts/summary.md", "my own summary prompt\n");
    const err = await refusedWith(upgrade({ dir: install }));
    expect(err.message).toMatch(/untracked.*system\/prompts\/summary\.md/);
    expect(readFileSync(join(install, "system/prompts/summary.md"), "utf8")).toBe("my own summary prompt\n");
  });

  it("is an environment error outside a git checkout, or when the fetch fails", async () => {
    const dir = tmpDir();
    await expect(upgrade({ dir })).rejects.toBeInstanceOf(EnvironmentError);
    const { upstream, install } = setup();
    git(install, "remote", "set-url", "origin", join(upstream, "gone"));
    const err = await upgrade({ dir: install }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/cannot fetch from 'origin'/);
  });

  it("inspectInstall without fetching reports the last fetched state", async () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    const offline = await inspectInstall({ dir: install, fetch: false });
    expect(offline.behind).toBe(0);
    expect(offline.fetched).toBe(false);
    git(install, "fetch", "-q");
    const after = await inspectInstall({ dir: install, fetch: false });
    expect(after.behind).toBe(2);
    expect(after.blocker).toBeNull();
  });
});

describe("pai upgrade (CLI)", () => {
  it("--check --json reports incoming commits; then upgrade applies them", () => {
    const { upstream, install } = setup();
    const target = newUpstreamCommits(upstream);
    const before = head(install);
    const userBefore = treeHash(join(install, "user"));
    const env = { PAI_INSTALL_DIR: install };

    const check = pai(["upgrade", "--check", "--json"], { env });
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    const out = JSON.parse(check.stdout);
    expect(out.status).toBe("available");
    expect(out.incoming).toHaveLength(2);
    expect(head(install)).toBe(before);

    const r = pai(["upgrade"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 incoming commit\(s\) from origin\/main/);
    expect(r.stdout).toContain("Better answer prompt");
    expect(r.stdout).toMatch(/every file under user\/ was checked and is unchanged/);
    expect(head(install)).toBe(target);
    expect(treeHash(join(install, "user"))).toBe(userBefore);

    const again = pai(["upgrade"], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Up to date with origin\/main/);
  });

  it("refusal: exit 1, one line on stderr, nothing changed; --json describes it", () => {
    const { upstream, install } = setup();
    newUpstreamCommits(upstream);
    write(install, "system/prompts/answer.md", "edited\n");
    const before = head(install);
    const r = pai(["upgrade", "--json"], { env: { PAI_INSTALL_DIR: install } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: refusing to upgrade: 1 tracked file\(s\) outside user\/ have local edits \(system\/prompts\/answer\.md\).* — /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("refused");
    expect(out.blocker).toEqual({ reason: "local-edits", files: ["system/prompts/answer.md"] });
    expect(head(install)).toBe(before);
    expect(readFileSync(join(install, "system/prompts/answer.md"), "utf8")).toBe("edited\n");
    // Without --json, the incoming commits are still shown, then the refusal.
    const human = pai(["upgrade", "--check"], { env: { PAI_INSTALL_DIR: install } });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^2 incoming commit\(s\) from origin\/main:\n\s+[0-9a-f]{10}  Add a summary prompt/);
    expect(human.stderr.trim().split("\n")).toHaveLength(1);
    expect(head(install)).toBe(before);
  });

  it("exit 3 when the install is not a git checkout", () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "package.json"), "{}");
    const r = pai(["upgrade"], { env: { PAI_INSTALL_DIR: dir } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pai: the install .* is not a git checkout — /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exit 3 when git is not installed", () => {
    const { install } = setup();
    const r = spawnSync(BUN, [join(ROOT, "src/cli/main.ts"), "upgrade", "--check"], {
      env: { HOME: process.env.HOME, PATH: "/nonexistent", PAI_INSTALL_DIR: install, NO_COLOR: "1" },
      encoding: "utf8",
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^pai: git is not installed — /);
  });
});
