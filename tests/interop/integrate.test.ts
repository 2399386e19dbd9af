import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { integrate } from "../../src/interop/integrate/index.ts";
import { UserError } from "../../src/kernel/errors.ts";
import { paths } from "../../src/kernel/paths.ts";
import { spawnSync } from "node:child_process";
import { initHome, pai, PAI_BIN, ROOT } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** A temp HOME and a PAI_HOME with user/ (enough for integrate, which records its work in user/). */
function setup() {
  const root = tmpDir();
  const home = join(root, "home");
  const paiHome = join(root, "pai");
  mkdirSync(home, { recursive: true });
  mkdirSync(join(paiHome, "user"), { recursive: true });
  const env = { HOME: home, PAI_HOME: paiHome } as NodeJS.ProcessEnv;
  return { root, home, paiHome, env, p: paths(paiHome) };
}

const USER_SETTINGS = `{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": [
      "Bash(npm run test:*)",
      "Read(~/.zshrc)"
    ],
    "deny": [
      "Read(./.env)"
    ]
  },
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "jq -r '.tool_input.command' >> ~/.claude/bash-log.txt"
          }
        ]
      }
    ],
    "SessionStart": [
      {
        "matcher": "startup",
        "hooks": [
          {
            "type": "command",
            "command": "echo 'remember to run the linter'"
          }
        ]
      }
    ]
  },
  "model": "opus",
  "includeCoAuthoredBy": false
}
`;

const USER_STATE = `{
  "numStartups": 42,
  "theme": "dark",
  "projects": {
    "/work/app": {
      "allowedTools": [],
      "mcpServers": {}
    }
  },
  "mcpServers": {
    "github": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "-y",
        "@modelcontextprotocol/server-github"
      ],
      "env": {}
    }
  },
  "hasCompletedOnboarding": true
}
`;

function files(dir: string): string[] {
  // Bun may leave its own cache folder in a temporary HOME.
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== ".bun").sort() : [];
}

