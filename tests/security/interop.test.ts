/**
 * Where pai meets files it does not own: `pai upgrade` never replaces a file under user/ (or any untracked or
 * ignored file) and proves it afterwards; `pai export agents` writes nothing outside the folder it is given,
 * whatever links a cloned repository holds; `pai integrate` adds and removes only its own entries of its own
 * profile, and every other byte of the settings file stays as it was.
 */
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai, PAI_BIN } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { commit, git, head, makeInstall, richUser, write } from "../admin/repo.ts";

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

describe("pai export agents: never writes outside the export folder", () => {
  const SSH_CONFIG = "Host *\n  IdentityFile ~/.ssh/id_ed25519\n";

  /** A PAI_HOME, a project folder (a cloned repository), and a file outside it standing for ~/.ssh/config. */
  function setup() {
    const root = tmpDir("pai-export-links-");
    const home = initHome(join(root, "pai"));
    const project = join(root, "project");
    const ssh = join(root, "ssh");
    mkdirSync(project);
    mkdirSync(ssh);
    const config = join(ssh, "config");
    writeFileSync(config, SSH_CONFIG);
    return { root, home, project, ssh, config };
  }

  function refused(r: { code: number; stderr: string }, pattern: RegExp) {
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/nothing was written — /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  }

  it("refuses AGENTS.md or CLAUDE.md linked outside the folder, with or without --dry-run, and writes no file", () => {
    const { home, project, config } = setup();
    symlinkSync(config, join(project, "AGENTS.md"));
    for (const args of [[], ["--dry-run"], ["--flavour", "agents"]]) {
      refused(pai(["export", "agents", "--to", project, ...args], { home }), /AGENTS\.md in .* is a link to .*ssh\/config, outside that folder/);
    }
    expect(readFileSync(config, "utf8")).toBe(SSH_CONFIG);
    expect(readlinkSync(join(project, "AGENTS.md"))).toBe(config);

    // CLAUDE.md linked out, AGENTS.md a plain new file: checked together, so neither is written.
    rmSync(join(project, "AGENTS.md"));
    symlinkSync(config, join(project, "CLAUDE.md"));
    refused(pai(["export", "agents", "--to", project, "--flavour", "both"], { home }), /CLAUDE\.md in .* outside that folder/);
    expect(readFileSync(config, "utf8")).toBe(SSH_CONFIG);
    expect(readdirSync(project)).toEqual(["CLAUDE.md"]);
  });

  it("refuses a link through a linked folder, a relative link climbing out, and a dangling link", () => {
    const { root, home, project, ssh, config } = setup();
    // docs/ is a link to the ssh folder: AGENTS.md -> docs/config looks inside, lands outside.
    symlinkSync(ssh, join(project, "docs"));
    symlinkSync("docs/config", join(project, "AGENTS.md"));
    refused(pai(["export", "agents", "--to", project], { home }), /AGENTS\.md .* is a link to .*outside that folder/);
    expect(readFileSync(config, "utf8")).toBe(SSH_CONFIG);

    rmSync(join(project, "AGENTS.md"));
    symlinkSync("../ssh/config", join(project, "AGENTS.md"));
    refused(pai(["export", "agents", "--to", project], { home }), /outside that folder/);
    expect(readFileSync(config, "utf8")).toBe(SSH_CONFIG);

    // Dangling, outside and inside: refused, the link stays as it was and nothing is created at its target.
    for (const target of [join(root, "ssh", "authorized_keys"), "missing.md"]) {
      rmSync(join(project, "AGENTS.md"));
      symlinkSync(target, join(project, "AGENTS.md"));
      refused(pai(["export", "agents", "--to", project], { home }), /AGENTS\.md .* is a link to .*, which does not exist/);
      expect(readlinkSync(join(project, "AGENTS.md"))).toBe(target);
      expect(existsSync(join(root, "ssh", "authorized_keys"))).toBe(false);
      expect(existsSync(join(project, "missing.md"))).toBe(false);
    }
    expect(readdirSync(ssh)).toEqual(["config"]);
  });

  it("a hard link is replaced, not written through; a link inside the folder stays a link", () => {
    const { home, project, config } = setup();
    linkSync(config, join(project, "AGENTS.md"));
    const r = pai(["export", "agents", "--to", project], { home });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(config, "utf8")).toBe(SSH_CONFIG);
    expect(lstatSync(config).nlink).toBe(1);
    expect(readFileSync(join(project, "AGENTS.md"), "utf8")).toMatch(/^Host \*\n {2}IdentityFile ~\/\.ssh\/id_ed25519\n\n<!-- pai:begin -->/);

    mkdirSync(join(project, "docs"));
    writeFileSync(join(project, "docs", "agents.md"), "# Notes\n");
    symlinkSync("docs/agents.md", join(project, "CLAUDE.md"));
    const c = pai(["export", "agents", "--to", project, "--flavour", "claude"], { home });
    expect(c.code).toBe(0);
    expect(readlinkSync(join(project, "CLAUDE.md"))).toBe("docs/agents.md");
    expect(readFileSync(join(project, "docs", "agents.md"), "utf8")).toMatch(/^# Notes\n\n<!-- pai:begin -->/);
    // No temporary file is left behind.
    expect(readdirSync(join(project, "docs"))).toEqual(["agents.md"]);
    expect(readdirSync(project).sort()).toEqual(["AGENTS.md", "CLAUDE.md", "docs"]);
  });
});

