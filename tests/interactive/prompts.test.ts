/**
 * The yes/no prompts answered on a real (pseudo-)terminal: `pai memory forget --match` and the permission
 * prompt of `pai pack install`. Only y/yes goes ahead; Enter, n, Ctrl-C and Ctrl-D decline, cleanly.
 * pai is exec'd by the terminal's shell, so the exit code is pai's own whatever the shell (dash or bash).
 */
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, pai, PAI_BIN } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "./pty.ts";

function homeWithBees(): string {
  const home = initHome(tmpDir());
  for (const m of ["I keep bees", "bees like clover", "I play the cello"]) {
    expect(pai(["remember", m], { home }).code).toBe(0);
  }
  return home;
}

const count = (home: string) => JSON.parse(pai(["memory", "list", "--json"], { home }).stdout).length as number;

async function forget(home: string, keys: string) {
  const t = runPty(`exec ${PAI_BIN} memory forget --match bees`, { PAI_HOME: home });
  await t.waitFor("for good? [y/N]");
  t.send(keys);
  const code = await t.exited;
  return { code, out: plain(t.output()) };
}

describe("pai memory forget --match on a terminal", () => {
  it("n, Enter, Ctrl-C and Ctrl-D delete nothing; y deletes the listed memories", async () => {
    const home = homeWithBees();
    for (const keys of ["n\r", "\r", "\u0003", "\u0004"]) {
      const r = await forget(home, keys);
      expect(r.out, JSON.stringify(keys)).toContain("Forget these 2 memories for good? [y/N]");
      expect(r.out).toContain("Nothing was deleted.");
      expect(r.out).not.toContain("unexpected error");
      expect(r.code).toBe(0);
      expect(count(home)).toBe(3);
    }
    const r = await forget(home, "y\r");
    expect(r.out).toMatch(/Forgot 2 memories \(mem:\d+, mem:\d+\)\./);
    expect(r.code).toBe(0);
    expect(count(home)).toBe(1);
  });

  it("one match is asked about as one", async () => {
    const home = homeWithBees();
    const t = runPty(`exec ${PAI_BIN} memory forget --match cello`, { PAI_HOME: home });
    await t.waitFor("Forget this memory for good? [y/N]");
    t.send("yes\r");
    expect(await t.exited).toBe(0);
    expect(plain(t.output())).toMatch(/Forgot 1 memory \(mem:3\)\./);
    expect(count(home)).toBe(2);
  });
});

describe("pai pack install notify on a terminal", () => {
  it("Ctrl-C and Ctrl-D at the permission prompt cancel cleanly; y installs", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    for (const keys of ["\u0003", "\u0004", "n\r"]) {
      const t = runPty(`exec ${PAI_BIN} pack install notify`, { PAI_HOME: home });
      await t.waitFor("Install notify 1.0.0? [y/N]");
      t.send(keys);
      const code = await t.exited;
      const out = plain(t.output());
      expect(out, JSON.stringify(keys)).toContain("network: ntfy.sh (setting server)");
      expect(out).toMatch(/\[y\/N\] \S*\s*\npai: installation of notify cancelled; nothing was installed/);
      expect(out).not.toContain("unexpected error");
      expect(code).toBe(1);
      expect(existsSync(p.packs) ? readdirSync(p.packs) : []).toEqual([]);
    }
    const t = runPty(`exec ${PAI_BIN} pack install notify`, { PAI_HOME: home });
    await t.waitFor("[y/N]");
    t.send("y\r");
    expect(await t.exited).toBe(0);
    expect(readdirSync(p.packs).sort()).toEqual(["notify", "notify.lock.json"]);
  });
});
