import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { assembleContext, renderItem, selectContext } from "../../src/context/index.ts";
import type { ContextSection, ContextSource } from "../../src/context/types.ts";
import { estimateTokens } from "../../src/kernel/text.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { fm, telosHome } from "../telos/helpers.ts";

const config = configSchema.parse({ user: { name: "Ada" } });

function richHome() {
  return telosHome({
    mission: `${fm("Mission")}\n- M1: Help people think clearly\n`,
    goals: `${fm("Goals")}\n- G1: Run a marathon in 2026 (supports: M1)\n- G2: Write a book about tools\n`,
    projects: `${fm("Projects")}\n## Active\n- P1: Training plan (serves: G1)\n## Done\n- P2: Old website\n`,
    beliefs: `${fm("Beliefs", "private")}\n- B1: My secret belief about money\n`,
    narratives: `${fm("Narratives", "private")}\n- N1: The private story\n`,
    challenges: `${fm("Challenges")}\n- C1: Knee injury (blocks: G1)\n`,
    ideas: `${fm("Ideas")}\n${Array.from({ length: 30 }, (_, i) => `- I${i + 1}: idea number ${i + 1} about gardening and other long things`).join("\n")}\n- I31: a sailing trip across the Atlantic\n`,
    preferences: `${fm("Preferences")}\n<!-- comment -->\n- Answer concisely.\n`,
  });
}

describe("assembleContext", () => {
  it("puts identity, mission, goals and active projects first, then preferences; leaves out inactive projects", async () => {
    const ctx = await assembleContext({ paths: richHome(), config, budget: 2000 });
    expect(ctx.sections.map((s) => s.key)).toEqual(["identity", "goals", "projects", "preferences", "challenges", "beliefs", "narratives", "ideas"]);
    expect(ctx.text.startsWith("## Who the user is\n- Name: Ada\n- M1: Help people think clearly\n\n## Goals\n- G1: Run a marathon in 2026 (supports: M1)\n")).toBe(true);
    expect(ctx.text).toContain("- P1: Training plan (serves: G1)");
    expect(ctx.text).not.toContain("P2");
    expect(ctx.text).toContain("## Preferences\n- Answer concisely.\n");
    expect(ctx.text).not.toContain("comment");
    expect(ctx.tokens).toBe(estimateTokens(ctx.text));
    expect(ctx.audience).toBe("local");
    expect(ctx.omitted).toEqual({ private: 0, overBudget: 0, overCap: 0 });
  });

  it("never exceeds the budget, keeping the highest priorities", async () => {
    const p = richHome();
    for (const budget of [1, 10, 25, 40, 60, 100, 150, 250, 400]) {
      const ctx = await assembleContext({ paths: p, config, budget });
      expect(ctx.tokens).toBeLessThanOrEqual(budget);
      expect(estimateTokens(ctx.text)).toBeLessThanOrEqual(budget);
      expect(ctx.budget).toBe(budget);
      const total = ctx.sections.reduce((n, s) => n + s.items.length, 0);
      expect(total + ctx.omitted.overBudget).toBe(40); // name, M1, G1, G2, P1, B1, N1, C1, 31 ideas, 1 preference
    }
    const small = await assembleContext({ paths: p, config, budget: 60 });
    expect(small.text).toContain("G1");
    expect(small.text).not.toContain("I1:");
    expect(small.omitted.overBudget).toBeGreaterThan(0);
  });

  it("for a cloud model leaves out every private file and counts what it left out", async () => {
    const p = richHome();
    const local = await assembleContext({ paths: p, config, audience: "local" });
    expect(local.text).toContain("B1: My secret belief");
    const cloud = await assembleContext({ paths: p, config, audience: "cloud" });
    expect(cloud.text).not.toContain("secret");
    expect(cloud.text).not.toContain("private story");
    expect(cloud.omitted.private).toBe(2);
    expect(cloud.audience).toBe("cloud");
    const noName = await assembleContext({ paths: p, config: { ...config, context: { ...config.context, shareName: false } }, audience: "cloud" });
    expect(noName.text).not.toContain("Ada");
    expect(noName.omitted.private).toBe(3);
  });

  it("a query raises matching lower-priority items", async () => {
    const p = richHome();
    const without = await assembleContext({ paths: p, config, budget: 200 });
    expect(without.text).not.toContain("sailing");
    const withQ = await assembleContext({ paths: p, config, budget: 200, query: "plan a sailing trip" });
    expect(withQ.text).toContain("I31: a sailing trip");
  });

  it("is deterministic", async () => {
    const p = richHome();
    const a = await assembleContext({ paths: p, config, budget: 120, audience: "cloud", query: "marathon" });
    const b = await assembleContext({ paths: p, config, budget: 120, audience: "cloud", query: "marathon" });
    expect(a).toEqual(b);
  });

  it("memory items render with their id, are listed in memoryIds, and private ones stay local", async () => {
    const memory: ContextSource = {
      name: "memory",
      collect: () => [
        {
          key: "memory.hot",
          title: "What pai remembers",
          order: 200,
          items: [
            { ref: "mem:42", memoryId: 42, text: "Moved to Lyon in March", visibility: "shareable", priority: 70 },
            { ref: "mem:7", memoryId: 7, text: "Salary is\nconfidential", visibility: "private", priority: 70 },
          ],
        },
      ],
    };
    const local = await assembleContext({ paths: richHome(), config, sources: [memory] });
    expect(local.text).toBe("## What pai remembers\n- [mem:42] Moved to Lyon in March\n- [mem:7] Salary is confidential\n");
    expect(local.memoryIds).toEqual([42, 7]);
    expect(local.sections[0]!.items[0]).toEqual({ ref: "mem:42", text: "Moved to Lyon in March", memoryId: 42 });
    const cloud = await assembleContext({ paths: richHome(), config, sources: [memory], audience: "cloud" });
    expect(cloud.memoryIds).toEqual([42]);
    expect(cloud.omitted.private).toBe(1);
  });

  it("rejects a budget that is not a positive whole number", async () => {
    await expect(assembleContext({ paths: richHome(), config, budget: 0 })).rejects.toThrow(/invalid context budget/);
  });
});

