import { chmodSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";

function editorScript(dir: string, body: string): string {
  const file = join(dir, "fake editor.sh");
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("pai telos (CLI)", () => {
  it("list counts inactive items apart from the active ones", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const projects = join(home, "user/telos/projects.md");
    writeFileSync(projects, `${readFileSync(projects, "utf8")}\n## Done\n\n- P2: Old site\n- P3: Draft outline\n`);
    // 1 active item and 2 under "Done": "1 active (2 inactive)", three items in the file.
    expect(pai(["telos", "list"], { home }).stdout).toMatch(/user\/telos\/projects\.md\s+1 active \(2 inactive\)\s/);
    expect(JSON.parse(pai(["telos", "list", "--json"], { home }).stdout).files[2]).toMatchObject({ name: "projects", items: 3, active: 1, inactive: 2 });
  });

  it("a fresh init holds the examples as comments: no items, nothing of them in the context", () => {
    const home = initHome(tmpDir());
    const data = JSON.parse(pai(["telos", "list", "--json"], { home }).stdout);
    expect(data.files.map((f: { items: number }) => f.items)).toEqual(Array(11).fill(0));
    expect(data.problems).toEqual({ errors: 0, warnings: 0 });
    const context = pai(["context"], { home });
    expect(context.code).toBe(0);
    for (const example of ["side project", "Read one book", "think more clearly", "metric units", "lead with the recommendation"]) {
      expect(context.stdout).not.toContain(example);
    }
    expect(readFileSync(join(home, "user/telos/goals.md"), "utf8")).toContain("- G1: Ship a first version of my side project by summer");
  });

  it("list, show and check work on the template's examples", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const list = pai(["telos", "list", "--json"], { home });
    expect(list.code).toBe(0);
    const data = JSON.parse(list.stdout);
    expect(data.files).toHaveLength(11);
    expect(data.files[1]).toMatchObject({ name: "goals", file: "user/telos/goals.md", title: "Goals", exists: true, items: 2, visibility: "shareable" });
    expect(data.files[1].edited).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data.problems).toEqual({ errors: 0, warnings: 0 });

    const human = pai(["telos", "list"], { home });
    expect(human.stdout).toMatch(/user\/telos\/beliefs\.md\s+0\s+\d{4}-\d\d-\d\d\s+.*private/);

    const show = pai(["telos", "show", "g1", "--json"], { home });
    expect(show.code).toBe(0);
    const item = JSON.parse(show.stdout);
    expect(item.kind).toBe("item");
    expect(item.item).toMatchObject({ id: "G1", file: "user/telos/goals.md" });
    expect(item.links_to).toEqual([{ rel: "supports", id: "M1", text: "Build tools that let people think more clearly", file: "user/telos/mission.md" }]);
    expect(item.linked_from).toEqual([{ rel: "serves", id: "P1", text: "My side project", file: "user/telos/projects.md" }]);

    const file = pai(["telos", "show", "projects"], { home });
    expect(file.stdout).toContain("P1: My side project (serves: G1)");
    const all = pai(["telos", "show"], { home });
    expect(all.stdout).toContain("M1: Build tools");
    expect(all.stdout).toContain("- Use metric units.");

    const check = pai(["telos", "check"], { home });
    expect(check.code).toBe(0);
    expect(check.stdout).toBe("");
    expect(check.stderr).toMatch(/^ok: 11 files, 4 items, no problems/);
  });

  it("check prints file:line: message and exits 1 on an error; the file is untouched", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const goals = join(home, "user/telos/goals.md");
    writeFileSync(goals, `${readFileSync(goals, "utf8")}- G1: twice (supports: M9)\n`);
    const before = readFileSync(goals, "utf8");
    const r = pai(["telos", "check"], { home });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toEqual([
      "user/telos/goals.md:13: duplicate ID G1 (first at line 11)",
      "user/telos/goals.md:13: G1 links to M9 (supports), which does not exist",
    ]);
    expect(r.stderr).toContain("2 error(s)");
    const j = JSON.parse(pai(["telos", "check", "--json"], { home }).stdout);
    expect(j).toMatchObject({ ok: false, errors: 2, warnings: 0 });
    expect(j.problems[0]).toEqual({ file: "user/telos/goals.md", line: 13, message: "duplicate ID G1 (first at line 11)", severity: "error" });
    expect(readFileSync(goals, "utf8")).toBe(before);
    // list still works and says where to look.
    const list = pai(["telos", "list"], { home });
    expect(list.code).toBe(0);
    expect(list.stderr).toContain("pai telos check");
  });

  it("show: an unknown file or ID is one line, exit 1", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const r = pai(["telos", "show", "nonsense"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("mission, goals, projects");
    const id = pai(["telos", "show", "G42"], { home });
    expect(id.code).toBe(1);
    expect(id.stderr).toMatch(/^pai: no Telos item G42 — /);
  });

  it("edit opens $EDITOR (command and arguments, no shell), then checks the file", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const dir = tmpDir();
    // The script receives its own argument, then the file; a path with a space proves there is no shell.
    const script = editorScript(dir, 'test "$1" = "--flag" || exit 9\necho "- G3: Learn to sail (supports: M1)" >> "$2"');
    const r = pai(["telos", "edit", "goals"], { home, env: { EDITOR: `'${script}' --flag`, VISUAL: "" } });
    expect(r.stderr).toContain("ok: user/telos/goals.md, no problems");
    expect(r.code).toBe(0);
    expect(readFileSync(join(home, "user/telos/goals.md"), "utf8")).toContain("- G3: Learn to sail (supports: M1)");
    const show = JSON.parse(pai(["telos", "show", "G3", "--json"], { home }).stdout);
    expect(show.item.text).toBe("Learn to sail");

    // An edit that introduces a problem: printed, exit 1, the edit kept.
    const bad = editorScript(dir, 'echo "- G1: duplicate" >> "$1"');
    const r2 = pai(["telos", "edit", "goals.md"], { home, env: { EDITOR: `'${bad}'`, VISUAL: "" } });
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/^user\/telos\/goals\.md:\d+: duplicate ID G1 \(first at line \d+\)$/m);
    expect(readFileSync(join(home, "user/telos/goals.md"), "utf8")).toContain("- G1: duplicate");
  });

  it("edit: VISUAL wins over EDITOR; a missing file is created from the template first", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    unlinkSync(join(home, "user/telos/ideas.md"));
    const dir = tmpDir();
    const script = editorScript(dir, 'echo "- I1: a pai pack for bees" >> "$1"');
    const r = pai(["telos", "edit", "ideas", "--json"], { home, env: { VISUAL: `'${script}'`, EDITOR: "false" } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, file: "user/telos/ideas.md", created: true });
    const text = readFileSync(join(home, "user/telos/ideas.md"), "utf8");
    expect(text).toMatch(/^---\ntitle: Ideas/);
    expect(text).toContain("- I1: a pai pack for bees");
  });

  it("edit: unknown file exits 1 listing the names; a missing editor exits 3", () => {
    const home = useTelosExamples(initHome(tmpDir()));
    const r = pai(["telos", "edit", "gaols"], { home, env: { EDITOR: "true" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: unknown Telos file 'gaols' — use one of: mission, goals, projects, beliefs, models, strategies, narratives, learned, challenges, ideas, preferences\n$/);
    const missing = pai(["telos", "edit", "goals"], { home, env: { EDITOR: "/nonexistent/editor", VISUAL: "" } });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^pai: cannot start the editor '\/nonexistent\/editor' \(ENOENT\) — set \$EDITOR/);
  });

  it("edit without a terminal and without $VISUAL or $EDITOR refuses at once, in one line", () => {
    const home = initHome(tmpDir());
    const before = readFileSync(join(home, "user/telos/goals.md"), "utf8");
    const t0 = Date.now();
    const r = pai(["telos", "edit", "goals"], { home, env: { EDITOR: "", VISUAL: "" } });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pai: no terminal to edit in and no \$VISUAL or \$EDITOR set — set EDITOR/);
    expect(readFileSync(join(home, "user/telos/goals.md"), "utf8")).toBe(before);
  });

  it("exits 3 with 'run pai init' when there is no user/", () => {
    const r = pai(["telos", "list"], { home: tmpDir() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/run 'pai init'/);
  });
});
