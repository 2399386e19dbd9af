import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installPack, listAvailable, listInstalled, uninstallPack, updatePack, verifyPack } from "../../src/packs/index.ts";
import { PAI_BIN, ROOT, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { home, makePack, runIn } from "./helpers.ts";

const manifest = (version = "1.0.0", extra: object = {}) => ({
  name: "hello",
  version,
  description: "says hello",
  commands: { greet: { tier: "code", description: "greets", module: "hello.ts", permissions: { write: ["$PAI_HOME/user/hello"] }, ...extra } },
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();
}

function gitPack(): { repo: string; commit: string } {
  const repo = makePack(manifest(), { "hello.ts": "export default () => 'hello'" }, tmpDir("pai-git-pack-"));
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "first");
  return { repo, commit: git(repo, "rev-parse", "HEAD") };
}

describe("installing packs", () => {
  it("installs a built-in pack: files copied, every file's sha256 recorded, grants in the lock file", async () => {
    const p = home();
    const r = await installPack("journal", { yes: true, paths: p });
    expect(r.name).toBe("journal");
    expect(existsSync(join(p.packs, "journal", "pack.json"))).toBe(true);
    const lock = JSON.parse(readFileSync(join(p.packs, "journal.lock.json"), "utf8"));
    expect(lock.source).toEqual({ type: "builtin", location: "journal" });
    expect(Object.keys(lock.files).sort()).toEqual(["README.md", "journal.ts", "pack.json"]);
    expect(lock.files["pack.json"]).toMatch(/^[0-9a-f]{64}$/);
    expect(lock.grants.write.write).toEqual(["{{config.folder}}"]);
    expect(listInstalled(p).map((i) => i.name)).toEqual(["journal"]);
    expect(listAvailable(p).find((a) => a.name === "journal")?.installed).toBe(true);
  });

  it("installs from a local folder, and refuses a second install of the same name", async () => {
    const p = home();
    const src = makePack(manifest(), { "hello.ts": "export default () => 'hello'" });
    await installPack(src, { yes: true, paths: p });
    expect(readFileSync(join(p.packs, "hello", "hello.ts"), "utf8")).toContain("hello");
    await expect(installPack(src, { yes: true, paths: p })).rejects.toThrow(/a pack named 'hello' is already installed/);
  });

  it("installs from a git repository (file:// and a bare repo), recording the pinned commit; update moves to the new commit", async () => {
    const p = home();
    const { repo, commit } = gitPack();
    const bare = tmpDir("pai-bare-");
    execFileSync("git", ["clone", "-q", "--bare", repo, join(bare, "hello.git")]);
    const r = await installPack(`file://${join(bare, "hello.git")}`, { yes: true, paths: p });
    expect(r.source.commit).toBe(commit);
    const lock = () => JSON.parse(readFileSync(join(p.packs, "hello.lock.json"), "utf8"));
    expect(lock().source).toMatchObject({ type: "git", location: `file://${join(bare, "hello.git")}`, commit });
    expect(existsSync(join(p.packs, "hello", ".git"))).toBe(false);

    // A new commit upstream: update installs it and records the new commit.
    writeFileSync(join(repo, "pack.json"), JSON.stringify(manifest("1.1.0")));
    git(repo, "commit", "-q", "-am", "second");
    git(repo, "push", "-q", join(bare, "hello.git"), "main");
    const [u] = await updatePack("hello", { yes: true, paths: p });
    expect(u).toMatchObject({ name: "hello", from: "1.0.0", to: "1.1.0", changed: true });
    expect(lock().source.commit).toBe(git(repo, "rev-parse", "HEAD"));
    expect(lock().version).toBe("1.1.0");
    const [again] = await updatePack("hello", { yes: true, paths: p });
    expect(again!.changed).toBe(false);
  });

  it("a long-running process (the daemon) runs the new code of a pack after an update", () => {
    const script = join(tmpDir(), "reload.ts");
    writeFileSync(
      script,
      `
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { initUser } from ${JSON.stringify(join(ROOT, "src/admin/init.ts"))};
import { paths } from ${JSON.stringify(join(ROOT, "src/kernel/paths.ts"))};
import { openDatabase } from ${JSON.stringify(join(ROOT, "src/app/db.ts"))};
import { loadConfig } from ${JSON.stringify(join(ROOT, "src/config/index.ts"))};
import { installPack, updatePack, runPackCommand } from ${JSON.stringify(join(ROOT, "src/packs/index.ts"))};
const p = paths(mkdtempSync(join(tmpdir(), "pai-reload-")));
initUser({ paths: p, openDatabase });
const src = mkdtempSync(join(tmpdir(), "pai-reload-src-"));
writeFileSync(join(src, "pack.json"), JSON.stringify({ name: "hello", version: "1.0.0", description: "d", commands: { greet: { tier: "code", description: "g", module: "hello.ts" } } }));
writeFileSync(join(src, "hello.ts"), "export default () => 'one'");
await installPack(src, { yes: true, paths: p });
const db = openDatabase(p.db);
const config = loadConfig(p.config);
const a = (await runPackCommand({ pack: "hello", command: "greet" }, {}, { paths: p, config, db })).output;
writeFileSync(join(src, "hello.ts"), "export default () => 'two'");
await updatePack("hello", { yes: true, paths: p });
const b = (await runPackCommand({ pack: "hello", command: "greet" }, {}, { paths: p, config, db })).output;
db.close();
console.log(a + "," + b);
rmSync(p.home, { recursive: true, force: true });
rmSync(src, { recursive: true, force: true });
`,
    );
    const out = execFileSync(join(ROOT, "node_modules", ".bin", "bun"), [script], { encoding: "utf8" });
    expect(out.trim()).toBe("one,two");
  });

  it("pins a git ref given after #", async () => {
    const p = home();
    const { repo, commit } = gitPack();
    writeFileSync(join(repo, "pack.json"), JSON.stringify(manifest("2.0.0")));
    git(repo, "commit", "-q", "-am", "v2");
    const r = await installPack(`${repo}/.git#${commit}`, { yes: true, paths: p });
    expect(r.version).toBe("1.0.0");
    expect(r.source.commit).toBe(commit);
  });

  it("an update that asks for new permissions needs consent; without it nothing changes", async () => {
    const p = home();
    const src = makePack(manifest(), { "hello.ts": "export default () => 'hello'" });
    await installPack(src, { yes: true, paths: p });
    writeFileSync(join(src, "pack.json"), JSON.stringify(manifest("1.1.0", { permissions: { network: ["evil.example"] } })));
    await expect(updatePack("hello", { paths: p })).rejects.toThrow(/asks for new permissions; nothing was updated/);
    expect(JSON.parse(readFileSync(join(p.packs, "hello", "pack.json"), "utf8")).version).toBe("1.0.0");
  });

  it("an invalid pack installs nothing, and a clone URL that fails says so", async () => {
    const p = home();
    const src = makePack({ ...manifest(), commands: { greet: { tier: "code", description: "x", module: "missing.ts" } } });
    await expect(installPack(src, { yes: true, paths: p })).rejects.toThrow(/commands.greet.module: file 'missing.ts' not found/);
    expect(readdirSync(p.packs)).toEqual([]);
    await expect(installPack(`file://${tmpDir()}/nothing.git`, { yes: true, paths: p })).rejects.toThrow(/could not clone/);
    expect(readdirSync(p.packs)).toEqual([]);
  });

  it("refuses a pack holding a symbolic link (it could point anywhere)", async () => {
    const p = home();
    const src = makePack(manifest(), { "hello.ts": "export default () => ''" });
    require("node:fs").symlinkSync("/etc/hostname", join(src, "data.txt"));
    await expect(installPack(src, { yes: true, paths: p })).rejects.toThrow(/data.txt in .* is a symbolic link; packs may hold only plain files and folders/);
    expect(readdirSync(p.packs)).toEqual([]);
  });

  it("runs nothing from the pack at install", async () => {
    const p = home();
    const marker = join(tmpDir(), "ran");
    const src = makePack(manifest(), { "hello.ts": `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x"); export default () => ""` });
    await installPack(src, { yes: true, paths: p });
    expect(existsSync(marker)).toBe(false);
  });

  it("asks before granting: a refusal installs nothing; no terminal and no --yes refuses with a hint", async () => {
    const p = home();
    let shown: unknown;
    await expect(
      installPack("notify", {
        paths: p,
        confirm: (_m, summary) => {
          shown = summary;
          return false;
        },
      }),
    ).rejects.toThrow(/cancelled; nothing was installed/);
    expect(shown).toEqual([
      {
        command: "send",
        tier: "code",
        permissions: expect.objectContaining({ env: ["NTFY_TOKEN", "DISCORD_WEBHOOK_URL"] }),
        described: ["network: ntfy.sh (setting server), discord.com (setting discordApi)", "secrets: NTFY_TOKEN, DISCORD_WEBHOOK_URL"],
      },
    ]);
    expect(readdirSync(p.packs)).toEqual([]);
    const r = pai(["pack", "install", "notify"], { home: p.home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/needs your consent.*no terminal.*run again with --yes/);
    expect(readdirSync(p.packs)).toEqual([]);
  });

  it("on a terminal, install shows the permissions with their current values and asks", () => {
    const p = home();
    const ask = (answer: string) =>
      execFileSync("script", ["-qec", `${PAI_BIN} pack install journal`, "/dev/null"], {
        input: answer,
        encoding: "utf8",
        env: { ...process.env, PAI_HOME: p.home, NO_COLOR: "1" },
      });
    let out = "";
    try {
      out = ask("n\n");
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? "");
    }
    expect(out).toContain(`write (code): write: ${join(p.user, "journal")} (setting folder)`);
    expect(out).toContain("cancelled; nothing was installed");
    expect(readdirSync(p.packs)).toEqual([]);
    expect(ask("y\n")).toContain("Installed journal 1.0.0");
    expect(readdirSync(p.packs).sort()).toEqual(["journal", "journal.lock.json"]);
  });

  it("verify finds modified, missing and added files; uninstall removes the pack and its lock", async () => {
    const p = home();
    await installPack("journal", { yes: true, paths: p });
    expect(verifyPack("journal", p)).toEqual([{ name: "journal", ok: true, modified: [], missing: [], added: [] }]);
    writeFileSync(join(p.packs, "journal", "journal.ts"), "export const write = () => 'tampered'");
    unlinkSync(join(p.packs, "journal", "README.md"));
    writeFileSync(join(p.packs, "journal", "extra.ts"), "");
    expect(verifyPack(undefined, p)).toEqual([{ name: "journal", ok: false, modified: ["journal.ts"], missing: ["README.md"], added: ["extra.ts"] }]);
        const tampered = await runIn({ pack: "journal", command: "write" }, { text: "x" }, { paths: p });
    expect(tampered.output).toBe("pack journal changed since install (journal.ts, extra.ts (added), README.md (missing))");
    const cli = pai(["pack", "verify", "--json"], { home: p.home });
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).packs[0].modified).toEqual(["journal.ts"]);
    expect(cli.stderr).toMatch(/reinstall to restore: pai pack update journal/);
    // The fix verify names works: update copies the pack again from its unchanged source.
    const update = pai(["pack", "update", "journal"], { home: p.home });
    expect(update.code).toBe(0);
    expect(update.stdout).toBe("journal: restored 1.0.0 from its source (the installed files had changed)\n");
    expect(verifyPack("journal", p)).toEqual([{ name: "journal", ok: true, modified: [], missing: [], added: [] }]);
    expect(pai(["pack", "update", "journal"], { home: p.home }).stdout).toBe("journal: up to date (1.0.0)\n");
    uninstallPack("journal", p);
    expect(readdirSync(p.packs)).toEqual([]);
    expect(() => uninstallPack("journal", p)).toThrow(/no installed pack 'journal'/);
  });

  it("the CLI: list, info, install --yes, config, uninstall", () => {
    const p = home();
    const avail = pai(["pack", "list", "--available", "--json"], { home: p.home });
    expect(avail.code).toBe(0);
    expect(JSON.parse(avail.stdout).map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(["codegen", "git-digest", "journal", "notes-search", "notify", "patterns", "research", "telos", "voice"]),
    );
    const info = pai(["pack", "info", "notify", "--json"], { home: p.home });
    expect(JSON.parse(info.stdout)).toMatchObject({ name: "notify", installed: false, commands: [{ name: "send", tier: "code" }] });
    expect(pai(["pack", "install", "notify", "--yes"], { home: p.home }).code).toBe(0);
    const set = pai(["pack", "config", "notify", "topic", "ada-alerts"], { home: p.home });
    expect(set.stdout).toContain('notify.topic = "ada-alerts"');
    const bad = pai(["pack", "config", "notify", "colour", "red"], { home: p.home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^pai: pack 'notify' has no setting 'colour' — its settings: channels, server, topic, discordApi\n$/);
    const info2 = JSON.parse(pai(["pack", "info", "notify", "--json"], { home: p.home }).stdout);
    expect(info2.integrity.ok).toBe(true);
    expect(info2.recent_runs).toEqual([]);
    expect(pai(["pack", "config", "notify", "topic", "--unset"], { home: p.home }).code).toBe(0);
    expect(pai(["run", "notify:send", "hi"], { home: p.home }).code).toBe(1); // no topic: nothing is sent anywhere
    expect(JSON.parse(pai(["pack", "info", "notify", "--json"], { home: p.home }).stdout).recent_runs).toEqual([
      expect.objectContaining({ command: "send", tier: "code", origin: "cli", outcome: "failed", error: expect.stringContaining("no ntfy topic") }),
    ]);
    expect(info2.commands[0].effective.network).toEqual(["ntfy.sh", "discord.com"]);
    expect(info2.settings.find((s: { key: string }) => s.key === "topic")).toMatchObject({ value: "ada-alerts", set: true });
    const unknown = pai(["pack", "install", "jornal", "--yes"], { home: p.home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no pack named 'jornal' in the catalogue \(did you mean 'journal'\?\)/);
    expect(pai(["pack", "uninstall", "notify"], { home: p.home }).code).toBe(0);
    expect(JSON.parse(pai(["pack", "list", "--json"], { home: p.home }).stdout)).toEqual([]);
  });
});