describe("selectContext", () => {
  it("treats anything not marked shareable as private for the cloud", () => {
    const sections: ContextSection[] = [
      { key: "a", title: "A", order: 0, items: [{ text: "x", visibility: "weird" as never, priority: 1 }] },
    ];
    expect(selectContext(sections, 100, "cloud").text).toBe("");
    expect(selectContext(sections, 100, "local").text).toBe("## A\n- x\n");
  });

  it("keeps each group within its share of the budget, caps no item without a group, and explains every choice", () => {
    const long = (i: number) => `exchange ${i} ${"x".repeat(180)}`;
    const sections: ContextSection[] = [
      { key: "facts", title: "F", order: 0, items: [{ text: "a fact", visibility: "shareable", priority: 60, rule: "recent knowledge" }] },
      {
        key: "ex",
        title: "E",
        order: 1,
        items: Array.from({ length: 10 }, (_, i) => ({ text: long(i), visibility: "shareable" as const, priority: 50 - i, group: "episode", rule: "recent exchange" })),
      },
      { key: "pin", title: "P", order: 2, items: [{ text: long(99), visibility: "shareable", priority: 70, rule: "pinned" }] },
    ];
    const ctx = selectContext(sections, 500, "local", { caps: { episode: 0.25 }, explain: true });
    const exChars = ctx.sections.find((s) => s.key === "ex")!.items.reduce((n, it) => n + renderItem(it).length + 1, 0);
    expect(exChars).toBeLessThanOrEqual(500 * 4 * 0.25);
    expect(ctx.sections.find((s) => s.key === "ex")!.items.length).toBe(2);
    expect(ctx.text).toContain("exchange 99");
    expect(ctx.text).toContain("a fact");
    expect(ctx.omitted).toEqual({ private: 0, overBudget: 0, overCap: 8 });
    expect(ctx.explain!.map((e) => e.status)).toEqual(["in", "in", "in", "in", ...Array(8).fill("over-cap")]);
    expect(ctx.explain![3]).toMatchObject({ section: "ex", rule: "recent exchange", score: 49, status: "in" });
    expect(ctx.explain![4]).toMatchObject({ status: "over-cap", reason: "over the episode share (25% of the budget)", score: 48 });
    // Without explain, nothing extra is returned; without caps, the budget alone decides.
    expect(selectContext(sections, 500, "local").explain).toBeUndefined();
    expect(selectContext(sections, 500, "local", { caps: {} }).omitted.overCap).toBe(0);
  });

  it("renders items: Telos id, memory id, plain", () => {
    expect(renderItem({ ref: "G1", text: "a" })).toBe("- G1: a");
    expect(renderItem({ ref: "mem:3", text: "b", memoryId: 3 })).toBe("- [mem:3] b");
    expect(renderItem({ text: "c" })).toBe("- c");
    expect(renderItem({ ref: "mem:3", text: "[mem:3] (fact) b", memoryId: 3 })).toBe("- [mem:3] (fact) b");
  });
});

