import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fastPath, frontMatterSchema, parseTelosText } from "../../src/telos/frontmatter.ts";
import { parseYaml } from "../../src/kernel/frontmatter.ts";
import { checkTelos, formatProblem, linkedFrom, loadTelos, parseLinks, textLines } from "../../src/telos/index.ts";
import { fm, telosHome } from "./helpers.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/telos");
const problemsOf = (p: ReturnType<typeof telosHome>) => checkTelos(p).map(formatProblem);

describe("Telos items", () => {
  it("parses IDs, links, sections and active state", () => {
    const p = telosHome({
      mission: `${fm("Mission")}\n- M1: Help people think\n- M2: Stay healthy\n`,
      goals: `${fm("Goals")}\n# Goals\n\n- G1: Run a marathon (supports: M2)\n* G2: Write a book (supports: M1, M2; blocks: G1)\n- G3: Visit Rome (with friends)\n`,
      projects: `${fm("Projects")}\n## Active\n\n- P1: Training plan (serves: G1)\n\n## Done\n\n### 2025\n\n- P2: Old thing\n\n## Paused\n- P3: Later\n\n## Archived\n- P4: Gone\n`,
      models: `${fm("Models")}\n- MO1:Inversion\n- MO12: Second-order effects\n`,
    });
    const t = loadTelos(p);
    expect(t.problems).toEqual([]);
    const g2 = t.items.get("G2")!;
    expect(g2).toMatchObject({
      id: "G2",
      prefix: "G",
      number: 2,
      text: "Write a book",
      links: [
        { rel: "supports", ids: ["M1", "M2"] },
        { rel: "blocks", ids: ["G1"] },
      ],
      file: "user/telos/goals.md",
      line: 10,
      section: "Goals",
      active: true,
      visibility: "shareable",
    });
    // Parentheses that are not links stay in the text.
    expect(t.items.get("G3")).toMatchObject({ text: "Visit Rome (with friends)", links: [] });
    expect(t.items.get("MO1")!.text).toBe("Inversion");
    expect(t.items.get("MO12")).toMatchObject({ prefix: "MO", number: 12, text: "Second-order effects" });
    expect(t.items.get("P1")).toMatchObject({ active: true, section: "Active" });
    expect(t.items.get("P2")).toMatchObject({ active: false, section: "2025" });
    expect(t.items.get("P3")!.active).toBe(false);
    expect(t.items.get("P4")!.active).toBe(false);
    expect(linkedFrom(t, "M2").map((l) => `${l.item.id} ${l.rel}`)).toEqual(["G1 supports", "G2 supports"]);
    expect([...t.items.keys()]).toEqual(["M1", "M2", "G1", "G2", "G3", "P1", "P2", "P3", "P4", "MO1", "MO12"]);
  });

  it("ignores code fences and comments, and reads preferences as free text", () => {
    const p = telosHome({
      ideas: `${fm("Ideas")}\n\`\`\`\n- I1: inside a fence\n\`\`\`\n<!--\n- I2: inside a comment\n-->\n- I3: real\n`,
      preferences: `${fm("Preferences")}\n# Preferences\n<!-- how to write this file -->\n- Be brief\nUse metric units.\n`,
    });
    const t = loadTelos(p);
    expect([...t.items.keys()]).toEqual(["I3"]);
    expect(textLines(t.docs.find((d) => d.name === "preferences")!)).toEqual(["Be brief", "Use metric units."]);
  });

  it("parseLinks keeps the exact syntax and rejects look-alikes", () => {
    expect(parseLinks("Ship it (supports: M1, M2)")).toEqual({ text: "Ship it", links: [{ rel: "supports", ids: ["M1", "M2"] }] });
    expect(parseLinks("Ship it (supports: M1; serves: G2)").links).toHaveLength(2);
    expect(parseLinks("Ship it (note: soon)")).toEqual({ text: "Ship it (note: soon)", links: [] });
    expect(parseLinks("Ship it (M1)")).toEqual({ text: "Ship it (M1)", links: [] });
  });
});

