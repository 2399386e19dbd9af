/**
 * Everything personal stays in user/: a day of use (remember, ask, chat, a pack installed and run, a job, the
 * context and the call log) writes nothing outside PAI_HOME/user and nothing into the user's home folder.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pai, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plantedHome, PRIVATE_MEM, PRIVATE_TELOS, serverEnv } from "./helpers.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Every file under dir, relative, skipping runtime caches that hold nothing of the user's. */
function files(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...files(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

describe("everything personal stays in user/", () => {
  it("a day of use writes only under PAI_HOME/user, never in HOME", async () => {
    const { home } = plantedHome();
    const userHome = tmpDir("pai-sec-home-");
    const anthropic = await startFakeAnthropic({ reply: "cloud" });
    const ollama = await startFakeOllama({ reply: "local" });
    servers.push(anthropic, ollama);
    const env = { ...serverEnv(anthropic, ollama), HOME: userHome, XDG_CONFIG_HOME: join(userHome, ".config"), XDG_DATA_HOME: join(userHome, ".local/share"), XDG_CACHE_HOME: join(userHome, ".cache") };

    for (const args of [
      ["remember", "--private", "I keep the spare key under the blue pot"],
      ["ask", "--backend", "ollama", "where is the spare key?"],
      ["ask", "--backend", "anthropic", "what are my goals?"],
      ["pack", "install", "journal", "--yes"],
      ["run", "journal:write", "a quiet day"],
      ["jobs", "add", "note", "--manual", "--action", "remember", "--text", "a job ran"],
      ["jobs", "run", "note"],
      ["memory", "maintain"],
      ["context", "--json"],
      ["log", "--json"],
    ]) {
      const r = await paiAsync(args, { home, env });
      expect(r.code, `pai ${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    const chat = await paiAsync(["chat", "--backend", "ollama"], { home, env, input: "hello\n/backend anthropic\nagain\n" });
    expect(chat.code).toBe(0);

    expect(readdirSync(home).sort()).toEqual(["user"]);
    expect(files(userHome).filter((f) => !f.startsWith(".bun/") && !f.startsWith(".cache/"))).toEqual([]);
    // Personal data is nowhere in the runtime caches either.
    for (const f of files(userHome)) expect(f).not.toMatch(/pai|journal|telos/i);
    // And the markers planted in user/ are where they belong.
    expect(pai(["context", "--json"], { home }).stdout).toContain(PRIVATE_TELOS);
    expect(pai(["memory", "search", "cellar", "--json"], { home }).stdout).toContain(PRIVATE_MEM);
  });
});
