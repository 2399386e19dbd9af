/**
 * `pai config get --show-origin`, the FROM column of `pai config list` (the environment wins where it overrides
 * a key, as OLLAMA_HOST does), and `pai config edit` (a file that does not pass is never left in place).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const noEnv = { OLLAMA_HOST: undefined, ANTHROPIC_BASE_URL: undefined, VISUAL: undefined, EDITOR: undefined };

/** An "editor" that replaces the file it is given with `text`. */
function editorWriting(text: string): string {
  const src = join(tmpDir(), "new.json");
  writeFileSync(src, text);
  return `cp ${src}`;
}

describe("config origins", () => {
  it("get --show-origin names the file and line, the environment variable, or the default", () => {
    const home = initHome(tmpDir());
    const file = join(home, "user", "config.json");
    expect(pai(["config", "set", "memory.hotCap", "20"], { home, env: noEnv }).code).toBe(0);
    const lines = readFileSync(file, "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes('"hotCap"')) + 1;
    expect(pai(["config", "get", "memory.hotCap", "--show-origin"], { home, env: noEnv }).stdout).toBe(`file:${file}:${line}\t20\n`);
    expect(pai(["config", "get", "backend.default", "--show-origin"], { home, env: noEnv }).stdout).toBe("default\tollama\n");
    const viaEnv = pai(["config", "get", "ollama.host", "--show-origin", "--json"], { home, env: { ...noEnv, OLLAMA_HOST: "10.1.2.3" } });
    expect(JSON.parse(viaEnv.stdout)).toEqual({ key: "ollama.host", value: "http://10.1.2.3:11434", origin: "env:OLLAMA_HOST" });
  });

  it("get and list report the value the environment gives, and list says where each value comes from", () => {
    const home = initHome(tmpDir());
    pai(["config", "set", "ollama.host", "http://127.0.0.1:9999"], { home, env: noEnv });
    expect(pai(["config", "get", "ollama.host"], { home, env: noEnv }).stdout).toBe("http://127.0.0.1:9999\n");
    const env = { ...noEnv, OLLAMA_HOST: "127.0.0.1:4321", COLUMNS: "200" };
    expect(pai(["config", "get", "ollama.host"], { home, env }).stdout).toBe("http://127.0.0.1:4321\n");
    const list = pai(["config", "list"], { home, env }).stdout.split("\n");
    expect(list[0]).toMatch(/^KEY\s+VALUE\s+FROM\s+DESCRIPTION/);
    expect(list.find((l) => l.startsWith("ollama.host"))).toMatch(/"http:\/\/127\.0\.0\.1:4321"\s+env OLLAMA_HOST/);
    expect(list.find((l) => l.startsWith("user.name"))).toMatch(/"Ada"\s+file\s/);
    expect(list.find((l) => l.startsWith("backend.default"))).toMatch(/"ollama"\s+default\s/);
    const json = JSON.parse(pai(["config", "list", "--json"], { home, env }).stdout) as { key: string; origin: string }[];
    expect(json.find((e) => e.key === "ollama.host")!.origin).toBe("env:OLLAMA_HOST");
    // set still writes the file, and says the environment overrides it here.
    const set = pai(["config", "set", "ollama.host", "http://127.0.0.1:8888"], { home, env });
    expect(set.code).toBe(0);
    expect(set.stderr).toContain("OLLAMA_HOST is set in this environment and overrides it");
  });
});

describe("config edit", () => {
  it("keeps a valid edit", () => {
    const home = initHome(tmpDir());
    const r = pai(["config", "edit"], { home, env: { ...noEnv, EDITOR: editorWriting('{ "memory": { "hotCap": 7 } }\n') } });
    expect(r.code).toBe(0);
    expect(pai(["config", "get", "memory.hotCap"], { home, env: noEnv }).stdout).toBe("7\n");
  });

  it("an edit that does not pass: one line, exit 1, the edit kept as config.json.rejected and the previous file back", () => {
    const home = initHome(tmpDir());
    const file = join(home, "user", "config.json");
    const before = readFileSync(file, "utf8");
    const broken = '{ "memory": { "hotCap": "lots" } }\n';
    const r = pai(["config", "edit"], { home, env: { ...noEnv, EDITOR: editorWriting(broken) } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pai: .*memory\.hotCap must be a number, got 'lots'.* — your edit is kept in .*config\.json\.rejected; the previous config\.json is back/);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(readFileSync(`${file}.rejected`, "utf8")).toBe(broken);
    const json = pai(["config", "edit"], { home, env: { ...noEnv, EDITOR: editorWriting("{ not json") } });
    expect(json.code).toBe(1);
    expect(json.stderr).toContain("is not valid JSON");
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("refuses at once without a terminal and without $VISUAL or $EDITOR", () => {
    const home = initHome(tmpDir());
    const r = pai(["config", "edit"], { home, env: noEnv });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: no terminal to edit in and no \$VISUAL or \$EDITOR set — /);
    expect(existsSync(join(home, "user", "config.json.rejected"))).toBe(false);
  });
});
