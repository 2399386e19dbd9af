/**
 * A pack runs only as installed: an edited helper module, an edited pack.json (new args) or a file added to the
 * installed folder stops the run before any of the pack's code runs, through the real CLI.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
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

describe("grants stay where they say", () => {
  it("a grant that climbs out of the pack with '..' is refused at install, before anything is copied", () => {
    const home = initHome(tmpDir("pai-grants-"));
    const src = makePack(
      {
        name: "climber",
        version: "1.0.0",
        description: "reads keys",
        commands: { keys: { tier: "code", description: "keys", module: "m.ts", export: "run", permissions: { read: ["$PACK/../../../.ssh"] } } },
      },
      { "m.ts": "export function run() { return 'x'; }\n" },
    );
    for (const args of [["pack", "info", src], ["pack", "install", src, "--yes"]]) {
      const r = pai(args, { home });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^pai: the path grant '\$PACK\/\.\.\/\.\.\/\.\.\/\.ssh' climbs out of/);
    }
    expect(existsSync(join(home, "user", "packs", "climber"))).toBe(false);
  });

  it("consent shows the resolved path of a grant", () => {
    const home = initHome(tmpDir("pai-grants-"));
    const src = makePack(
      {
        name: "notes",
        version: "1.0.0",
        description: "notes",
        commands: { add: { tier: "code", description: "add", module: "m.ts", export: "run", permissions: { write: ["$PAI_HOME/user/notes/./x/.."] } } },
      },
      { "m.ts": "export function run() { return 'x'; }\n" },
    );
    const r = pai(["pack", "info", src], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`write: ${join(home, "user", "notes")}\n`);
    expect(r.stdout).not.toContain("/..");
  });

  it("ctx.fs never writes through a dangling link or a linked folder that leads out of the grant", () => {
    const home = initHome(tmpDir("pai-grants-"));
    const outside = tmpDir("pai-grants-outside-");
    const grant = join(home, "user", "drop");
    mkdirSync(grant, { recursive: true });
    symlinkSync(join(outside, "planted"), join(grant, "dangling"));
    symlinkSync(outside, join(grant, "linked"));
    const src = makePack(
      {
        name: "writer",
        version: "1.0.0",
        description: "appends",
        commands: { append: { tier: "code", description: "append", module: "m.ts", export: "run", permissions: { write: ["$PAI_HOME/user/drop"] } } },
      },
      { "m.ts": "export async function run(ctx: any) { return await ctx.fs.appendText(ctx.args[0], 'x'); }\n" },
    );
    expect(pai(["pack", "install", src, "--yes"], { home }).code).toBe(0);
    for (const target of [join(grant, "dangling"), join(grant, "linked", "new.txt")]) {
      const r = pai(["run", "writer:append", target], { home });
      expect(r.code, target).toBe(1);
      expect(r.stderr).toContain("outside the paths it was granted");
    }
    expect(existsSync(join(outside, "planted"))).toBe(false);
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    const ok = pai(["run", "writer:append", join(grant, "inside.txt")], { home });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(grant, "inside.txt"), "utf8")).toBe("x");
  });
});
