/**
 * The context policy against the real CLI: what the user told pai reaches the context even after many long
 * exchanges and a flood of bookkeeping, episodes enter condensed, and `pai context --explain` says why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { fm } from "../telos/helpers.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { allMigrations, integrityCheck, migrate, openDatabase } from "../../src/app/db.ts";

/**
 * An answer of ordinary length (about 1,200 characters, some shorter, as real answers vary) about the
 * question, mentioning nothing remembered.
 */
function longAnswer(question: string): string {
  const size = 1200 - (question.length % 5) * 150;
  const lines = [
    `Here is a careful answer to "${question}".`,
    "First, think about what matters most this week and write it down in one sentence.",
    "Second, block two hours in the morning for the hardest task, before messages and meetings start.",
    "Third, keep a short list of the small tasks and batch them in the afternoon when energy is lower.",
    "Fourth, review the list on Friday, move what did not happen, and drop what no longer matters.",
    "Fifth, protect the evenings: rest is part of the work, and a tired mind makes slow decisions.",
  ];
  let text = lines.join(" ");
  while (text.length < size) text += " " + lines.slice(1).join(" ");
  return text.slice(0, size);
}

let ollama: FakeServer;
beforeAll(async () => {
  ollama = await startFakeOllama({
    reply: (body: any) => {
      // Learning asks for JSON: nothing to learn from these answers.
      if (body?.format) return JSON.stringify({ items: [] });
      const last = [...(body?.messages ?? [])].reverse().find((m: any) => m.role === "user");
      return longAnswer(String(last?.content ?? ""));
    },
  });
});
afterAll(async () => {
  await ollama.close();
});

const QUESTIONS = [
  "how should I plan my week?",
  "what is a good way to start the morning?",
  "how do I keep a reading habit?",
  "what should I cook on a busy evening?",
  "how can I sleep better?",
  "how do I prepare for a long meeting?",
  "how do I say no to extra work politely?",
  "what is a good stretch after running?",
  "how do I write a clear email?",
  "how should I split a big project?",
  "what makes a good weekly review?",
  "how do I keep my desk tidy?",
];

