/**
 * Packs: installing one runs nothing from it (no module import, no script, no git hook, no submodule), and
 * running its prompt and skill commands with a cloud backend (`pai run`, `pai do`, the research pack) sends
 * no private item and no secret, while the local backend gets the private context.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pai, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import {
  ALL_SECRETS,
  bodies,
  echo,
  expectAbsent,
  expectNoSecretsStored,
  logsText,
  plantedHome,
  PRIVATE_MEM,
  PRIVATE_TELOS,
  SECRET_TEXT,
  serverEnv,
  SHARED_GOAL,
} from "./helpers.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const PRIVATE = [PRIVATE_TELOS, PRIVATE_MEM];
const ONE_LINE_SECRETS = SECRET_TEXT.replace(/\n/g, " ");

function write(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** A pack whose module writes a marker file when imported, with a prompt, a code and a skill command. */
function sectestPack(dir = tmpDir("pai-sec-pack-")): string {
  const manifest = {
    name: "sectest",
    version: "1.0.0",
    description: "A pack for the security tests",
    commands: {
      brief: {
        tier: "prompt",
        description: "Summarise the input",
        prompt: "prompt.md",
        triggers: { names: ["brief"] },
      },
      peek: {
        tier: "code",
        description: "Read the narratives file",
        module: "mod.ts",
        export: "peek",
        permissions: { read: ["$PAI_HOME/user/telos"] },
      },
      helper: {
        tier: "skill",
        description: "A helper skill",
        skill: "skills/helper",
        maxSteps: 3,
      },
    },
  };
  return write(dir, {
    "pack.json": JSON.stringify(manifest, null, 2),
    "prompt.md": "Summarise this for me: {{input}}\n",
    "mod.ts": [
      'import { writeFileSync } from "node:fs";',
      'writeFileSync(`${process.env.PAI_HOME}/IMPORTED`, "the module was imported");',
      "export async function peek(ctx: any) {",
      "  ctx.log(`peeking with ${ctx.text}`);",
      "  return ctx.fs.readText(`${ctx.paths.user}/telos/narratives.md`);",
      "}",
      "",
    ].join("\n"),
    "package.json": JSON.stringify({ name: "sectest", scripts: { preinstall: "touch ../PREINSTALL", postinstall: "touch ../POSTINSTALL", prepare: "touch ../PREPARE" } }),
    "skills/helper/SKILL.md": "---\nname: helper\ndescription: Helps with the story.\nallowed-tools: peek\n---\n\n# Helper\n\nCall peek, then answer.\n",
  });
}

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always", ...args], { cwd, stdio: "pipe" });
}

describe("pack install", () => {
  it("from a git URL runs no hook, fetches no submodule, imports no module and runs no script", async () => {
    const { home } = plantedHome();
    const root = tmpDir("pai-sec-git-");
    const marker = join(root, "HOOK-RAN");
    // A user whose git config would run hooks on checkout and recurse into submodules.
    const hooks = write(join(root, "hooks"), { "post-checkout": `#!/bin/sh\ntouch '${marker}'\n`, "post-merge": `#!/bin/sh\ntouch '${marker}'\n` });
    execFileSync("chmod", ["+x", join(hooks, "post-checkout"), join(hooks, "post-merge")]);
    const gitconfig = join(root, ".gitconfig");
    writeFileSync(gitconfig, `[core]\n\thooksPath = ${hooks}\n[submodule]\n\trecurse = true\n[protocol "file"]\n\tallow = always\n[init]\n\ttemplateDir = ${join(root, "template")}\n`);
    write(join(root, "template"), { "hooks/post-checkout": `#!/bin/sh\ntouch '${marker}'\n` });
    execFileSync("chmod", ["+x", join(root, "template", "hooks", "post-checkout")]);

    const sub = write(join(root, "sub"), { "README.md": "a submodule\n" });
    git(sub, "init", "-q");
    git(sub, "add", ".");
    git(sub, "commit", "-qm", "sub");
    const repo = sectestPack(join(root, "repo"));
    git(repo, "init", "-q");
    git(repo, "submodule", "add", "-q", sub, "vendor/sub");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "pack");

    const env = { HOME: root, XDG_CONFIG_HOME: join(root, ".config") };
    // The hook really would run with this configuration (so the test is not vacuous).
    execFileSync("git", ["clone", "-q", `file://${repo}`, join(root, "probe")], { env: { ...process.env, ...env }, stdio: "pipe" });
    expect(existsSync(marker)).toBe(true);
    execFileSync("rm", ["-f", marker]);

    for (const spec of [`file://${repo}`, `file://${repo}#HEAD`]) {
      const r = await paiAsync(["pack", "install", spec, "--yes"], { home, env });
      if (r.code !== 0) console.error(r.stderr);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(join(home, "IMPORTED"))).toBe(false);
      for (const f of ["PREINSTALL", "POSTINSTALL", "PREPARE"]) expect(existsSync(join(home, "user", "packs", f))).toBe(false);
      const vendored = join(home, "user", "packs", "sectest", "vendor", "sub");
      expect(existsSync(vendored) ? readdirSync(vendored) : []).toEqual([]);
      expect(pai(["pack", "uninstall", "sectest"], { home }).code).toBe(0);
    }
  });
});

