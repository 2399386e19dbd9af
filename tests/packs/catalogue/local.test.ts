/** The catalogue's packs that need no model and no network: journal, telos (code), notes-search, git-digest, voice (espeak-ng). */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../../helpers/tmp.ts";
import { useTelosExamples } from "../../helpers/telos-examples.ts";
import { home, install, memories, runIn, setSettings, writeTree } from "../helpers.ts";

const run = (p: ReturnType<typeof home>, ref: string, input: { args?: string[]; text?: string; vars?: Record<string, string> } = {}) => {
  const [pack, command] = ref.split(":") as [string, string];
  return runIn({ pack, command }, input, { paths: p });
};

describe("journal", () => {
  it("appends time-stamped entries to today's note and shows it", async () => {
    const p = home();
    await install(p, "journal");
    const a = await run(p, "journal:write", { text: "Shipped the dispatcher.", vars: { time: "09:15", date: "2026-03-02" } });
    expect(a.ok).toBe(true);
    await run(p, "journal:write", { text: "Long walk.", vars: { time: "18:40", date: "2026-03-02" } });
    const file = join(p.user, "journal", "2026-03-02.md");
    expect(readFileSync(file, "utf8")).toBe("---\ndate: 2026-03-02\n---\n\n# 2026-03-02\n\n## 09:15\n\nShipped the dispatcher.\n\n## 18:40\n\nLong walk.\n");
    const shown = await run(p, "journal:today", { vars: { date: "2026-03-02" } });
    expect(shown.output).toContain("## 18:40\n\nLong walk.");
    const none = await run(p, "journal:today", { vars: { date: "2020-01-01" } });
    expect(none.output).toBe("No journal note for 2020-01-01.");
    const bad = await run(p, "journal:write", { text: "x", vars: { date: "../../etc/passwd" } });
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/date must be YYYY-MM-DD/);
  });

  it("writes where the setting says, and nowhere else", async () => {
    const p = home();
    await install(p, "journal");
    const elsewhere = tmpDir();
    setSettings(p, "journal", { folder: elsewhere });
    await run(p, "journal:write", { text: "moved", vars: { date: "2026-03-03" } });
    expect(existsSync(join(elsewhere, "2026-03-03.md"))).toBe(true);
    expect(existsSync(join(p.user, "journal"))).toBe(false);
  });
});

describe("telos check-ins", () => {
  it("appends a numbered lesson to learned.md for a goal and remembers it; unknown goals change nothing", async () => {
    const p = home();
    useTelosExamples(p.home);
    await install(p, "telos");
    const learned = join(p.telos, "learned.md");
    const r = await run(p, "telos:checkin", { text: "tagged the first release", vars: { goal: "g1" } });
    expect(r).toMatchObject({ ok: true, output: "Recorded L1 in learned.md for G1." });
    await run(p, "telos:checkin", { text: "read two chapters" });
    const text = readFileSync(learned, "utf8");
    expect(text).toMatch(/\n- L1: \d{4}-\d{2}-\d{2} — tagged the first release \(supports: G1\)\n- L2: \d{4}-\d{2}-\d{2} — read two chapters\n$/);
    const mem = memories(p);
    expect(mem.find((m) => m.kind === "event")?.content).toMatch(/^Progress check-in .* on G1: tagged the first release$/);
    expect(mem.filter((m) => m.kind === "action" && m.source === "pack:telos:checkin")).toHaveLength(2);
    const bad = await run(p, "telos:checkin", { text: "x", vars: { goal: "G9" } });
    expect(bad.output).toMatch(/no goal G9 in goals.md \(goals: G1, G2\)/);
    expect(readFileSync(learned, "utf8")).toBe(text);
    const goals = await run(p, "telos:goals");
    expect(goals.output.split("\n").slice(0, 2)).toEqual(["G1: Ship a first version of my side project by summer (supports: M1)", expect.stringMatching(/^  L1: .* \(supports: G1\)$/)]);
  });
});

describe("notes-search (ripgrep)", () => {
  it("finds matches in every configured folder, treats the query as a pattern (never an option), and reports no match quietly", async () => {
    const p = home();
    await install(p, "notes-search");
    const a = writeTree(tmpDir(), { "infra.md": "# Infra\nkubernetes upgrade in March\n", "misc.txt": "nothing\n" });
    const b = writeTree(tmpDir(), { "deep/ideas.md": "Try Kubernetes operators\n", "-e.md": "--files\n" });
    setSettings(p, "notes-search", { folders: [a, b] });
    const r = await run(p, "notes-search:search", { text: "kubernetes" });
    expect(r.ok).toBe(true);
    expect(r.output.split("\n").sort()).toEqual([`${a}/infra.md:2:kubernetes upgrade in March`, `${b}/deep/ideas.md:1:Try Kubernetes operators`].sort());
    const opt = await run(p, "notes-search:search", { text: "--files" });
    expect(opt.output).toBe(`${b}/-e.md:1:--files`);
    const none = await run(p, "notes-search:search", { text: "zebra" });
    expect(none).toMatchObject({ ok: true, output: "" });
    const files = await run(p, "notes-search:files", { text: "*idea*" });
    expect(files.output).toBe(`${b}/deep/ideas.md`);
  });

  it("a missing folder is a clear failure, not a crash", async () => {
    const p = home();
    await install(p, "notes-search");
    setSettings(p, "notes-search", { folders: [join(tmpDir(), "gone")] });
    const r = await run(p, "notes-search:search", { text: "x" });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^rg exited with code 2: .*gone/);
  });
});