function contextFor(home: string, query: string, extra: string[] = []) {
  const r = pai(["context", "--query", query, "--json", ...extra], { home });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("the context keeps what the user told pai", () => {
  it("facts survive many long exchanges: 'who is Dario?' and 'what am I allergic to?' still bring them", async () => {
    const home = initHome(tmpDir());
    const env = { OLLAMA_HOST: ollama.url };
    expect(pai(["remember", "My partner Dario works as a nurse at the Lyon hospital"], { home }).code).toBe(0);
    expect(pai(["remember", "I am allergic to penicillin"], { home }).code).toBe(0);
    for (const q of QUESTIONS) {
      const r = await paiAsync(["ask", "--backend", "ollama", "--no-packs", q], { home, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(500);
    }
    const episodes = JSON.parse(pai(["memory", "list", "--kind", "episode", "--json"], { home }).stdout);
    expect(episodes.length).toBe(QUESTIONS.length);

    const dario = contextFor(home, "who is Dario?");
    expect(dario.text).toContain("My partner Dario works as a nurse at the Lyon hospital");
    expect(dario.tokens).toBeLessThanOrEqual(dario.budget);
    const allergy = contextFor(home, "what am I allergic to?");
    expect(allergy.text).toContain("I am allergic to penicillin");
    // With a small budget the facts still come before the exchanges.
    const small = contextFor(home, "who is Dario?", ["--budget", "300"]);
    expect(small.text).toContain("Dario works as a nurse");
    expect(small.tokens).toBeLessThanOrEqual(300);

    // Exchanges enter condensed: the question and a short gist, never the whole 1,200-character answer.
    const plain = contextFor(home, "how should I plan my week?");
    expect(plain.tokens).toBeLessThanOrEqual(plain.budget);
    const lines: string[] = plain.text.split("\n").filter((l: string) => l.includes("Q: "));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.length).toBeLessThan(600);
    expect(plain.text).not.toContain(longAnswer("how should I plan my week?"));
    // No kind takes the budget: exchanges stay within their share.
    const episodeChars = lines.reduce((n, l) => n + l.length + 1, 0);
    expect(episodeChars).toBeLessThanOrEqual(plain.budget * 4 * 0.25);
  }, 120_000);
});

/** JSON Lines for `pai memory import -`. */
function jsonl(items: object[]): string {
  return items.map((i) => JSON.stringify(i)).join("\n") + "\n";
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe("bookkeeping and exchanges cannot flush what the user told pai", () => {
  it("300 actions stay out of the hot set and out of an ordinary context, yet come when asked about", () => {
    const home = initHome(tmpDir());
    expect(pai(["remember", "My partner Dario works as a nurse at the Lyon hospital"], { home }).code).toBe(0);
    expect(pai(["remember", "--kind", "preference", "I prefer tea to coffee"], { home }).code).toBe(0);
    // A job every 5 minutes for a day: 288 firings, and a few pack runs, all newer than the facts.
    const actions = Array.from({ length: 300 }, (_, i) => ({
      content: `Ran job backup-check: checked 12 folders, nothing to do (firing ${i + 1})`,
      kind: "action",
      created_at: minutesAgo(300 - i),
      source: "job:backup-check",
    }));
    const imp = pai(["memory", "import", "--quiet", "-"], { home, input: jsonl(actions) });
    expect(imp.code, imp.stderr).toBe(0);
    // One stored through `pai remember` too: recent, yet not hot.
    const one = pai(["remember", "--kind", "action", "Ran pack journal:today"], { home });
    expect(one.stdout).toMatch(/Remembered #(\d+) \(action, warm\)/);
    const oneId = one.stdout.match(/#(\d+)/)![1]!;
    // Using it (showing it) does not make it hot either.
    expect(pai(["memory", "show", oneId], { home }).code).toBe(0);

    const hot = JSON.parse(pai(["memory", "list", "--tier", "hot", "--json", "--limit", "1000"], { home }).stdout);
    expect(hot.map((m: { kind: string }) => m.kind).sort()).toEqual(["note", "preference"]);
    const stats = JSON.parse(pai(["memory", "stats", "--json"], { home }).stdout);
    expect(stats.by_kind.action).toBe(301);

    const plain = JSON.parse(pai(["context", "--json"], { home }).stdout);
    expect(plain.text).toContain("Dario works as a nurse");
    expect(plain.text).toContain("I prefer tea to coffee");
    expect(plain.text).not.toContain("backup-check");
    const dario = JSON.parse(pai(["context", "--json", "--query", "who is Dario?"], { home }).stdout);
    expect(dario.text).toContain("Dario works as a nurse");

    // Asked about, bookkeeping comes, within its share of the budget, and the facts stay.
    const asked = JSON.parse(pai(["context", "--json", "--query", "what did you do in the last 24 hours?"], { home }).stdout);
    expect(asked.text).toContain("backup-check");
    expect(asked.tokens).toBeLessThanOrEqual(asked.budget);
    const actionLines = asked.text.split("\n").filter((l: string) => l.includes("(action,"));
    expect(actionLines.length).toBeGreaterThan(3);
    expect(actionLines.reduce((n: number, l: string) => n + l.length + 1, 0)).toBeLessThanOrEqual(asked.budget * 4 * 0.5);
    expect(asked.text).toContain("Dario works as a nurse");
    const search = pai(["context", "--json", "--query", "backup-check firing"], { home });
    expect(JSON.parse(search.stdout).text).toContain("backup-check");
  }, 60_000);

  it("over the hot cap, exchanges leave the hot set before facts and preferences", () => {
    const home = initHome(tmpDir());
    expect(pai(["config", "set", "memory.hotCap", "5"], { home }).code).toBe(0);
    for (const text of ["I am allergic to penicillin", "My partner Dario works as a nurse at the Lyon hospital", "I live in Lyon"]) {
      expect(pai(["remember", "--kind", "fact", text], { home }).code).toBe(0);
    }
    const episodes = Array.from({ length: 20 }, (_, i) => ({
      content: `Q: question number ${i + 1}?\nA: ${"A long answer about planning and habits. ".repeat(30)}`,
      kind: "episode",
      created_at: minutesAgo(60 - i),
      source: "ask:ollama/llama3.2",
    }));
    expect(pai(["memory", "import", "--quiet", "-"], { home, input: jsonl(episodes) }).code).toBe(0);
    const hot = JSON.parse(pai(["memory", "list", "--tier", "hot", "--json"], { home }).stdout);
    expect(hot).toHaveLength(5);
    expect(hot.filter((m: { kind: string }) => m.kind === "fact")).toHaveLength(3);
    // The two newest exchanges fill the rest of the cap.
    expect(hot.filter((m: { kind: string }) => m.kind === "episode").map((m: { content: string }) => m.content.split("?")[0]).sort()).toEqual([
      "Q: question number 19",
      "Q: question number 20",
    ]);
    const ctx = JSON.parse(pai(["context", "--json"], { home }).stdout);
    for (const fact of ["penicillin", "Dario", "I live in Lyon"]) expect(ctx.text).toContain(fact);
  }, 60_000);
});

describe("pai context --explain", () => {
  it("says why each item is in and why the others were left out (human and JSON)", () => {
    const home = initHome(tmpDir());
    expect(pai(["remember", "--private", "I am allergic to penicillin"], { home }).code).toBe(0);
    expect(pai(["remember", "--pin", "Answer in French"], { home }).code).toBe(0);
    const episodes = Array.from({ length: 12 }, (_, i) => ({
      content: `Q: how do I plan week ${i + 1}?\nA: ${"Plan the week one step at a time and review it on Friday. ".repeat(20)}`,
      kind: "episode",
      created_at: minutesAgo(30 - i),
      visibility: "shareable",
    }));
    expect(pai(["memory", "import", "--quiet", "-"], { home, input: jsonl(episodes) }).code).toBe(0);

    const human = pai(["context", "--explain", "--query", "what am I allergic to?"], { home });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^In the context \(\d+\), highest score first:/);
    expect(human.stdout).toMatch(/Left out \(\d+\):/);
    const [inside, left] = human.stdout.split(/Left out/);
    expect(inside).toMatch(/68\.0 +memory\.hot +recent knowledge; matches the request \(1\.00\) +\[mem:\d+\] \(note, [\d-]+\) I am allergic to penicillin/);
    expect(inside).toMatch(/70\.0 +memory\.hot +pinned +\[mem:\d+\] \(note, [\d-]+\) Answer in French/);
    expect(inside).toMatch(/Telos: name/);
    expect(left).toMatch(/over the episode share \(25% of the budget\); offered as recent exchange/);
    expect(human.stderr).toMatch(/item\(s\) over their kind's share left out/);

    // For a cloud model: private Telos items are named as left out; private memories are never even read.
    writeFileSync(`${home}/user/telos/beliefs.md`, `${fm("Beliefs", "private")}\n- B1: a private belief\n`);
    const json = JSON.parse(pai(["context", "--explain", "--json", "--for", "cloud", "--query", "what am I allergic to?"], { home }).stdout);
    expect(json.text).not.toContain("penicillin");
    expect(JSON.stringify(json.explain)).not.toContain("penicillin");
    const statuses = new Set(json.explain.map((e: { status: string }) => e.status));
    expect(statuses).toEqual(new Set(["in", "private", "over-cap"]));
    const belief = json.explain.find((e: { text: string }) => e.text.includes("private belief"));
    expect(belief).toMatchObject({ status: "private", reason: "private: never sent to a cloud model", section: "beliefs", rule: "Telos: beliefs" });
    expect(json.omitted.over_cap).toBe(json.explain.filter((e: { status: string }) => e.status === "over-cap").length);
    const inIds = json.explain.filter((e: { status: string; memory_id?: number }) => e.status === "in" && e.memory_id).map((e: { memory_id: number }) => e.memory_id);
    expect(inIds.sort()).toEqual([...json.memory_ids].sort());
    // Without --explain the JSON has no explanation.
    expect(JSON.parse(pai(["context", "--json"], { home }).stdout).explain).toBeUndefined();
  }, 60_000);
});

describe("memory migration 104 (the kind beside the tier)", () => {
  it("copies each item's kind, takes actions out of the hot set, and follows later changes of kind", () => {
    const path = join(tmpDir(), "pai.db");
    const old = openDatabase(path, { migrate: false });
    migrate(old, allMigrations().filter((m) => m.version < 104));
    const now = new Date().toISOString();
    const ins = old.prepare(
      `INSERT INTO memory_items (content, kind, created_at, recorded_at, active_at, pinned, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const tier = old.prepare("INSERT INTO memory_tiers (item_id, hot, active_at, pinned, current) VALUES (?, 1, ?, ?, 1)");
    const rows: [string, string, number][] = [
      ["I am allergic to penicillin", "fact", 0],
      ["Ran job backup-check", "action", 0],
      ["Ran pack journal:today, pinned", "action", 1],
      ["Q: hello?\nA: hi", "episode", 0],
    ];
    rows.forEach(([content, kind, pinned], i) => {
      ins.run(content, kind, now, now, now, pinned, i + 1);
      tier.run(i + 1, now, pinned);
      old.prepare("INSERT INTO memory_fts (rowid, content, context) VALUES (?, ?, '')").run(i + 1, content);
    });
    old.close();

    const db = openDatabase(path);
    const kinds = () => db.prepare<{ kind: string }>("SELECT kind FROM memory_tiers ORDER BY item_id").all().map((r) => r.kind);
    expect(kinds()).toEqual(["fact", "action", "action", "episode"]);
    const store = openMemory(db, configSchema.parse({}));
    // Reading the hot set leaves the unpinned action out at once, the pinned one in; reading writes nothing.
    expect(store.hot().map((m) => m.id).sort()).toEqual([1, 3, 4]);
    expect(store.history(2).tiers).toEqual([]);
    // The next write re-checks the hot set and records the move.
    store.maintain();
    expect(store.hot().map((m) => m.id).sort()).toEqual([1, 3, 4]);
    expect(store.history(2).tiers.map((t) => `${t.from}->${t.to}`)).toEqual(["hot->warm"]);
    // A change of kind, however made, reaches the tier table.
    db.prepare("UPDATE memory_items SET kind = 'note' WHERE id = 2").run();
    expect(kinds()).toEqual(["fact", "note", "action", "episode"]);
    store.maintain();
    expect(store.get(2)!.tier).toBe("hot");
    expect(integrityCheck(db)).toEqual([]);
    db.close();
  });
});