describe("Telos problems", () => {
  it("reports a duplicate ID with both lines, and across files", () => {
    const p = telosHome({
      goals: `${fm("Goals")}\n- G1: one\n- G2: two\n- G1: again\n- P1: misplaced\n`,
      projects: `${fm("Projects")}\n- P1: real\n`,
    });
    const probs = problemsOf(p);
    expect(probs).toContain("user/telos/goals.md:9: duplicate ID G1 (first at line 7)");
    expect(probs).toContain("user/telos/projects.md:7: duplicate ID P1 (first at user/telos/goals.md:10)");
    expect(probs.some((l) => l.startsWith("user/telos/goals.md:10: ID P1 has the wrong prefix for goals.md"))).toBe(true);
    expect(checkTelos(p).every((x) => x.severity === "error")).toBe(true);
  });

  it("reports a dangling link", () => {
    const p = telosHome({ goals: `${fm("Goals")}\n- G1: one (supports: M1, M7)\n`, mission: `${fm("Mission")}\n- M1: m\n` });
    expect(problemsOf(p)).toEqual(["user/telos/goals.md:7: G1 links to M7 (supports), which does not exist"]);
  });

  it("warns about list lines that look like items but have no valid ID", () => {
    const p = telosHome({ goals: `${fm("Goals")}\n- g1: lower case\n- Q3: quarter plan\n` });
    const probs = checkTelos(p);
    expect(probs.map(formatProblem)[0]).toMatch(/^user\/telos\/goals.md:7: warning: 'g1' is not a goals ID/);
    expect(probs.every((x) => x.severity === "warning")).toBe(true);
  });

  it("recovers an unquoted colon in front matter with a warning naming the line (fixture)", () => {
    const p = telosHome({ goals: readFileSync(join(FIXTURES, "unquoted-colon.md")) });
    const t = loadTelos(p);
    const goals = t.docs.find((d) => d.name === "goals")!;
    expect(goals.title).toBe("Goals: the big ones");
    expect(goals.visibility).toBe("shareable");
    expect(goals.updated).toBe("2026-03-01");
    expect(goals.items.map((i) => i.id)).toEqual(["G1", "G2"]);
    expect(t.problems).toHaveLength(2); // the warning, and G1's link to the missing M1
    const w = t.problems.find((x) => x.message.startsWith("front matter"))!;
    expect(w).toMatchObject({ file: "user/telos/goals.md", line: 2, severity: "warning" });
    expect(w.message).toContain("title: Goals: the big ones");
    expect(w.message).toContain("quote the value");
  });

  it("reports unrecoverable front matter as an error, treats the file as private, and loads the rest (fixture)", () => {
    const p = telosHome({
      goals: readFileSync(join(FIXTURES, "broken-front-matter.md")),
      mission: `${fm("Mission")}\n- M1: fine\n`,
    });
    const t = loadTelos(p);
    const errs = t.problems.filter((x) => x.severity === "error" && x.file === "user/telos/goals.md");
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.every((e) => e.message.startsWith("front matter:"))).toBe(true);
    expect(errs.some((e) => e.line === 5)).toBe(true);
    const goals = t.docs.find((d) => d.name === "goals")!;
    expect(goals.visibility).toBe("private");
    expect(goals.items.map((i) => i.id)).toEqual(["G1"]);
    expect(goals.items[0]!.visibility).toBe("private");
    expect(t.items.get("M1")!.text).toBe("fine");
  });

  it("defaults a missing visibility to private with a warning; a bad one is an error", () => {
    const p = telosHome({
      goals: "---\ntitle: Goals\nupdated: 2026-03-01\n---\n- G1: x\n",
      ideas: "---\ntitle: Ideas\nupdated: 2026-03-01\nvisibility: public\n---\n",
      beliefs: "---\ntitle: Beliefs\nvisibility: private\n---\n",
      learned: "# no front matter\n- L1: still an item\n",
    });
    const t = loadTelos(p);
    const by = (f: string) => t.problems.filter((x) => x.file === `user/telos/${f}.md`);
    expect(t.docs.find((d) => d.name === "goals")!.visibility).toBe("private");
    expect(by("goals")).toEqual([expect.objectContaining({ severity: "warning", message: expect.stringContaining("visibility is missing; treated as private") })]);
    expect(t.docs.find((d) => d.name === "ideas")!.visibility).toBe("private");
    expect(by("ideas")).toEqual([expect.objectContaining({ severity: "error", line: 4, message: "front matter: visibility: got 'public'; allowed: private, shareable; treated as private" })]);
    expect(by("beliefs")).toEqual([expect.objectContaining({ severity: "error", message: "front matter: updated is missing (required: title, updated, visibility)" })]);
    expect(by("learned")[0]).toMatchObject({ severity: "error", line: 1 });
    expect(t.items.get("L1")!.visibility).toBe("private");
  });

  it("reports a non-UTF-8 file with its line, never crashes, and still loads the others", () => {
    const latin1 = Buffer.concat([Buffer.from(`${fm("Goals")}\n- G1: fine\n- G2: caf`), Buffer.from([0xe9]), Buffer.from(" au lait\n")]);
    const p = telosHome({ goals: latin1, mission: `${fm("Mission")}\n- M1: ok\n` });
    const t = loadTelos(p);
    expect(t.problems.map(formatProblem)).toEqual([
      "user/telos/goals.md:8: not valid UTF-8 — re-save it as UTF-8 (invalid bytes read as \uFFFD)",
    ]);
    expect(t.items.get("G2")!.text).toBe("caf\uFFFD au lait");
    expect(t.items.get("M1")!.text).toBe("ok");
  });

  it("reports a missing file as a warning", () => {
    const p = telosHome();
    unlinkSync(join(p.telos, "ideas.md"));
    expect(checkTelos(p)).toEqual([
      { file: "user/telos/ideas.md", line: 1, message: "missing — run 'pai init' to add it from the template", severity: "warning" },
    ]);
  });
});

