// Bad configuration, through the real CLI in a temporary PAI_HOME: one clear line, exit 1, the file untouched.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { setConfigValue } from "../../src/config/index.ts";
import { UserError } from "../../src/kernel/errors.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, pai, type RunResult } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function home(config?: string | Uint8Array): { home: string; file: string } {
  const h = initHome(tmpDir());
  const file = paths(h).config;
  if (config !== undefined) writeFileSync(file, config);
  return { home: h, file };
}

/** One line on stderr, starting `pai: `, with no stack trace. */
function oneLineError(r: RunResult, code = 1): string {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^pai: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe("config: bad input", () => {
  it("a config file that is not valid JSON: names the file, every config command refuses, nothing rewritten", () => {
    const text = '{ "user": { "name": "Ada", }\n';
    const { home: h, file } = home(text);
    for (const args of [["config", "list"], ["config", "get", "user.name"], ["config", "set", "memory.hotCap", "5"]]) {
      const line = oneLineError(pai(args, { home: h }));
      expect(line).toContain(`${file} is not valid JSON`);
      expect(line).toMatch(/ — fix the file by hand/);
    }
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("a config file that is JSON but not an object", () => {
    const { home: h, file } = home("[1, 2]\n");
    expect(oneLineError(pai(["config", "list"], { home: h }))).toContain(`${file} must hold a JSON object`);
  });

  it("a value of the wrong type in the file: names the file, the key and what is allowed", () => {
    const { home: h, file } = home('{ "memory": { "hotCap": "lots" } }\n');
    const line = oneLineError(pai(["config", "get", "memory.hotCap"], { home: h }));
    expect(line).toContain(`pai: ${file}: memory.hotCap must be a number, got 'lots' (allowed: an integer) — edit ${file} by hand`);
    const enumLine = oneLineError(pai(["config", "list"], { home: h, env: {} }));
    expect(enumLine).toContain("memory.hotCap");
    const { home: h2, file: f2 } = home('{ "backend": { "default": "gpt" } }\n');
    expect(oneLineError(pai(["config", "list"], { home: h2 }))).toContain(`pai: ${f2}: backend.default: got 'gpt'; allowed: ollama, anthropic — `);
    const { home: h3, file: f3 } = home('{ "memory": { "hotWindowDays": 0, "hotCap": -3 } }\n');
    expect(oneLineError(pai(["config", "list"], { home: h3 }))).toContain(`pai: ${f3}: memory.hotWindowDays must be more than 0, got 0 (allowed: a number) — `);
    const { home: h4, file: f4 } = home('{ "memory": 5 }\n');
    expect(oneLineError(pai(["config", "list"], { home: h4 }))).toContain(`pai: ${f4}: memory must be an object, got 5 — `);
  });

  it("a key in the file that does not exist is reported with a suggestion, not ignored", () => {
    const { home: h, file } = home('{ "memory": { "hotcap": 10 } }\n');
    const line = oneLineError(pai(["config", "list"], { home: h }));
    expect(line).toContain(`${file}: unknown key 'memory.hotcap' (did you mean 'memory.hotCap'?)`);
    // The fix it names is one that works: config set refuses to write over the broken file.
    expect(line).toContain(` — edit ${file} by hand ('pai config set' does not write over a broken file), or move it aside and run 'pai init'`);
    const set = oneLineError(pai(["config", "set", "memory.hotCap", "10"], { home: h }));
    expect(set).toBe(line);
    const { home: h2 } = home('{ "memroy": {} }\n');
    expect(oneLineError(pai(["config", "list"], { home: h2 }))).toContain("unknown key 'memroy'");
  });

  it("a key on the command line that does not exist: suggestion, exit 1", () => {
    const { home: h } = home();
    const line = oneLineError(pai(["config", "get", "backend.defualt"], { home: h }));
    expect(line).toBe("pai: unknown config key 'backend.defualt' (did you mean 'backend.default'?) — 'pai config list' shows every key");
    expect(oneLineError(pai(["config", "set", "nosuch.thing", "1"], { home: h }))).toMatch(/unknown config key 'nosuch\.thing'/);
  });

  it("config set with a bad value: exit 1, says what is allowed, file unchanged byte for byte", () => {
    const { home: h, file } = home();
    pai(["config", "set", "memory.hotCap", "70"], { home: h });
    const before = readFileSync(file);
    for (const [key, value, expected] of [
      ["memory.hotCap", "lots", "pai: memory.hotCap must be a number, got 'lots' — allowed: an integer"],
      ["backend.default", "gpt", "pai: backend.default: got 'gpt'; allowed: ollama, anthropic"],
    ] as const) {
      const line = oneLineError(pai(["config", "set", key, value], { home: h }));
      expect(line).toBe(expected);
      expect(readFileSync(file).equals(before)).toBe(true);
    }
  });

  it("setConfigValue refuses every kind of bad value and leaves the file as it was", () => {
    const { file } = home();
    setConfigValue("memory.hotCap", "70", file);
    const before = readFileSync(file);
    for (const [key, value, message, allowed] of [
      ["memory.hotCap", "-1", "memory.hotCap must be at least 0, got -1", "an integer"],
      ["memory.hotCap", "2.5", "memory.hotCap must be a whole number, got 2.5", "an integer"],
      ["memory.hotCap", "", "memory.hotCap must be a number, got ''", "an integer"],
      ["memory.hotWindowDays", "0", "memory.hotWindowDays must be more than 0, got 0", "a number"],
      ["memory.incognito", "maybe", "memory.incognito must be true or false, got 'maybe'", "true | false"],
      ["ollama.host", "not a url", "ollama.host must be a URL such as http://127.0.0.1:11434, got 'not a url'", "text"],
      ["daemon.webhook.port", "70000", "daemon.webhook.port must be at most 65535, got 70000", "an integer"],
      ["mcp.clientIs", "LOCAL", "mcp.clientIs: got 'LOCAL'; allowed: local, cloud", undefined],
      ["packs.settings", "[1,2]", "packs.settings must be an object, got [1,2]", "a JSON object"],
      ["packs.settings", '{"journal":5}', "packs.settings.journal must be an object, got 5", "a JSON object"],
    ] as const) {
      let err: unknown;
      try {
        setConfigValue(key, value, file);
      } catch (e) {
        err = e;
      }
      expect(err, `${key}=${value}`).toBeInstanceOf(UserError);
      expect((err as UserError).message).toBe(message);
      expect((err as UserError).hint).toBe(allowed && `allowed: ${allowed}`);
      expect(readFileSync(file).equals(before)).toBe(true);
    }
  });

  it("config set without a value is a usage error (exit 2)", () => {
    const { home: h, file } = home();
    const before = readFileSync(file);
    oneLineError(pai(["config", "set", "memory.hotCap"], { home: h }), 2);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("a config file that is not UTF-8 is an error naming the file, and is never rewritten", () => {
    // "Ad\xff\xfea": invalid UTF-8 in a string value. Decoding it leniently and writing it back would lose bytes.
    const bytes = Buffer.concat([Buffer.from('{ "user": { "name": "Ad'), Buffer.from([0xff, 0xfe]), Buffer.from('a" } }\n')]);
    const { home: h, file } = home(bytes);
    const line = oneLineError(pai(["config", "set", "memory.hotCap", "5"], { home: h }));
    expect(line).toContain(file);
    expect(line).toMatch(/UTF-8/);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    oneLineError(pai(["config", "get", "user.name"], { home: h }));
  });

  it("PAI_HOME without user/: exit 3 and 'run pai init' for every config verb", () => {
    const h = tmpDir();
    for (const args of [["config", "list"], ["config", "get", "user.name"], ["config", "set", "user.name", "x"], ["config", "path"]]) {
      expect(oneLineError(pai(args, { home: h }), 3)).toMatch(/^pai: no user\/ folder in .* — run 'pai init'/);
    }
  });
});

describe("config: good input", () => {
  it("set, get, list --json and path agree; the file holds only what was set", () => {
    const { home: h, file } = home();
    expect(pai(["config", "set", "memory.hotCap", "120"], { home: h }).stdout).toBe("memory.hotCap = 120\n");
    expect(pai(["config", "set", "memory.incognito", "yes"], { home: h }).code).toBe(0);
    expect(pai(["config", "get", "memory.hotCap"], { home: h }).stdout).toBe("120\n");
    expect(JSON.parse(pai(["config", "get", "memory.incognito", "--json"], { home: h }).stdout)).toEqual({ key: "memory.incognito", value: true });
    const list = JSON.parse(pai(["config", "list", "--json"], { home: h }).stdout) as { key: string; value: unknown; set: boolean }[];
    expect(list.find((e) => e.key === "memory.hotCap")).toMatchObject({ value: 120, set: true });
    expect(list.find((e) => e.key === "backend.default")).toMatchObject({ value: "ollama", set: false });
    expect(pai(["config", "path"], { home: h }).stdout.trim()).toBe(file);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ user: { name: "Ada" }, memory: { hotCap: 120, incognito: true } });
    expect(pai(["config", "set", "memory.hotCap", "--unset"], { home: h }).code).toBe(0);
    expect(pai(["config", "get", "memory.hotCap"], { home: h }).stdout).toBe("50\n");
    // Unsetting the last key of a section removes the section; unsetting what is not there changes nothing.
    expect(pai(["config", "set", "memory.incognito", "--unset"], { home: h }).code).toBe(0);
    expect(pai(["config", "set", "models.answer.backend", "--unset"], { home: h }).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ user: { name: "Ada" } });
  });

  it("a key with no default: unset reads as null in JSON and '(unset)' in text, never 'undefined'", () => {
    const { home: h } = home();
    const list = JSON.parse(pai(["config", "list", "--json"], { home: h }).stdout) as Record<string, unknown>[];
    for (const e of list) expect(Object.keys(e).sort()).toEqual(["allowed", "default", "description", "key", "origin", "set", "value"]);
    expect(list.find((e) => e.key === "anthropic.baseUrl")).toMatchObject({ value: null, default: null, set: false });
    expect(JSON.parse(pai(["config", "get", "anthropic.baseUrl", "--json"], { home: h }).stdout)).toEqual({ key: "anthropic.baseUrl", value: null });
    expect(pai(["config", "get", "anthropic.baseUrl"], { home: h }).stdout).toBe("\n");
    expect(pai(["config", "set", "models.answer.backend", "anthropic"], { home: h }).stdout).toBe('models.answer.backend = "anthropic"\n');
    const unset = pai(["config", "set", "models.answer.backend", "--unset"], { home: h });
    expect(unset.stdout).toBe("models.answer.backend = (unset)\n");
    expect(JSON.parse(pai(["config", "set", "models.answer.backend", "--unset", "--json"], { home: h }).stdout)).toEqual({ key: "models.answer.backend", value: null });
  });
});
