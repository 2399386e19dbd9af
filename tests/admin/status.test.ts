import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDriver } from "#db";
import { configSchema } from "../../src/config/schema.ts";
import { CONFIG_DEFAULTS } from "../../src/config/defaults.ts";
import { paths } from "../../src/kernel/paths.ts";
import { configSummary, getStatus, interpretRevList, memoryCount, upgradeStateAsync } from "../../src/admin/status.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { fm, telosHome } from "../telos/helpers.ts";

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

describe("status", () => {
  it("the config defaults it reads without zod equal the schema's", () => {
    const d = configSchema.parse({});
    expect(CONFIG_DEFAULTS).toEqual(d);
    expect({ backend: d.backend.default, ollamaModel: d.ollama.model, anthropicModel: d.anthropic.model }).toEqual({ backend: "ollama", ollamaModel: "llama3.2", anthropicModel: "claude-sonnet-4-6" });
  });

  it("reads name, backend and model from the config, and reports a broken config", async () => {
    const dir = tmpDir();
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ user: { name: "Ada" }, backend: { default: "anthropic" } }));
    expect(await configSummary(file)).toEqual({ name: "Ada", backend: { name: "anthropic", model: CONFIG_DEFAULTS.anthropic.model }, problem: null });
    writeFileSync(file, JSON.stringify({ models: { answer: { backend: "ollama", model: "qwen3" } } }));
    expect((await configSummary(file)).backend).toEqual({ name: "ollama", model: "qwen3" });
    writeFileSync(file, JSON.stringify({ backend: { default: "openai" } }));
    const bad = await configSummary(file);
    expect(bad.problem).toContain("backend.default");
    writeFileSync(file, "{ not json");
    expect((await configSummary(file)).problem).toContain("is not valid JSON");
  });

  it("counts current memory items (the superseded apart) when the table exists, 0 otherwise, and reports an unreadable database", async () => {
    const dir = tmpDir();
    const db = join(dir, "pai.db");
    expect(await memoryCount(db)).toEqual({ count: 0, superseded: 0, error: null });
    const d = openDriver(db);
    d.exec("CREATE TABLE other (x)");
    d.close();
    expect(await memoryCount(db)).toEqual({ count: 0, superseded: 0, error: null });
    const d2 = openDriver(db);
    d2.exec(
      "CREATE TABLE memory_items (id INTEGER PRIMARY KEY, text TEXT, superseded_by INTEGER); INSERT INTO memory_items (text, superseded_by) VALUES ('a', NULL), ('b', NULL), ('c', 2)",
    );
    d2.close();
    expect(await memoryCount(db)).toEqual({ count: 2, superseded: 1, error: null });
    const junk = join(dir, "junk.db");
    writeFileSync(junk, "this is not a database at all, just text");
    const r = await memoryCount(junk);
    expect(r.count).toBeNull();
    expect(r.error).toContain("not a SQLite database");
  });

  it("upgrade state: not a git checkout, no upstream, behind, ahead, diverged", async () => {
    expect((await upgradeStateAsync(tmpDir())).state).toBe("not a git checkout");
    const upstream = tmpDir();
    git(upstream, "init", "-q", "-b", "main");
    writeFileSync(join(upstream, "a"), "1");
    git(upstream, "add", "a");
    git(upstream, "commit", "-qm", "one");
    const clone = tmpDir();
    git(clone, "clone", "-q", upstream, ".");
    expect(await upgradeStateAsync(clone)).toMatchObject({ state: "up to date", ahead: 0, behind: 0 });
    writeFileSync(join(upstream, "a"), "2");
    git(upstream, "commit", "-qam", "two");
    expect((await upgradeStateAsync(clone)).state).toBe("up to date"); // no fetch yet: no network is used
    git(clone, "fetch", "-q");
    expect(await upgradeStateAsync(clone)).toMatchObject({ state: "behind", behind: 1, ahead: 0 });
    expect(await upgradeStateAsync(clone, 5000, "node")).toMatchObject({ state: "behind", behind: 1, ahead: 0 });
    writeFileSync(join(clone, "b"), "local");
    git(clone, "add", "b");
    git(clone, "commit", "-qm", "local");
    expect(await upgradeStateAsync(clone)).toMatchObject({ state: "diverged", behind: 1, ahead: 1 });
    git(clone, "checkout", "-q", "-b", "loose");
    expect((await upgradeStateAsync(clone)).state).toBe("no upstream");
    expect((await upgradeStateAsync(clone, 5000, "node")).state).toBe("no upstream");
    expect(interpretRevList(0, "2\t0\n", "")).toMatchObject({ state: "ahead", ahead: 2 });
  });

  it("getStatus gathers who, goals, active projects, counts, backend and upgrade", async () => {
    const p = telosHome({
      mission: `${fm("Mission")}\n- M1: Help people think\n`,
      goals: `${fm("Goals")}\n- G1: Run (supports: M1)\n`,
      projects: `${fm("Projects")}\n## Active\n- P1: Plan\n## Done\n- P2: Old\n`,
    });
    writeFileSync(p.config, JSON.stringify({ user: { name: "Ada" } }));
    mkdirSync(join(p.packs, "notify"), { recursive: true });
    mkdirSync(join(p.packs, "weather"), { recursive: true });
    writeFileSync(join(p.packs, "README.md"), "not a pack");
    const s = await getStatus({ ...p, install: tmpDir() });
    expect(s).toMatchObject({
      name: "Ada",
      mission: [{ id: "M1", text: "Help people think" }],
      goals: [{ id: "G1", text: "Run" }],
      projects: [{ id: "P1", text: "Plan" }],
      counts: { telosItems: 4, memory: 0, packs: 2 },
      backend: { name: "ollama", model: CONFIG_DEFAULTS.ollama.model },
      upgrade: { state: "not a git checkout" },
      problems: { telosErrors: 0, telosWarnings: 0, config: null, database: null },
    });
    expect(s.counts.telos).toMatchObject({ mission: 1, goals: 1, projects: 2, ideas: 0 });
  });
});