describe("pai integrate claude-code", () => {
  it("merges the server and hooks into the user's files, backs them up, and uninstall restores them byte for byte", () => {
    const { home, env, p, paiHome } = setup();
    mkdirSync(join(home, ".claude"));
    const settings = join(home, ".claude", "settings.json");
    const state = join(home, ".claude.json");
    writeFileSync(settings, USER_SETTINGS);
    writeFileSync(state, USER_STATE);
    chmodSync(state, 0o600);

    const r = integrate({ tool: "claude-code", env, paths: p, now: new Date("2026-11-21T10:00:00Z") });
    expect(r.files.map((f) => [f.id, f.action])).toEqual([
      ["claude-code.mcp", "modify"],
      ["claude-code.settings", "modify"],
    ]);

    const s = JSON.parse(readFileSync(settings, "utf8"));
    // The user's keys keep their order and content; pai's hooks are appended.
    expect(Object.keys(s)).toEqual(["$schema", "permissions", "hooks", "model", "includeCoAuthoredBy"]);
    expect(s.permissions).toEqual(JSON.parse(USER_SETTINGS).permissions);
    expect(s.hooks.PreToolUse).toEqual(JSON.parse(USER_SETTINGS).hooks.PreToolUse);
    expect(s.hooks.SessionStart[0]).toEqual(JSON.parse(USER_SETTINGS).hooks.SessionStart[0]);
    expect(s.hooks.SessionStart[1].hooks).toEqual([
      { type: "command", command: `PAI_HOME=${paiHome} ${PAI_BIN} context --for cloud # added by pai integrate`, timeout: 30 },
    ]);
    expect(s.hooks.SessionEnd[0].hooks[0].command).toBe(`PAI_HOME=${paiHome} ${PAI_BIN} memory import-transcript --from-hook # added by pai integrate`);

    const st = JSON.parse(readFileSync(state, "utf8"));
    expect(Object.keys(st)).toEqual(["numStartups", "theme", "projects", "mcpServers", "hasCompletedOnboarding"]);
    expect(Object.keys(st.mcpServers)).toEqual(["github", "pai"]);
    expect(st.mcpServers.pai).toEqual({ type: "stdio", command: PAI_BIN, args: ["mcp"], env: { PAI_HOME: paiHome } });
    expect(statSync(state).mode & 0o777).toBe(0o600);

    // Backups hold the original bytes.
    expect(readFileSync(`${settings}.pai-backup-20261121T100000Z`, "utf8")).toBe(USER_SETTINGS);
    expect(readFileSync(`${state}.pai-backup-20261121T100000Z`, "utf8")).toBe(USER_STATE);

    const u = integrate({ tool: "claude-code", uninstall: true, env, paths: p });
    expect(u.files.map((f) => f.action)).toEqual(["restore", "restore"]);
    expect(readFileSync(settings, "utf8")).toBe(USER_SETTINGS);
    expect(readFileSync(state, "utf8")).toBe(USER_STATE);
    expect(files(join(home, ".claude"))).toEqual(["settings.json"]);
    expect(files(home)).toEqual([".claude", ".claude.json"]);
  });

  it("creates missing files and folders, and uninstall removes them again", () => {
    const { home, env, p } = setup();
    const r = integrate({ tool: "claude-code", env, paths: p });
    expect(r.files.map((f) => f.action)).toEqual(["create", "create"]);
    expect(existsSync(join(home, ".claude", "settings.json"))).toBe(true);
    integrate({ tool: "claude-code", uninstall: true, env, paths: p });
    expect(files(home)).toEqual([]);
  });

  it("is idempotent: a second install changes nothing and makes no second backup", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".claude"));
    writeFileSync(join(home, ".claude", "settings.json"), USER_SETTINGS);
    integrate({ tool: "claude-code", env, paths: p });
    const after = readFileSync(join(home, ".claude", "settings.json"), "utf8");
    const again = integrate({ tool: "claude-code", env, paths: p });
    expect(again.files.map((f) => f.action)).toEqual(["unchanged", "unchanged"]);
    expect(readFileSync(join(home, ".claude", "settings.json"), "utf8")).toBe(after);
    expect(files(join(home, ".claude")).filter((f) => f.includes("pai-backup"))).toHaveLength(1);
    // Uninstall still restores the state from before the first install.
    integrate({ tool: "claude-code", uninstall: true, env, paths: p });
    expect(readFileSync(join(home, ".claude", "settings.json"), "utf8")).toBe(USER_SETTINGS);
  });

  it("after the user changed the file, uninstall removes only pai's entries and keeps their change", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".claude"));
    const settings = join(home, ".claude", "settings.json");
    writeFileSync(settings, USER_SETTINGS);
    integrate({ tool: "claude-code", env, paths: p });
    const s = JSON.parse(readFileSync(settings, "utf8"));
    s.permissions.allow.push("Bash(git status)");
    writeFileSync(settings, `${JSON.stringify(s, null, 2)}\n`);
    const u = integrate({ tool: "claude-code", uninstall: true, env, paths: p });
    expect(u.files[1]!.action).toBe("modify");
    const expected = JSON.parse(USER_SETTINGS);
    expected.permissions.allow.push("Bash(git status)");
    expect(readFileSync(settings, "utf8")).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it("refuses a malformed settings file and changes nothing anywhere", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".claude"));
    const broken = '{\n  "permissions": { "allow": ["Bash(ls)"], }\n}\n';
    writeFileSync(join(home, ".claude", "settings.json"), broken);
    writeFileSync(join(home, ".claude.json"), USER_STATE);
    let err: unknown;
    try {
      integrate({ tool: "claude-code", env, paths: p });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/~\/\.claude\/settings\.json is not valid JSON.*nothing was changed/);
    expect(readFileSync(join(home, ".claude", "settings.json"), "utf8")).toBe(broken);
    expect(readFileSync(join(home, ".claude.json"), "utf8")).toBe(USER_STATE);
    expect(files(home)).toEqual([".claude", ".claude.json"]);
    expect(files(join(home, ".claude"))).toEqual(["settings.json"]);
  });

  it("refuses settings whose hooks key is not an object", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".claude"));
    writeFileSync(join(home, ".claude", "settings.json"), '{ "hooks": [] }\n');
    expect(() => integrate({ tool: "claude-code", env, paths: p })).toThrow(/'hooks' is not an object/);
    expect(readFileSync(join(home, ".claude", "settings.json"), "utf8")).toBe('{ "hooks": [] }\n');
    expect(existsSync(join(home, ".claude.json"))).toBe(false);
  });

  it("refuses to replace a server named pai that it did not add", () => {
    const { home, env, p } = setup();
    const text = '{\n  "mcpServers": {\n    "pai": {\n      "command": "python",\n      "args": ["my_pai.py"]\n    }\n  }\n}\n';
    writeFileSync(join(home, ".claude.json"), text);
    expect(() => integrate({ tool: "claude-code", env, paths: p })).toThrow(/already has a server 'mcpServers.pai' that pai did not add/);
    expect(readFileSync(join(home, ".claude.json"), "utf8")).toBe(text);
  });

  it("--dry-run reports the plan and writes nothing", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".claude"));
    writeFileSync(join(home, ".claude", "settings.json"), USER_SETTINGS);
    const r = integrate({ tool: "claude-code", env, paths: p, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.files[1]!.changes).toEqual(["added hooks.SessionStart (pai context)", "added hooks.SessionEnd (pai memory import-transcript)"]);
    expect(readFileSync(join(home, ".claude", "settings.json"), "utf8")).toBe(USER_SETTINGS);
    expect(files(home)).toEqual([".claude"]);
    expect(existsSync(join(p.user, "integrations.json"))).toBe(false);
  });

  it("honours CLAUDE_CONFIG_DIR", () => {
    const { root, env, p, home } = setup();
    const dir = join(root, "claude-config");
    integrate({ tool: "claude-code", env: { ...env, CLAUDE_CONFIG_DIR: dir }, paths: p });
    expect(files(dir)).toEqual([".claude.json", "settings.json"]);
    expect(files(home)).toEqual([]);
  });
});