describe("pack commands with a cloud backend", () => {
  async function setup() {
    const { home, p } = plantedHome();
    const r = pai(["pack", "install", sectestPack(), "--yes"], { home });
    expect(r.code).toBe(0);
    expect(existsSync(join(home, "IMPORTED"))).toBe(false);
    const anthropic = await startFakeAnthropic({
      reply: (body) => {
        const sent = JSON.stringify(body.messages);
        if (body.tools?.length && !sent.includes("tool_result")) return { toolCalls: [{ name: "peek", arguments: { text: "look" } }] };
        return "A cloud answer.";
      },
    });
    const ollama = await startFakeOllama({ reply: echo("Local echo:") });
    servers.push(anthropic, ollama);
    return { home, p, anthropic, ollama, env: serverEnv(anthropic, ollama) };
  }

  it("pai run (prompt tier), pai do and a skill with tool results send nothing private and no secret", async () => {
    const { home, p, anthropic, ollama, env } = await setup();
    const prompt = await paiAsync(["run", "sectest:brief", "--backend", "anthropic", `the cellar story ${ONE_LINE_SECRETS}`], { home, env });
    expect(prompt.code).toBe(0);
    const viaDo = await paiAsync(["do", "--backend", "anthropic", `brief the cellar story ${ONE_LINE_SECRETS}`], { home, env });
    expect(viaDo.code).toBe(0);
    const skill = await paiAsync(["run", "sectest:helper", "--backend", "anthropic", `tell the cellar story ${ONE_LINE_SECRETS}`], { home, env });
    expect(skill.stderr).not.toContain(PRIVATE_TELOS);
    expect(skill.code).toBe(0);
    const sent = bodies(anthropic, "/v1/messages");
    expect(sent).toContain(SHARED_GOAL);
    expect(sent).toContain("tool_result"); // the skill's tool really ran and its result went back
    expectAbsent(sent, [...PRIVATE, ...ALL_SECRETS], "the Anthropic requests of pack commands");

    // A code command's log lines are redacted (in the daemon they go to user/logs/daemon.log).
    const logged = await paiAsync(["run", "sectest:peek", `look ${ONE_LINE_SECRETS}`], { home, env });
    expect(logged.code).toBe(0);
    expect(logged.stderr).toContain("peeking with look");
    expectAbsent(logged.stderr, ALL_SECRETS, "a code command's log line");

    const local = await paiAsync(["run", "sectest:brief", "--backend", "ollama", "the cellar story"], { home, env });
    expect(local.code).toBe(0);
    for (const m of PRIVATE) expect(bodies(ollama, "/api/chat")).toContain(m);
    expectNoSecretsStored(p);
    expectAbsent(logsText(p), ALL_SECRETS, "user/logs");
  });

  it("the research pack never sends a file under user/ to a cloud model; a local model may read it", async () => {
    const { home, p, anthropic, ollama, env } = await setup();
    expect(pai(["pack", "install", "research", "--yes"], { home }).code).toBe(0);
    const file = join(p.telos, "narratives.md");
    const cloud = await paiAsync(["run", "research:summarize", "--backend", "anthropic", file], { home, env: { ...env, HOME: home } });
    expect(cloud.code).toBe(1);
    expect(cloud.stderr).toMatch(/^pai: .*cloud/m);
    expectAbsent(bodies(anthropic), PRIVATE, "the Anthropic requests of research:summarize");
    const viaDo = await paiAsync(["do", "--backend", "anthropic", `summarize ${file}`], { home, env: { ...env, HOME: home } });
    expect(viaDo.code).toBe(1);
    expectAbsent(bodies(anthropic), PRIVATE, "the Anthropic requests of research via pai do");
    const local = await paiAsync(["run", "research:summarize", "--backend", "ollama", file], { home, env: { ...env, HOME: home } });
    expect(local.code).toBe(0);
    expect(bodies(ollama, "/api/chat")).toContain(PRIVATE_TELOS);
  });
});
