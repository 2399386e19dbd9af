/**
 * The fast reader of config.json (config/read.ts) agrees with the schema: the generated shape is current, a
 * well-formed file gives exactly what the schema gives, and anything else is left to the schema and its errors.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shapeSource } from "../../src/config/generate.ts";
import { configSchema, validateConfig } from "../../src/config/index.ts";
import { fastConfig, loadConfig } from "../../src/config/read.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("config read without the schema", () => {
  it("shape.ts is the one the schema gives ('bun scripts/gen-config.ts' rewrites it)", () => {
    expect(readFileSync(join(import.meta.dirname, "../../src/config/shape.ts"), "utf8")).toBe(shapeSource());
  });

  const valid: Record<string, unknown>[] = [
    {},
    { user: {} },
    { user: { name: "Ada" }, backend: { default: "anthropic", timeoutMs: 1, retries: 0, backoffMs: 60000 } },
    { ollama: { host: "http://10.0.0.2:11434/", model: "qwen3", embedModel: "bge-m3", trusted: true } },
    { anthropic: { model: "claude-x", baseUrl: "https://proxy.example/v1", maxTokens: 8 } },
    { models: { answer: { backend: "anthropic" }, extract: { model: "small" }, embed: {} } },
    { context: { budget: 100, shareName: false }, memory: { incognito: true, hotWindowDays: 0.5, hotCap: 0, warmWindowDays: 30, embeddings: "off" } },
    { learning: { enabled: false, cloud: true }, mcp: { clientIs: "local" } },
    { packs: { settings: { mail: { host: "imap.example", port: 993 }, other: {} } } },
    { daemon: { webhook: { enabled: true, port: 0, maxBodyBytes: 1, tokenEnv: "MY_TOKEN" }, graceMs: 0, logMaxBytes: 0, logKeep: 100, watchMaxDepth: 64, serve: true, servePort: 65535, watchMaxEntries: 5 } },
  ];
  it.each(valid.map((v) => [JSON.stringify(v), v]))("a well-formed file gives what the schema gives: %s", (_, raw) => {
    const fast = fastConfig(raw as Record<string, unknown>);
    expect(fast).toBeDefined();
    expect(fast).toEqual(configSchema.parse(raw));
  });

  const unusual: Record<string, unknown>[] = [
    { memroy: {} },
    { memory: { hotCap: "lots" } },
    { memory: { hotCap: 1.5 } },
    { memory: { hotWindowDays: 0 } },
    { backend: { retries: 11 } },
    { backend: { default: "openai" } },
    { ollama: { host: "not a url" } },
    { ollama: { host: "localhost:11434" } },
    { ollama: { model: "" } },
    { anthropic: { baseUrl: null } },
    { models: { answer: { backend: "ollama", temperature: 1 } } },
    { packs: { settings: { mail: 3 } } },
    { daemon: { webhook: { tokenEnv: "1BAD" } } },
    { daemon: [] },
    { user: { name: 7 } },
  ];
  it.each(unusual.map((v) => [JSON.stringify(v), v]))("anything unusual is left to the schema: %s", (_, raw) => {
    expect(fastConfig(raw as Record<string, unknown>)).toBeUndefined();
  });

  it("a file the fast reader leaves to the schema gives the schema's value or its exact error", () => {
    const dir = tmpDir();
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ ollama: { host: "localhost:11434" } }));
    expect(loadConfig(file)).toEqual(validateConfig({ ollama: { host: "localhost:11434" } }, file));
    writeFileSync(file, JSON.stringify({ memory: { hotCap: "lots" } }));
    expect(() => loadConfig(file)).toThrow(/memory\.hotCap must be a number, got 'lots' \(allowed: an integer\)/);
  });

  it("through the CLI: a broken value is one line, exit 1, and the file is left as it was", () => {
    const home = initHome(tmpDir());
    const file = join(home, "user", "config.json");
    const text = '{"memory":{"hotCap":-1}}\n';
    writeFileSync(file, text);
    const r = pai(["memory", "search", "anything"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pai: .*config\.json: memory\.hotCap /);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});
