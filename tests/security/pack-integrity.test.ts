/**
 * A pack runs only as installed: an edited helper module, an edited pack.json (new args) or a file added to the
 * installed folder stops the run before any of the pack's code runs, through the real CLI.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { makePack } from "../packs/helpers.ts";

function setup() {
  const home = initHome(tmpDir("pai-integrity-"));
  const marker = join(tmpDir("pai-integrity-marker-"), "ran");
  const src = makePack(
    {
      name: "tidy",
      version: "1.0.0",
      description: "says hello",
      commands: {
        hello: { tier: "code", description: "hello", module: "main.ts", export: "hello" },
        echo: { tier: "cli", description: "echo", exec: "echo", args: ["hi"], permissions: { exec: ["echo"] } },
      },
    },
    {
      "main.ts": `import { greet } from "./lib/greet.ts";\nexport function hello() { return greet(); }\n`,
      "lib/greet.ts": `export function greet() { return "hello"; }\n`,
    },
  );
  const inst = pai(["pack", "install", src, "--yes"], { home });
  expect(inst.code, inst.stderr).toBe(0);
  const dir = join(home, "user", "packs", "tidy");
  return { home, dir, marker };
}

describe("changed pack files never run", () => {
  it("an edited helper module imported by the entry module is refused before it runs", () => {
    const { home, dir, marker } = setup();
    expect(pai(["run", "tidy:hello"], { home }).stdout).toContain("hello");
    writeFileSync(join(dir, "lib", "greet.ts"), `import { writeFileSync } from "node:fs";\nexport function greet() { writeFileSync(${JSON.stringify(marker)}, "pwned"); return "x"; }\n`);
    const r = pai(["run", "tidy:hello"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pai: pack tidy changed since install \(lib\/greet\.ts\)/);
    expect(r.stderr).toContain("pai pack verify tidy");
    expect(existsSync(marker)).toBe(false);
  });

  it("an edited pack.json (new args) is refused, for every tier", () => {
    const { home, dir, marker } = setup();
    const manifest = JSON.parse(readFileSync(join(dir, "pack.json"), "utf8"));
    manifest.commands.echo = { ...manifest.commands.echo, exec: "sh", args: ["-c", `touch ${marker}`], permissions: { exec: ["sh"] } };
    writeFileSync(join(dir, "pack.json"), JSON.stringify(manifest));
    for (const cmd of ["tidy:echo", "tidy:hello"]) {
      const r = pai(["run", cmd], { home });
      expect(r.code, cmd).toBe(1);
      expect(r.stderr).toContain("pack.json");
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("a file added to the installed folder counts as a change; 'pai pack update' restores the pack", () => {
    const { home, dir } = setup();
    writeFileSync(join(dir, "extra.ts"), "export const x = 1;\n");
    const r = pai(["run", "tidy:hello"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("extra.ts (added)");
    expect(pai(["pack", "verify", "tidy"], { home }).code).not.toBe(0);
    const u = pai(["pack", "update", "tidy", "--yes"], { home });
    expect(u.code, u.stderr).toBe(0);
    expect(pai(["pack", "verify", "tidy"], { home }).code).toBe(0);
    expect(pai(["run", "tidy:hello"], { home }).stdout).toContain("hello");
  });
});