describe("pai integrate: only this profile's own entries, every other byte kept", () => {
  /** A HOME and two profiles (PAI_HOMEs) with user/. */
  function setup() {
    const root = tmpDir("pai-integrate-bytes-");
    const home = join(root, "home");
    const a = join(root, "profile-a");
    const b = join(root, "profile-b");
    for (const d of [home, join(a, "user"), join(b, "user")]) mkdirSync(d, { recursive: true });
    return { root, home, a, b };
  }
  const run = (args: string[], profile: string, home: string, env: Record<string, string> = {}) => pai(["integrate", ...args], { home: profile, env: { HOME: home, ...env } });

  // Comments, 1.0, an integer past 2^53, inline arrays, odd spacing, and the user's own `pai context` hook.
  const SETTINGS = `{
  // my Claude Code settings
  "model": "opus", "temperature": 1.0,
  "counter": 12345678901234567890,
  "permissions": { "allow": ["Bash(ls)", "Read(~/x)"],   "deny": [] },
  /* hooks: mine first */
  "hooks": {
    "SessionStart": [
      { "matcher": "startup", "hooks": [ { "type": "command", "command": "pai context --for local > /tmp/ctx.md" } ] }
    ]
  }
}
`;

  it("leaves the user's own pai context hook alone, keeps every byte, and uninstall gives back the exact file", () => {
    const { home, a } = setup();
    const file = join(home, ".claude", "settings.json");
    write(home, ".claude/settings.json", SETTINGS);
    const i = run(["claude-code"], a, home);
    expect(i.stderr).toBe("");
    expect(i.code).toBe(0);
    const text = readFileSync(file, "utf8");
    // Everything up to the end of the user's hook group is unchanged; pai's group follows it.
    const userPart = SETTINGS.slice(0, SETTINGS.indexOf("} ] }") + "} ] }".length);
    expect(text.startsWith(userPart)).toBe(true);
    expect(text).toContain('"temperature": 1.0,');
    expect(text).toContain('"counter": 12345678901234567890,');
    expect(text).toContain('"permissions": { "allow": ["Bash(ls)", "Read(~/x)"],   "deny": [] },');
    expect(text).toContain("pai context --for local > /tmp/ctx.md");
    expect(text).toContain(`"command": "PAI_HOME=${a} ${PAI_BIN} context --for cloud # added by pai integrate"`);
    // Installing again changes nothing.
    expect(run(["claude-code", "--json"], a, home).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(text);

    const u = run(["claude-code", "--uninstall"], a, home);
    expect(u.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(SETTINGS);
  });

  it("after the user edited the file, uninstall takes out only pai's entries, byte for byte around them", () => {
    const { home, a } = setup();
    const file = join(home, ".claude", "settings.json");
    write(home, ".claude/settings.json", SETTINGS);
    expect(run(["claude-code"], a, home).code).toBe(0);
    const edited = readFileSync(file, "utf8").replace('"model": "opus"', '"model": "sonnet" /* changed */');
    write(home, ".claude/settings.json", edited);
    expect(run(["claude-code", "--uninstall"], a, home).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(SETTINGS.replace('"model": "opus"', '"model": "sonnet" /* changed */'));
  });

  it("two profiles: neither takes over nor removes the other's entries; each uninstall gives back its own bytes", () => {
    const { home, a, b } = setup();
    const file = join(home, ".claude", "settings.json");
    const state = join(home, ".claude.json");
    write(home, ".claude/settings.json", SETTINGS);
    expect(run(["claude-code"], b, home).code).toBe(0);
    const afterB = readFileSync(file, "utf8");
    const stateB = readFileSync(state, "utf8");
    const bHook = `PAI_HOME=${b} ${PAI_BIN} context --for cloud # added by pai integrate`;
    expect(afterB).toContain(bHook);

    // The server name is b's: a is refused, and nothing is written.
    const refusedA = run(["claude-code"], a, home);
    expect(refusedA.code).toBe(1);
    expect(refusedA.stderr).toMatch(/already has a server 'mcpServers\.pai' for another pai profile \(PAI_HOME=.*profile-b\); nothing was changed — /);
    expect(readFileSync(file, "utf8")).toBe(afterB);
    expect(readFileSync(state, "utf8")).toBe(stateB);

    // Once the user takes b's server out by hand, a integrates: its hooks go beside b's, which stay as they were.
    write(home, ".claude.json", "{}\n");
    expect(run(["claude-code"], a, home).code).toBe(0);
    const both = readFileSync(file, "utf8");
    expect(both.split(bHook)).toHaveLength(2);
    expect(both).toContain(`PAI_HOME=${a} ${PAI_BIN} context --for cloud # added by pai integrate`);
    expect(both.startsWith(afterB.slice(0, afterB.lastIndexOf(bHook)))).toBe(true);

    expect(run(["claude-code", "--uninstall"], a, home).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(afterB);
    expect(run(["claude-code", "--uninstall"], b, home).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(SETTINGS);
  });

  it("edits opencode.jsonc with comments in place, and uninstall restores it byte for byte", () => {
    const { home, a } = setup();
    const original = `// OpenCode settings
{
  "$schema": "https://opencode.ai/config.json",
  "theme": "tokyonight", // the dark one
  "mcp": {
    "github": { "type": "remote", "url": "https://example.com/mcp" }
  },
  "limits": [1.0, 2.50, 12345678901234567890]
}
`;
    const file = join(home, ".config", "opencode", "opencode.jsonc");
    write(home, ".config/opencode/opencode.jsonc", original);
    const r = run(["opencode"], a, home);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text.startsWith(`// OpenCode settings
{
  "$schema": "https://opencode.ai/config.json",
  "theme": "tokyonight", // the dark one
  "mcp": {
    "github": { "type": "remote", "url": "https://example.com/mcp" },
    "pai": {`)).toBe(true);
    expect(text.endsWith(`  },
  "limits": [1.0, 2.50, 12345678901234567890]
}
`)).toBe(true);
    expect(existsSync(join(home, ".config", "opencode", "opencode.json"))).toBe(false);
    expect(run(["opencode", "--uninstall"], a, home).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("an object pai created is removed on uninstall even after other edits; one it did not create is kept", () => {
    const { home, a } = setup();
    const original = '{"theme":"x","n":1.0,"big":12345678901234567890,"mcpServers":{}}';
    const file = join(home, ".gemini", "settings.json");
    write(home, ".gemini/settings.json", original);
    expect(run(["gemini"], a, home).code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text.startsWith('{"theme":"x","n":1.0,"big":12345678901234567890,"mcpServers":{"pai":{')).toBe(true);
    // The user changes something else; uninstall then removes pai's entry and keeps their empty mcpServers.
    write(home, ".gemini/settings.json", text.replace('"theme":"x"', '"theme":"y"'));
    expect(run(["gemini", "--uninstall"], a, home).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(original.replace('"theme":"x"', '"theme":"y"'));

    const settings = join(home, ".claude", "settings.json");
    write(home, ".claude/settings.json", '{\n  "model": "opus"\n}\n');
    expect(run(["claude-code"], a, home).code).toBe(0);
    write(home, ".claude/settings.json", readFileSync(settings, "utf8").replace('"opus"', '"sonnet"'));
    expect(run(["claude-code", "--uninstall"], a, home).code).toBe(0);
    expect(readFileSync(settings, "utf8")).toBe('{\n  "model": "sonnet"\n}\n');
  });
});
