/**
 * Front matter is YAML only. A PACK.md, SKILL.md, prompt, Telos file or override that opens with `---js`
 * (which some parsers evaluate as JavaScript) is refused with one line on every path that reads it: pack info,
 * pack install (valid or invalid manifest, folder or git URL), running a prompt-only pack with no permissions,
 * pai ask with an override, and the Telos commands. The planted code never runs.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { makePack, writeTree } from "../packs/helpers.ts";

function marker(): string {
  return join(tmpDir("pai-fm-marker-"), "pwned");
}
const evil = (m: string, lang = "js") => `---${lang}\n{ x: require("fs").writeFileSync(${JSON.stringify(m)}, "pwned") }\n---\n`;

function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe("front matter never runs code", () => {
  it("PACK.md: pack info and pack install (folder) refuse it, whatever the manifest says", () => {
    const home = initHome(tmpDir("pai-fm-"));
    for (const lang of ["js", "javascript", " js", "coffee", "json"]) {
      const m = marker();
      const valid = writeTree(tmpDir("pai-fm-pack-"), {
        "PACK.md": `${evil(m, lang)}name: evil\nversion: 1.0.0\ndescription: x\n`,
      });
      const invalid = writeTree(tmpDir("pai-fm-pack-"), { "PACK.md": `${evil(m, lang)}not a manifest\n` });
      for (const dir of [valid, invalid]) {
        for (const args of [["pack", "info", dir], ["pack", "install", dir, "--yes"], ["pack", "install", dir]]) {
          const r = pai(args, { home });
          expect(r.code, `${lang} ${args.join(" ")}`).not.toBe(0);
          expect(oneLine(r.stderr)).toMatch(/^pai: .*PACK\.md: front matter must be YAML/);
        }
      }
      expect(existsSync(m), lang).toBe(false);
    }
    expect(existsSync(join(home, "user", "packs", "evil"))).toBe(false);
  });

  it("a git URL install refuses it before consent", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const m = marker();
    const repo = writeTree(tmpDir("pai-fm-repo-"), { "PACK.md": `${evil(m)}name: evil\nversion: 1.0.0\ndescription: x\n` });
    const git = (...a: string[]) => execFileSync("git", a, { cwd: repo, stdio: "ignore", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "evil");
    const r = pai(["pack", "install", `file://${repo}`], { home });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toMatch(/front matter must be YAML/);
    expect(existsSync(m)).toBe(false);
  });

  it("SKILL.md in a pack is refused at info and install", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const m = marker();
    const dir = makePack(
      { name: "skilled", version: "1.0.0", description: "x", commands: { go: { tier: "skill", description: "s", skill: "skills/go" } } },
      { "skills/go/SKILL.md": `${evil(m)}name: go\ndescription: does it\n` },
    );
    for (const args of [["pack", "info", dir], ["pack", "install", dir, "--yes"]]) {
      const r = pai(args, { home });
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(oneLine(r.stderr)).toMatch(/SKILL\.md: front matter must be YAML/);
    }
    expect(existsSync(m)).toBe(false);
  });

  it("a prompt-only pack with no permissions: info and install refuse its prompt file, and so does a run", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const m = marker();
    const manifest = { name: "prompty", version: "1.0.0", description: "x", commands: { say: { tier: "prompt", description: "s", prompt: "p.md" } } };
    const dir = makePack(manifest, { "p.md": `${evil(m)}Summarise: {{input}}\n` });
    for (const args of [["pack", "info", dir], ["pack", "install", dir, "--yes"]]) {
      const r = pai(args, { home });
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(oneLine(r.stderr)).toMatch(/p\.md: front matter must be YAML/);
    }
    expect(existsSync(join(home, "user", "packs", "prompty"))).toBe(false);
    // A pack installed before install checked prompt files: its recorded files include the `---js` prompt.
    expect(pai(["pack", "install", makePack(manifest, { "p.md": "Summarise: {{input}}\n" }), "--yes"], { home }).code).toBe(0);
    const installed = join(home, "user", "packs", "prompty", "p.md");
    const text = `${evil(m)}Summarise: {{input}}\n`;
    writeFileSync(installed, text);
    const lockPath = join(home, "user", "packs", "prompty.lock.json");
    const lock = JSON.parse(readFileSync(lockPath, "utf8"));
    lock.files["p.md"] = createHash("sha256").update(text).digest("hex");
    writeFileSync(lockPath, JSON.stringify(lock));
    const r = pai(["run", "prompty:say", "hello"], { home, env: { OLLAMA_HOST: "http://127.0.0.1:9" } });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toMatch(/p\.md: front matter must be YAML/);
    expect(existsSync(m)).toBe(false);
  });

  it("a user override of a system prompt is refused by pai ask, before any model is called", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const m = marker();
    mkdirSync(join(home, "user", "overrides", "prompts"), { recursive: true });
    writeFileSync(join(home, "user", "overrides", "prompts", "answer.md"), `${evil(m)}Be brief.\n`);
    const r = pai(["ask", "hello"], { home, env: { OLLAMA_HOST: "http://127.0.0.1:9" } });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toMatch(/answer\.md: front matter must be YAML/);
    expect(existsSync(m)).toBe(false);
  });

  it("a Telos file is reported by telos check, treated as private, and never evaluated", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const m = marker();
    writeFileSync(join(home, "user", "telos", "goals.md"), `${evil(m)}\n# Goals\n\n- G1: ship it\n`);
    const check = pai(["telos", "check"], { home });
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/goals\.md:1: .*front matter: must be YAML, but the first line asks for 'js'/);
    for (const args of [["telos", "list"], ["context"], ["status"], ["context", "--for", "cloud", "--json"]]) {
      pai(args, { home });
    }
    const cloud = pai(["context", "--for", "cloud"], { home });
    expect(cloud.stdout).not.toContain("ship it");
    expect(existsSync(m)).toBe(false);
  });
});

describe("front matter is plain YAML", () => {
  it("a tag, a second document or a repeated key in a pack's front matter is refused in one line, nothing printed besides", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const head = "name: tagged\nversion: 1.0.0\n";
    const cases: [string, RegExp][] = [
      [`${head}description: !!js/function "function () { return 1 }"\n`, /unknown tag '!!js\/function'/],
      [`${head}description: !custom x\n`, /unknown tag '!custom'/],
      [`${head}description: !!binary aGk=\n`, /unknown tag '!!binary'/],
      [`${head}description: x\n--- name: other\n`, /second YAML document/],
      [`${head}description: x\nname: other\n`, /Map keys must be unique/],
    ];
    for (const [yaml, reason] of cases) {
      const dir = writeTree(tmpDir("pai-fm-pack-"), { "PACK.md": `---\n${yaml}commands:\n  go: { tier: prompt, description: s, prompt: p.md }\n---\n`, "p.md": "hi {{input}}\n" });
      for (const args of [["pack", "info", dir], ["pack", "install", dir, "--yes"]]) {
        const r = pai(args, { home });
        expect(r.code, `${yaml} ${args.join(" ")}`).toBe(1);
        expect(oneLine(r.stderr)).toMatch(reason);
      }
    }
    expect(existsSync(join(home, "user", "packs", "tagged"))).toBe(false);
  });

  it("a prompt file whose YAML front matter is broken is refused at install, not at its first run", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const dir = makePack(
      { name: "prompty", version: "1.0.0", description: "x", commands: { say: { tier: "prompt", description: "s", prompt: "p.md" } } },
      { "p.md": "---\nmodel: a\nmodel: b\n---\nSummarise: {{input}}\n" },
    );
    const r = pai(["pack", "install", dir, "--yes"], { home });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/p\.md.*not valid YAML \(Map keys must be unique\)/);
    expect(existsSync(join(home, "user", "packs", "prompty"))).toBe(false);
  });

  it("a Telos file with a tag is a problem for telos check, printed once, and its visibility is private", () => {
    const home = initHome(tmpDir("pai-fm-"));
    writeFileSync(join(home, "user", "telos", "goals.md"), "---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: !!str shareable\nnote: !custom x\n---\n\n- G1: TAGGEDGOAL\n");
    const check = pai(["telos", "check"], { home });
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/goals\.md:5: .*unknown tag '!custom'/);
    expect(check.stderr).not.toMatch(/YAMLWarning|\^\^\^/);
    const cloud = pai(["context", "--for", "cloud"], { home });
    expect(cloud.stdout).not.toContain("TAGGEDGOAL");
    expect(cloud.stderr).not.toMatch(/YAMLWarning|\^\^\^/);
  });

  it("a template override in another language is refused by init and telos edit before anything is written", () => {
    const home = tmpDir("pai-fm-");
    const m = marker();
    const over = join(home, "user", "overrides", "templates", "telos");
    mkdirSync(over, { recursive: true });
    writeFileSync(join(over, "ideas.md"), `${evil(m)}# Ideas\n`);
    const r = pai(["init"], { home });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/ideas\.md: front matter must be YAML/);
    expect(existsSync(join(home, "user", "telos", "goals.md"))).toBe(false);
    expect(existsSync(join(home, "user", "telos", "ideas.md"))).toBe(false);
    writeFileSync(join(over, "ideas.md"), "---\ntitle: Ideas\nupdated: 2026-01-01\nvisibility: private\n---\n");
    expect(pai(["init"], { home }).code).toBe(0);
    rmSync(join(home, "user", "telos", "ideas.md"));
    writeFileSync(join(over, "ideas.md"), `${evil(m)}# Ideas\n`);
    const edit = pai(["telos", "edit", "ideas"], { home, env: { EDITOR: "true" } });
    expect(edit.code).toBe(1);
    expect(oneLine(edit.stderr)).toMatch(/ideas\.md: front matter must be YAML/);
    expect(existsSync(join(home, "user", "telos", "ideas.md"))).toBe(false);
    expect(existsSync(m)).toBe(false);
  });
});

describe("Telos edge cases", () => {
  it("visibility given twice is private; an impossible updated date is a problem", () => {
    const home = initHome(tmpDir("pai-fm-"));
    writeFileSync(join(home, "user", "telos", "goals.md"), "---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: private\nvisibility: shareable\n---\n\n- G1: SECRETGOAL\n");
    writeFileSync(join(home, "user", "telos", "projects.md"), "---\ntitle: Projects\nupdated: 2026-02-30\nvisibility: shareable\n---\n\n- P1: a project\n");
    // The same key written once quoted: the lenient reading cannot read that line, so it must not pick the other.
    writeFileSync(join(home, "user", "telos", "ideas.md"), '---\ntitle: Ideas\nupdated: 2026-01-01\n"visibility": private\nvisibility: shareable\n---\n\n- I1: SECRETIDEA\n');
    writeFileSync(join(home, "user", "telos", "mission.md"), "---\ntitle: Mission\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n- M1: OPENMISSION\n");
    const check = pai(["telos", "check"], { home });
    const out = check.stdout + check.stderr;
    expect(check.code).toBe(1);
    expect(out).toMatch(/goals\.md:\d+: .*visibility is given twice; treated as private/);
    expect(out).toMatch(/ideas\.md:\d+: .*treated as private/);
    expect(out).toMatch(/projects\.md:\d+: .*updated must be a day that exists/);
    // A second visibility after a lone CR (shown as a new line by many editors) counts too.
    writeFileSync(join(home, "user", "telos", "learned.md"), "---\ntitle: Learned\nupdated: 2026-01-01\nnote: x\rvisibility: private\nvisibility: shareable\n---\n\n- L1: SECRETLESSON\n");
    // Any other key given twice is a problem too.
    writeFileSync(join(home, "user", "telos", "beliefs.md"), "---\ntitle: Beliefs\ntitle: Other\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n- B1: a belief\n");
    const again = pai(["telos", "check"], { home });
    expect(again.stdout + again.stderr).toMatch(/beliefs\.md:3: .*title is given twice — keep one/);
    const cloud = pai(["context", "--for", "cloud"], { home }).stdout;
    expect(cloud).not.toContain("SECRETLESSON");
    expect(cloud).toContain("OPENMISSION");
    expect(cloud).not.toContain("SECRETGOAL");
    expect(cloud).not.toContain("SECRETIDEA");
  });

  it("a FIFO or a device as a Telos file is skipped with a warning, never opened", () => {
    const home = initHome(tmpDir("pai-fm-"));
    const goals = join(home, "user", "telos", "goals.md");
    execFileSync("rm", [goals]);
    execFileSync("mkfifo", [goals]);
    const ideas = join(home, "user", "telos", "ideas.md");
    execFileSync("rm", [ideas]);
    execFileSync("ln", ["-s", "/dev/zero", ideas]);
    // A link to a FIFO, too.
    const fifo = join(tmpDir("pai-fm-fifo-"), "fifo");
    execFileSync("mkfifo", [fifo]);
    const prefs = join(home, "user", "preferences.md");
    execFileSync("rm", [prefs]);
    execFileSync("ln", ["-s", fifo, prefs]);
    for (const args of [["telos", "check"], ["telos", "list"], ["context"], ["status"]]) {
      const r = pai(args, { home, timeoutMs: 15_000 });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).not.toBe(128);
      if (args[1] === "check") {
        expect(r.stdout + r.stderr).toMatch(/goals\.md:1: .*is a FIFO, not a plain file; skipped/);
        expect(r.stdout + r.stderr).toMatch(/ideas\.md:1: .*is a device, not a plain file; skipped/);
        expect(r.stdout + r.stderr).toMatch(/preferences\.md:1: .*is a FIFO, not a plain file; skipped/);
      }
    }
  });
});
