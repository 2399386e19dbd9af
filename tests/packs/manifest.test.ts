import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, ManifestError } from "../../src/packs/index.ts";
import { ROOT } from "../helpers/cli.ts";
import { makePack } from "./helpers.ts";

function problems(dir: string) {
  try {
    loadManifest(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).problems;
  }
  throw new Error("the manifest was accepted");
}

const okCommand = { tier: "code", description: "does it", module: "m.ts" };

describe("pack manifests", () => {
  it("every pack of the catalogue is valid", () => {
    const dirs = readdirSync(join(ROOT, "packs"), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(dirs.length).toBeGreaterThanOrEqual(9);
    for (const d of dirs) {
      const m = loadManifest(join(ROOT, "packs", d.name));
      expect(m.name).toBe(d.name);
    }
  });

  it("rejects a manifest with every kind of mistake, listing each precisely", () => {
    const dir = makePack(
      {
        name: "Bad_Name",
        description: "x",
        commands: {
          wrong: { tier: "magic", description: "no such tier" },
          nodesc: { tier: "code", module: "m.ts" },
          perms: { ...okCommand, permissions: { camera: ["on"], network: ["ntfy.sh"] } },
          regex: { ...okCommand, triggers: { patterns: ["(unclosed"] } },
          missingfile: { tier: "prompt", description: "p", prompt: "prompts/none.md" },
          undeclared: { tier: "cli", description: "c", exec: "rg" },
        },
      },
      { "m.ts": "export default () => 'x'" },
    );
    const list = problems(dir);
    const by = (path: string) => list.find((p) => p.path === path)?.message;
    expect(list.every((p) => p.file === "pack.json")).toBe(true);
    expect(by("name")).toMatch(/only a-z, 0-9 and single hyphens.*got "Bad_Name"/);
    expect(by("version")).toBe("required: a semantic version such as 1.0.0");
    expect(by("commands.wrong.tier")).toBe('unknown tier "magic": one of code, cli, prompt, skill');
    expect(by("commands.nodesc.description")).toMatch(/required/);
    expect(by("commands.perms.permissions")).toBe("unknown permission 'camera' (allowed: network, read, write, env, exec)");
    expect(by("commands.regex.triggers.patterns.0")).toMatch(/not a valid regular expression/);
    expect(by("commands.missingfile.prompt")).toBe("file 'prompts/none.md' not found in the pack");
    expect(by("commands.undeclared.exec")).toBe("'rg' must also be listed in commands.undeclared.permissions.exec");
    // The one-line message names them all.
    try {
      loadManifest(dir);
    } catch (err) {
      expect((err as Error).message.split("\n")).toHaveLength(1);
      expect((err as Error).message).toContain("commands.wrong.tier");
      expect((err as Error).message).toContain("camera");
    }
  });

  it("rejects a missing tier, paths leaving the pack, bad hosts and unknown top-level fields", () => {
    const list = problems(
      makePack({
        name: "ok",
        version: "1.0.0",
        description: "d",
        colour: "blue",
        commands: {
          a: { description: "no tier", module: "m.ts" },
          b: { tier: "code", description: "d", module: "../outside.ts" },
          c: { tier: "code", description: "d", module: "m.ts", permissions: { network: ["http://x y"], read: ["relative/path"], env: ["lower"] } },
        },
      }),
    );
    const paths = list.map((p) => p.path);
    expect(list.find((p) => p.path === "")?.message ?? list.find((p) => p.message.includes("colour"))?.message).toMatch(/unknown field 'colour'/);
    expect(list.find((p) => p.path === "commands.a.tier")?.message).toBe("required: one of code, cli, prompt, skill");
    expect(list.find((p) => p.path === "commands.b.module")?.message).toBe("must be a path inside the pack folder");
    expect(paths).toContain("commands.c.permissions.network.0");
    expect(paths).toContain("commands.c.permissions.read.0");
    expect(list.find((p) => p.path === "commands.c.permissions.env.0")?.message).toMatch(/environment variable name/);
  });

  it("reads PACK.md front matter, with a lenient retry for an unquoted colon", () => {
    const dir = makePack({}, {
      "PACK.md": "---\nname: md-pack\nversion: 0.1.0\ndescription: Notes: quick ones\ncommands:\n  hi:\n    tier: code\n    description: says hi\n    module: hi.ts\n---\n# md-pack\n",
      "hi.ts": "export default () => 'hi'",
    });
    require("node:fs").unlinkSync(join(dir, "pack.json"));
    const m = loadManifest(dir);
    expect(m.file).toBe("PACK.md");
    expect(m.description).toBe("Notes: quick ones");
    expect(m.commands.hi!.tier).toBe("code");
  });

  it("validates SKILL.md: name matching its folder, description length, allowed-tools naming pack commands", () => {
    const long = "x".repeat(1025);
    const list = problems(
      makePack(
        {
          name: "sk",
          version: "1.0.0",
          description: "d",
          commands: {
            run: { tier: "skill", description: "s", skill: "skills/good-one" },
            other: { tier: "skill", description: "s", skill: "skills/second" },
            tool: { ...okCommand },
          },
        },
        {
          "m.ts": "export default () => ''",
          "skills/good-one/SKILL.md": "---\nname: wrong-name\ndescription: fine\nallowed-tools: tool nope other\n---\nbody",
          "skills/second/SKILL.md": `---\nname: second--double\ndescription: ${long}\n---\nbody`,
        },
      ),
    );
    const msgs = list.map((p) => `${p.file} ${p.path}: ${p.message}`);
    expect(msgs).toContain("skills/good-one/SKILL.md name: 'wrong-name' must match its folder's name 'good-one'");
    expect(msgs.some((m) => m.startsWith("skills/good-one/SKILL.md allowed-tools: 'nope' is not a command of this pack"))).toBe(true);
    expect(msgs).toContain("skills/good-one/SKILL.md allowed-tools: 'other' is a skill; a skill may call only code, cli and prompt commands");
    expect(msgs.some((m) => m.startsWith("skills/second/SKILL.md name:") && m.includes("single hyphens"))).toBe(true);
    expect(msgs).toContain("skills/second/SKILL.md description: at most 1024 characters");
  });

  it("checks hooks and config defaults", () => {
    const list = problems(
      makePack(
        {
          name: "hooks",
          version: "1.0.0",
          description: "d",
          commands: { a: okCommand },
          config: { n: { type: "number", default: "ten", description: "a number" } },
          hooks: [{ event: "schedule", command: "a" }, { event: "file.changed", command: "zzz" }, { event: "tuesday", command: "a" }],
        },
        { "m.ts": "" },
      ),
    );
    const by = (path: string) => list.find((p) => p.path === path)?.message;
    expect(by("hooks.2.event")).toMatch(/allowed: file.changed, schedule, mail.received, webhook, daemon.start/);
  });

  it("checks hook targets, cron and watched paths once the schema passes", () => {
    const list = problems(
      makePack(
        {
          name: "hooks",
          version: "1.0.0",
          description: "d",
          commands: { a: okCommand },
          config: { n: { type: "number", default: "ten", description: "a number" } },
          hooks: [{ event: "schedule", command: "a" }, { event: "file.changed", command: "zzz" }],
        },
        { "m.ts": "" },
      ),
    );
    const by = (path: string) => list.find((p) => p.path === path)?.message;
    expect(by("hooks.0.cron")).toMatch(/required for a schedule hook/);
    expect(by("hooks.1.command")).toBe("'zzz' is not a command of this pack (commands: a)");
    expect(by("hooks.1.paths")).toMatch(/required/);
    expect(by("config.n.default")).toBe('must be of type number, got "ten"');
  });

  it("says plainly when a folder is not a pack", () => {
    const dir = makePack({});
    require("node:fs").unlinkSync(join(dir, "pack.json"));
    expect(() => loadManifest(dir)).toThrow(/is not a pack: it has neither pack.json nor PACK.md/);
    expect(() => loadManifest(join(dir, "nope"))).toThrow(/no pack folder/);
  });
});
