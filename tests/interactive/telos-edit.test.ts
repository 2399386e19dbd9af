/**
 * `pai telos edit` on a pseudo-terminal, with an editor that, like vi or nano, talks to the terminal: it
 * must get the terminal itself (standard input and output), and the file is checked once it quits.
 * pai is exec'd by the terminal's shell, so Ctrl-C reaches only pai and the editor, and the pseudo-terminal's
 * exit code is pai's own.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, PAI_BIN } from "../helpers/cli.ts";
import { useTelosExamples } from "../helpers/telos-examples.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "./pty.ts";

function editor(dir: string): string {
  const path = join(dir, "ed");
  // Asks on the terminal for a line to add, as an interactive editor would read keys from it.
  writeFileSync(
    path,
    '#!/bin/sh\n[ -t 0 ] && [ -t 1 ] || { echo "not a terminal" >&2; exit 9; }\nprintf "line to add: "\nread line\nfor f; do :; done\nprintf -- "- %s\\n" "$line" >> "$f"\n',
  );
  chmodSync(path, 0o755);
  return path;
}

describe("pai telos edit on a terminal", () => {
  it("the editor gets the terminal; the file is checked afterwards", async () => {
    const dir = tmpDir();
    const home = useTelosExamples(initHome(dir)); // M1, the mission the new goal supports
    const ed = editor(tmpDir());
    const t = runPty(`exec ${PAI_BIN} telos edit goals`, { PAI_HOME: home, EDITOR: `${ed} -w`, VISUAL: "" });
    await t.waitFor("line to add: ");
    t.send("G3: Learn the cello (supports: M1)\r");
    const code = await t.exited;
    const out = plain(t.output());
    expect(code).toBe(0);
    expect(out).toMatch(/ok: user\/telos\/goals\.md, no problems/);
    expect(readFileSync(join(paths(home).user, "telos", "goals.md"), "utf8")).toContain("- G3: Learn the cello (supports: M1)\n");
  });

  it("an editor that fails leaves the file as it was and says so in one line", async () => {
    const home = initHome(tmpDir());
    const goals = join(paths(home).user, "telos", "goals.md");
    const before = readFileSync(goals, "utf8");
    const t = runPty(`exec ${PAI_BIN} telos edit goals`, { PAI_HOME: home, EDITOR: "false", VISUAL: "" });
    const code = await t.exited;
    const out = plain(t.output());
    expect(out).toContain("pai: the editor 'false' exited with status 1 — the file is as the editor left it");
    expect(code).toBe(1);
    expect(readFileSync(goals, "utf8")).toBe(before);
  });

  it("Ctrl-C in an editor that does not take it as a key: pai outlives it and says so; the file is as it was", async () => {
    const home = initHome(tmpDir());
    const goals = join(paths(home).user, "telos", "goals.md");
    const before = readFileSync(goals, "utf8");
    const t = runPty(`exec ${PAI_BIN} telos edit goals`, { PAI_HOME: home, EDITOR: editor(tmpDir()), VISUAL: "" });
    await t.waitFor("line to add: ");
    t.send("\u0003");
    const code = await t.exited;
    const out = plain(t.output());
    expect(out).toMatch(/pai: the editor '.*' was stopped with Ctrl-C — the file is as the editor left it/);
    expect(code).toBe(1);
    expect(readFileSync(goals, "utf8")).toBe(before);
  });
});