describe("git-digest", () => {
  function repo(dir: string, commits: [string, string][]): string {
    mkdirSync(dir, { recursive: true });
    const g = (args: string[], env: Record<string, string> = {}) =>
      execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "a@example.com", GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "a@example.com", ...env } });
    g(["init", "-q", "-b", "main"]);
    for (const [date, msg] of commits) {
      writeFileSync(join(dir, `${msg.replace(/\W/g, "_")}.txt`), msg);
      g(["add", "."]);
      g(["commit", "-q", "-m", msg], { GIT_AUTHOR_DATE: `${date}T12:00:00Z`, GIT_COMMITTER_DATE: `${date}T12:00:00Z` });
    }
    return dir;
  }

  it("lists the commits since a date in every repository under the configured folders", async () => {
    const p = home();
    await install(p, "git-digest");
    const root = tmpDir();
    repo(join(root, "alpha"), [["2026-01-10", "old work"], ["2026-02-20", "add parser"], ["2026-02-22", "fix parser"]]);
    repo(join(root, "beta"), [["2026-01-05", "ancient"]]);
    mkdirSync(join(root, "not-a-repo"));
    setSettings(p, "git-digest", { repos: [root] });
    const r = await run(p, "git-digest:digest", { args: ["2026-02-01"] });
    expect(r.ok).toBe(true);
    expect(r.output).toMatch(/^# Changes since 2026-02-01\n\n## alpha \(2 commits, Ada\)\n\n- 2026-02-22 [0-9a-f]{7,} fix parser \(1 file\)\n- 2026-02-20 [0-9a-f]{7,} add parser \(1 file\)$/);
    expect((r.data as { repos: number }).repos).toBe(2);
    const none = await run(p, "git-digest:digest", { vars: { since: "2026-03-01" } });
    expect(none.output).toBe("No commits since 2026-03-01 in 2 repositories.");
    const log = await run(p, "git-digest:log", { args: [join(root, "alpha"), "2026-02-21"] });
    expect(log.output).toMatch(/^[0-9a-f]+ fix parser$/);
    const outside = await run(p, "git-digest:log", { args: [tmpDir(), "2026-01-01"] });
    expect(outside.outcome).toBe("refused");
  });
});

describe("voice (espeak-ng)", () => {
  function wavDataSize(buf: Buffer): number {
    expect(buf.subarray(0, 4).toString("latin1")).toBe("RIFF");
    expect(buf.subarray(8, 12).toString("latin1")).toBe("WAVE");
    let off = 12;
    while (off + 8 <= buf.length) {
      const id = buf.subarray(off, off + 4).toString("latin1");
      const size = buf.readUInt32LE(off + 4);
      if (id === "data") return Math.min(size, buf.length - off - 8);
      off += 8 + size + (size % 2);
    }
    return 0;
  }

  it("the cli command writes a WAV with real audio", async () => {
    const p = home();
    await install(p, "voice");
    const r = await run(p, "voice:espeak", { text: "The build is green." });
    expect(r.ok).toBe(true);
    const wav = readFileSync(join(p.user, "voice", "espeak.wav"));
    expect(wavDataSize(wav)).toBeGreaterThan(1000);
  });

  it("say uses espeak-ng without an ElevenLabs key, writes the WAV and reports a missing player without failing", async () => {
    const p = home();
    await install(p, "voice");
    const saved = process.env.ELEVENLABS_API_KEY;
    delete process.env.ELEVENLABS_API_KEY;
    try {
      const r = await run(p, "voice:say", { text: "-v de hello" });
      expect(r.ok).toBe(true);
      const data = r.data as { engine: string; file: string; bytes: number };
      expect(data.engine).toBe("espeak-ng");
      expect(data.file.startsWith(join(p.user, "voice"))).toBe(true);
      expect(wavDataSize(readFileSync(data.file))).toBeGreaterThan(1000);
      setSettings(p, "voice", { play: false });
      const quiet = await run(p, "voice:say", { text: "quiet" });
      expect((quiet.data as { played: boolean }).played).toBe(false);
      expect(quiet.output).not.toContain("not played");
    } finally {
      if (saved !== undefined) process.env.ELEVENLABS_API_KEY = saved;
    }
  });
});
