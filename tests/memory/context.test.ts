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
    // Using a memory warms it.
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
