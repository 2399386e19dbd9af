// The Telos parsed once per process: the same parse while nothing changed, a changed file read again at once.
import { renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTelos } from "../../src/telos/index.ts";
import { fm, telosHome } from "./helpers.ts";

describe("Telos cache", () => {
  it("returns the cached parse while nothing changed, and re-reads only the file that changed", () => {
    const p = telosHome({ goals: `${fm("Goals")}- G1: run a marathon\n`, mission: `${fm("Mission")}- M1: stay healthy\n` });
    const first = loadTelos(p);
    expect(first.items.get("G1")?.text).toBe("run a marathon");
    expect(loadTelos(p)).toBe(first);

    const goals = join(p.telos, "goals.md");
    writeFileSync(goals, `${fm("Goals")}- G1: run a marathon\n- G2: learn the cello (supports: M1)\n`);
    const second = loadTelos(p);
    expect(second).not.toBe(first);
    expect(second.items.get("G2")?.text).toBe("learn the cello");
    // The files that did not change are the same parse as before.
    const mission = (t: typeof first) => t.docs.find((d) => d.name === "mission")!;
    expect(mission(second).items[0]?.id).toBe("M1");
    expect(mission(second)).toBe(mission(first));
    expect(second.problems).toEqual([]);
    expect(loadTelos(p)).toBe(second);
  });

  it("sees a change that keeps the size and the modification time (within the same second)", () => {
    const p = telosHome({ goals: `${fm("Goals")}- G1: aaaa\n` });
    const goals = join(p.telos, "goals.md");
    utimesSync(goals, 1_700_000_000, 1_700_000_000);
    const before = statSync(goals, { bigint: true });
    expect(loadTelos(p).items.get("G1")?.text).toBe("aaaa");
    writeFileSync(goals, `${fm("Goals")}- G1: bbbb\n`);
    utimesSync(goals, 1_700_000_000, 1_700_000_000);
    const after = statSync(goals, { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    expect(loadTelos(p).items.get("G1")?.text).toBe("bbbb");
  });

  it("sees a file replaced by another (an editor's save by rename), a problem added, and a file removed", () => {
    const p = telosHome({ goals: `${fm("Goals")}- G1: one\n` });
    expect(loadTelos(p).problems).toEqual([]);
    const goals = join(p.telos, "goals.md");
    writeFileSync(`${goals}.tmp`, `${fm("Goals")}- G1: one\n- G1: the same ID again\n`);
    renameSync(`${goals}.tmp`, goals);
    const t = loadTelos(p);
    expect(t.problems.map((x) => x.message)).toEqual([expect.stringMatching(/duplicate ID G1/)]);
    renameSync(goals, `${goals}.gone`);
    const gone = loadTelos(p);
    expect(gone.items.has("G1")).toBe(false);
    expect(gone.problems.some((x) => /goals\.md/.test(x.file) && /missing/.test(x.message))).toBe(true);
  });
});