describe("pai context (CLI)", () => {
  it("prints exactly the text on stdout, a footer on stderr, and JSON with every field", () => {
    const home = initHome(tmpDir());
    const json = pai(["context", "--json"], { home });
    expect(json.code).toBe(0);
    const ctx = JSON.parse(json.stdout);
    expect(Object.keys(ctx).sort()).toEqual(["audience", "budget", "memory_ids", "omitted", "sections", "text", "tokens"]);
    expect(ctx.budget).toBe(2000);
    const plain = pai(["context"], { home });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(ctx.text);
    expect(plain.stdout).toContain("- Name: Ada");
    expect(plain.stderr).toMatch(/^~\d+\/2000 tokens/);
  });

  it("--for cloud leaves out private files; --budget caps the size", () => {
    const home = initHome(tmpDir());
    const beliefs = `${fm("Beliefs", "private")}\n- B1: a private belief\n`;
    writeFileSync(`${home}/user/telos/beliefs.md`, beliefs);
    const cloud = pai(["context", "--for", "cloud"], { home });
    expect(cloud.code).toBe(0);
    expect(cloud.stdout).not.toContain("private belief");
    expect(cloud.stderr).toContain("1 private item(s) left out");
    expect(pai(["context"], { home }).stdout).toContain("B1: a private belief");
    const small = pai(["context", "--budget", "20", "--json"], { home });
    expect(JSON.parse(small.stdout).tokens).toBeLessThanOrEqual(20);
  });

  it("includes memory from the user's database by default; private memories stay local", () => {
    const home = initHome(tmpDir());
    expect(pai(["remember", "I moved to Lyon in March"], { home }).code).toBe(0);
    expect(pai(["remember", "--private", "My bank PIN hint is the cat"], { home }).code).toBe(0);
    const local = JSON.parse(pai(["context", "--json"], { home }).stdout);
    expect(local.text).toMatch(/^- \[mem:\d+\] .*I moved to Lyon in March$/m);
    expect(local.text).toContain("bank PIN hint");
    expect(local.memory_ids).toHaveLength(2);
    const cloud = JSON.parse(pai(["context", "--json", "--for", "cloud"], { home }).stdout);
    expect(cloud.text).toContain("Lyon");
    expect(cloud.text).not.toContain("bank PIN");
    expect(cloud.memory_ids).toHaveLength(1);
    const status = JSON.parse(pai(["status", "--json"], { home }).stdout);
    expect(status.counts.memory).toBe(2);
  });

  it("--query warms the memories it matched once the context is printed; without a query nothing is written", async () => {
    const home = initHome(tmpDir());
    const { openDatabase } = await import("../../src/app/db.ts");
    const { openMemory } = await import("../../src/memory/index.ts");
    const { paths } = await import("../../src/kernel/paths.ts");
    const state = () => {
      const db = openDatabase(paths(home).db);
      try {
        return openMemory(db, config).get(1);
      } finally {
        db.close();
      }
    };
    const db = openDatabase(paths(home).db);
    openMemory(db, config).remember({ content: "The bike lock combination lives in the kitchen drawer", kind: "fact", createdAt: "2020-05-01" });
    db.close();
    expect(state()).toMatchObject({ tier: "cold", useCount: 0 });
    expect(pai(["context"], { home }).code).toBe(0);
    expect(state()).toMatchObject({ tier: "cold", useCount: 0 });
    const r = pai(["context", "--query", "where is the bike lock?"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("kitchen drawer");
    expect(state()).toMatchObject({ tier: "hot", useCount: 1 });
  });

  it("bad options are usage errors (exit 2, one line)", () => {
    const home = initHome(tmpDir());
    for (const args of [["--for", "everyone"], ["--budget", "lots"], ["--budget", "0"]]) {
      const r = pai(["context", ...args], { home });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