describe("pai integrate opencode and gemini", () => {
  it("opencode: adds mcp.pai under XDG_CONFIG_HOME in the file's own style; uninstall restores it exactly", () => {
    const { root, env, p, paiHome } = setup();
    const xdg = join(root, "xdg");
    mkdirSync(join(xdg, "opencode"), { recursive: true });
    const file = join(xdg, "opencode", "opencode.json");
    const original = '{\n    "$schema": "https://opencode.ai/config.json",\n    "theme": "tokyonight",\n    "mcp": {\n        "github": {\n            "type": "remote",\n            "url": "https://example.com/mcp"\n        }\n    }\n}';
    writeFileSync(file, original);
    const e = { ...env, XDG_CONFIG_HOME: xdg };
    integrate({ tool: "opencode", env: e, paths: p });
    const text = readFileSync(file, "utf8");
    expect(text).toContain('\n    "theme": "tokyonight",\n');
    expect(text.endsWith("}")).toBe(true);
    expect(JSON.parse(text).mcp.pai).toEqual({ type: "local", command: [PAI_BIN, "mcp"], enabled: true, environment: { PAI_HOME: paiHome } });
    expect(Object.keys(JSON.parse(text).mcp)).toEqual(["github", "pai"]);
    integrate({ tool: "opencode", uninstall: true, env: e, paths: p });
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("opencode: a new file gets the $schema key, and is removed on uninstall", () => {
    const { home, env, p } = setup();
    integrate({ tool: "opencode", env, paths: p });
    const file = join(home, ".config", "opencode", "opencode.json");
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")))).toEqual(["$schema", "mcp"]);
    integrate({ tool: "opencode", uninstall: true, env, paths: p });
    expect(files(home)).toEqual([]);
  });

  it("gemini: adds mcpServers.pai to ~/.gemini/settings.json (tabs and CRLF kept); uninstall restores it", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".gemini"));
    const file = join(home, ".gemini", "settings.json");
    const original = '{\r\n\t"theme": "GitHub",\r\n\t"mcpServers": {\r\n\t\t"fs": {\r\n\t\t\t"command": "npx",\r\n\t\t\t"args": ["-y", "fs-server"]\r\n\t\t}\r\n\t}\r\n}\r\n';
    writeFileSync(file, original);
    integrate({ tool: "gemini", env: { HOME: home, PAI_HOME: p.home }, paths: p });
    const text = readFileSync(file, "utf8");
    expect(text).toContain('\r\n\t\t"pai": {\r\n\t\t\t"command": ');
    expect(JSON.parse(text).mcpServers.pai).toEqual({ command: PAI_BIN, args: ["mcp"], env: { PAI_HOME: p.home } });
    integrate({ tool: "gemini", uninstall: true, env, paths: p });
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("uninstall without a record still takes out only pai's entries, and keeps the user's (empty) mcpServers", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".gemini"));
    const file = join(home, ".gemini", "settings.json");
    const original = '{\n  "theme": "GitHub",\n  "mcpServers": {}\n}\n';
    writeFileSync(file, original);
    integrate({ tool: "gemini", env, paths: p });
    writeFileSync(join(p.user, "integrations.json"), "{}");
    const u = integrate({ tool: "gemini", uninstall: true, env, paths: p });
    expect(u.files[0]!.action).toBe("modify");
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("uninstall when pai is not registered changes nothing", () => {
    const { home, env, p } = setup();
    mkdirSync(join(home, ".gemini"));
    writeFileSync(join(home, ".gemini", "settings.json"), '{"theme":"x"}');
    const u = integrate({ tool: "gemini", uninstall: true, env, paths: p });
    expect(u.files[0]!.action).toBe("unchanged");
    expect(readFileSync(join(home, ".gemini", "settings.json"), "utf8")).toBe('{"theme":"x"}');
  });
});

