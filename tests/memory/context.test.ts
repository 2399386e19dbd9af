import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { memorySource, MEMORY_PRIORITY } from "../../src/context/sources/memory.ts";
import { openMemory } from "../../src/memory/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("memory context source", () => {
  it("offers hot items always and the best warm/cold matches for a query, weighed against them, with refs, and touches the matches", async () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const config = configSchema.parse({});
    const store = openMemory(db, config);
    const pinned = store.remember({ content: "Answer in French", kind: "preference", pinned: true, visibility: "shareable" }).item;
    const recent = store.remember({ content: "Started the sourdough course", visibility: "shareable" }).item;
    const secret = store.remember({ content: "Private: my therapist is Dr Lenoir" }).item;
    const old = store.remember({ content: "The bike lock combination lives in the kitchen drawer", createdAt: "2020-05-01", visibility: "shareable" }).item;
    expect(store.get(old.id)!.tier).toBe("cold");

    const source = memorySource(db, config);
    const sections = await source.collect({ budget: 2000, audience: "local", query: "where is the bike lock?" });
    const hot = sections.find((s) => s.key === "memory.hot")!;
    expect(hot.items.map((i) => i.memoryId)).toEqual([pinned.id, secret.id, recent.id]);
    expect(hot.items[0]).toMatchObject({ ref: `mem:${pinned.id}`, visibility: "shareable", priority: MEMORY_PRIORITY.pinned });
    expect(hot.items[1]!.visibility).toBe("private");
    const matches = sections.find((s) => s.key === "memory.matches")!;
    expect(matches.items[0]).toMatchObject({ ref: `mem:${old.id}`, memoryId: old.id });
    expect(matches.items[0]!.text).toContain("kitchen drawer");
    // A memory holding every word asked about outranks a recent one that holds none (weighed, not placed below).
    expect(matches.items[0]!.priority).toBeGreaterThan(hot.items[2]!.priority);
    expect(matches.items[0]!.priority).toBeLessThanOrEqual(MEMORY_PRIORITY.matchMax);
    // Collecting writes nothing; using the context warms what it matched, once.
    expect(store.get(old.id)!.tier).toBe("cold");
    expect(store.get(old.id)!.useCount).toBe(0);
    source.recordUse!();
    source.recordUse!();
    expect(store.get(old.id)!.tier).toBe("hot");
    expect(store.get(old.id)!.useCount).toBe(1);

    const cloud = await source.collect({ budget: 2000, audience: "cloud" });
    const ids = cloud.flatMap((s) => s.items.map((i) => i.memoryId));
    expect(ids).not.toContain(secret.id);
    expect(ids).toContain(pinned.id);
    db.close();
  });

  it("returns nothing for an empty store", async () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const sections = await memorySource(db, configSchema.parse({})).collect({ budget: 100, audience: "local", query: "anything" });
    expect(sections).toEqual([]);
    db.close();
  });
});

describe("the context policy's text rules", () => {
  it("condenses an exchange to its question and a gist, shortens an action, keeps knowledge whole", async () => {
    const { condensed, CONDENSED } = await import("../../src/context/policy.ts");
    const answer = "First sentence of the answer. " + "Then a great deal more detail that goes on and on. ".repeat(40);
    const ep = condensed({ kind: "episode", content: `Q: how do I plan my week?\nA: ${answer}`, meta: { question: "how do I plan my week?" } });
    expect(ep.startsWith("Q: how do I plan my week? A: First sentence of the answer.")).toBe(true);
    expect(ep.length).toBeLessThanOrEqual(CONDENSED.question + CONDENSED.gist + 10);
    expect(ep).toMatch(/…$/);
    const noMeta = condensed({ kind: "episode", content: `Q: ${"why ".repeat(100)}\nA (interrupted): short`, meta: {} });
    expect(noMeta).toMatch(/^Q: (why )+.*… A: short$/);
    const action = condensed({ kind: "action", content: "Ran pack journal:today: " + "entry ".repeat(500), meta: {} });
    expect(action.length).toBeLessThanOrEqual(CONDENSED.action);
    const fact = "x".repeat(2000);
    expect(condensed({ kind: "fact", content: fact, meta: {} })).toBe(fact);
  });

  it("a pinned exchange counts against no share; others carry their kind's group", async () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const config = configSchema.parse({});
    const store = openMemory(db, config);
    const pinned = store.remember({ content: "Q: what is my plan?\nA: The plan.", kind: "episode", pinned: true }).item;
    const other = store.remember({ content: "Q: and then?\nA: More.", kind: "episode" }).item;
    const sections = await memorySource(db, config).collect({ budget: 2000, audience: "local" });
    const items = sections.flatMap((s) => s.items);
    expect(items.find((i) => i.memoryId === pinned.id)).toMatchObject({ rule: "pinned", priority: MEMORY_PRIORITY.pinned });
    expect(items.find((i) => i.memoryId === pinned.id)!.group).toBeUndefined();
    expect(items.find((i) => i.memoryId === other.id)).toMatchObject({ group: "episode", rule: "recent exchange" });
    db.close();
  });
});

describe("matches: knowledge has places of its own", () => {
  it("thirty exchanges full of the request's words do not take the place of the fact that answers it", async () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const config = configSchema.parse({});
    const store = openMemory(db, config);
    const fact = store.remember({
      content: "Since my childhood in Annecy, where the doctor found out after a bad week of fever, I have been allergic to penicillin and to amoxicillin",
      kind: "fact",
      createdAt: "2026-01-10",
    }).item;
    for (let i = 0; i < 30; i++) {
      store.remember({ content: `Q: is food ${i} ok if I am allergic?\nA: Allergic reactions vary; if you are allergic, check food ${i} labels. Allergic people should ask a doctor.`, kind: "episode" });
    }
    // The search alone ranks every exchange above the fact…
    expect(store.search("what am I allergic to?", { limit: 24 }).map((h) => h.id)).not.toContain(fact.id);
    // …the context does not.
    const { assembleContext } = await import("../../src/context/index.ts");
    const { telosHome } = await import("../telos/helpers.ts");
    const ctx = await assembleContext({ query: "what am I allergic to?", db, config, paths: telosHome({}), budget: 600 });
    expect(ctx.text).toContain("allergic to penicillin");
    expect(ctx.memoryIds).toContain(fact.id);
    db.close();
  });
});