describe("pai status (CLI)", () => {
  it("--json has a stable shape; the screen shows who and what", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const r = pai(["status", "--json"], { home });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s).sort()).toEqual(["backend", "counts", "goals", "home", "mission", "name", "problems", "projects", "upgrade"]);
    expect(s.home).toBe(home);
    expect(s.name).toBe("Ada");
    expect(s.goals.map((g: { id: string }) => g.id)).toEqual(["G1", "G2"]);
    expect(s.projects).toEqual([{ id: "P1", text: "My side project" }]);
    expect(Object.keys(s.counts).sort()).toEqual(["memory", "memory_superseded", "packs", "telos", "telos_inactive", "telos_items"]);
    expect(Object.keys(s.counts.telos)).toHaveLength(11);
    expect(s.backend).toEqual({ name: "ollama", model: CONFIG_DEFAULTS.ollama.model });
    expect(Object.keys(s.upgrade).sort()).toEqual(["ahead", "behind", "detail", "state"]);
    expect(["up to date", "behind", "ahead", "diverged", "no upstream", "not a git checkout", "unknown"]).toContain(s.upgrade.state);

    const screen = pai(["status"], { home });
    expect(screen.code).toBe(0);
    expect(screen.stdout).toMatch(/^Who\s+Ada$/m);
    expect(screen.stdout).toMatch(/^Goals\s+G1 Ship a first version/m);
    expect(screen.stdout).toContain(`ollama · ${CONFIG_DEFAULTS.ollama.model}\n`);
  });

  it("status and context exit 3 with 'run pai init' when PAI_HOME has no user/", () => {
    const home = tmpDir();
    for (const args of [["status"], ["context"]]) {
      const r = pai(args, { home });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^pai: no user\/ folder in .* — run 'pai init'/);
    }
  });

  it("shows problems instead of failing when the database is not SQLite", () => {
    const home = initHome(tmpDir());
    const db = paths(home).db;
    writeFileSync(db, "garbage garbage garbage garbage");
    const r = pai(["status", "--json"], { home });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.counts.memory).toBeNull();
    expect(s.problems.database).toContain("not a SQLite database");
    expect(readFileSync(db, "utf8")).toBe("garbage garbage garbage garbage");
  });

  it("a broken config: status still shows what it can and names the problem with its fix", () => {
    const home = initHome(tmpDir());
    const file = paths(home).config;
    for (const text of ['{"user": {"name": ', '{"user": {"name": 5}}']) {
      writeFileSync(file, text);
      const r = pai(["status"], { home });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Stored\s+0 Telos items, 0 memories/m);
      expect(r.stdout).toMatch(/^Home\s+/m);
      const problems = r.stdout.split("\n").find((l) => l.startsWith("Problems"));
      expect(problems).toContain(`config: ${file}`);
      expect(problems).toMatch(/ — .*(by hand|pai init)/);
      expect(readFileSync(file, "utf8")).toBe(text);
    }
  });
});