describe("pai integrate (CLI)", () => {
  it("installs and uninstalls end to end with --json; unknown tools and bad files are one-line errors", () => {
    const { home, paiHome } = setup();
    const envs = { HOME: home };
    let r = pai(["integrate", "gemini", "--json"], { home: paiHome, env: envs });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ tool: "gemini", action: "install", dry_run: false, server: { command: PAI_BIN, args: ["mcp"] } });
    expect(out.files[0].action).toBe("create");
    r = pai(["integrate", "gemini", "--uninstall"], { home: paiHome, env: envs });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Removed pai from Gemini CLI/);
    expect(files(home)).toEqual([]);

    r = pai(["integrate", "vscode"], { home: paiHome, env: envs });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pai: unknown tool 'vscode' — choose one of: claude-code, opencode, gemini\n$/);

    mkdirSync(join(home, ".gemini"));
    writeFileSync(join(home, ".gemini", "settings.json"), "{ nope");
    r = pai(["integrate", "gemini"], { home: paiHome, env: envs });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/settings\.json is not valid JSON/);
    expect(readFileSync(join(home, ".gemini", "settings.json"), "utf8")).toBe("{ nope");
  });
});

describe("the Claude Code hooks pai installs", () => {
  it("run as Claude Code runs them: SessionStart prints the context, SessionEnd imports the transcript", () => {
    const root = tmpDir();
    const home = join(root, "home");
    mkdirSync(home);
    const paiHome = useTelosExamples(initHome(join(root, "pai")));
    const r = pai(["integrate", "claude-code"], { home: paiHome, env: { HOME: home } });
    expect(r.code).toBe(0);
    const hooks = JSON.parse(readFileSync(join(home, ".claude", "settings.json"), "utf8")).hooks;
    const start = hooks.SessionStart[0].hooks[0].command as string;
    const end = hooks.SessionEnd[0].hooks[0].command as string;
    // Claude Code runs hook commands with a shell, in the project folder, with the hook's JSON on stdin.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: "1" };
    delete env.PAI_HOME;
    const s = spawnSync("sh", ["-c", start], { cwd: root, env, input: JSON.stringify({ session_id: "s1", hook_event_name: "SessionStart", source: "startup" }), encoding: "utf8" });
    expect(s.status).toBe(0);
    expect(s.stdout).toContain("Ship a first version of my side project by summer");
    const transcript = join(ROOT, "tests", "fixtures", "transcripts", "claude-code-session.jsonl");
    const e = spawnSync("sh", ["-c", end], {
      cwd: root,
      env,
      input: JSON.stringify({ session_id: "5f1c2d3e-0000-4000-8000-000000000001", transcript_path: transcript, hook_event_name: "SessionEnd", reason: "exit" }),
      encoding: "utf8",
    });
    expect(e.status).toBe(0);
    expect(e.stdout).toMatch(/2 imported as episodes/);
  });
});

describe("symlinked settings", () => {
  it("are written through the link, which stays a link", () => {
    const { root, home, env, p } = setup();
    const dotfiles = join(root, "dotfiles");
    mkdirSync(dotfiles);
    writeFileSync(join(dotfiles, "gemini.json"), '{\n  "theme": "x"\n}\n');
    mkdirSync(join(home, ".gemini"));
    symlinkSync(join(dotfiles, "gemini.json"), join(home, ".gemini", "settings.json"));
    integrate({ tool: "gemini", env, paths: p });
    expect(lstatSync(join(home, ".gemini", "settings.json")).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dotfiles, "gemini.json"), "utf8")).mcpServers.pai.args).toEqual(["mcp"]);
    integrate({ tool: "gemini", uninstall: true, env, paths: p });
    expect(lstatSync(join(home, ".gemini", "settings.json")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dotfiles, "gemini.json"), "utf8")).toBe('{\n  "theme": "x"\n}\n');
  });
});