describe("front matter fast path", () => {
  const samples = [
    "title: Goals\nupdated: 2026-03-01\nvisibility: shareable",
    "title: 'Goals'\nupdated: 2026-03-01\nvisibility: private",
    'title: "My goals"\nupdated: 2026-03-01\nvisibility: private\ntags: x',
    "title: 2026\nupdated: 2026-03-01\nvisibility: private",
    "title: yes\nupdated: 2026-03-01\nvisibility: private",
    "title: Goals # comment\nupdated: 2026-03-01\nvisibility: private",
    "title: Goals\nupdated: soon\nvisibility: private",
    "title: Goals\nupdated: 2026-02-30\nvisibility: private",
    "title: Goals: more\nupdated: 2026-03-01\nvisibility: private",
    "title: Goals\nupdated: 2026-03-01\nvisibility: Private",
    "title: [a, b]\nupdated: 2026-03-01\nvisibility: private",
    "title: Goals\nupdated: 2026-03-01",
    "title: Goals\nupdated: 2026-03-01\nvisibility: shareable\nvisibility: private",
    "title: ' x '\nupdated: 2026-03-01\nvisibility: private",
    "title: ' '\nupdated: 2026-03-01\nvisibility: private",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\nnull: a\nNULL: b",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\nTRUE: a",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\ntags: \u00a0x\u00a0",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\ntags: \ufeffx",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\nnote: a\rb",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\nnote: !!str x",
    "title: Goals\nupdated: 2026-03-01\nvisibility: private\nnote: !custom x",
  ];
  it.each(samples)("agrees with the YAML reader + zod: %j", (yaml) => {
    const fast = fastPath(yaml.split("\n"));
    let reference: { title: string; updated: string; visibility: string } | undefined;
    try {
      const r = frontMatterSchema().safeParse(parseYaml(yaml));
      if (r.success) reference = { title: r.data.title, updated: r.data.updated, visibility: r.data.visibility };
    } catch {}
    if (fast) {
      // Whenever the fast path accepts, the reference path accepts with the same values, every key the same.
      expect(reference).toEqual({ title: fast.title, updated: fast.updated, visibility: fast.visibility });
      expect(parseYaml(yaml)).toEqual(fast.data);
    }
    // And the full parse (which falls back when the fast path declines) gives the reference values when valid.
    const parsed = parseTelosText(`---\n${yaml}\n---\nbody\n`);
    if (reference) expect(parsed.frontMatter).toMatchObject(reference);
    else expect(parsed.problems.length).toBeGreaterThan(0);
  });

  it("takes the fast path for the templates' shape", () => {
    expect(parseTelosText(`${fm("Goals")}\nbody`).via).toBe("fast");
  });

  it("loading never writes to the user's files", () => {
    const p = telosHome({ goals: readFileSync(join(FIXTURES, "unquoted-colon.md")) });
    const before = readFileSync(join(p.telos, "goals.md"), "utf8");
    loadTelos(p);
    expect(readFileSync(join(p.telos, "goals.md"), "utf8")).toBe(before);
  });
});
