/**
 * `pai ask` shows its answer as rendered Markdown on a terminal (with colour, or without under NO_COLOR, the
 * same layout), and as it came when its output is piped.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initHome, PAI_BIN } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "./pty.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const ANSWER = "## Plan\n\nThis is **key** and `code`.\n\n- first item with enough words to wrap at forty columns for sure\n- second\n\n```sh\necho hi # greet\n```\n";

async function ask(command: string, env: Record<string, string> = {}) {
  const home = initHome(tmpDir());
  const s = await startFakeOllama({ reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : ANSWER) });
  servers.push(s);
  const t = runPty(`stty rows 24 cols 40; ${command}`, { PAI_HOME: home, OLLAMA_HOST: s.url, ...env });
  expect(await t.exited).toBe(0);
  return t.output().replace(/\r\n/g, "\n");
}

describe("pai ask, Markdown on a terminal", () => {
  it("rendered: no markers, a hanging indent at the width, the code block indented; colour unless NO_COLOR", async () => {
    const out = await ask(`${PAI_BIN} ask --no-packs "what now"`, { NO_COLOR: "" });
    const text = plain(out);
    expect(text).toContain("Plan\n\nThis is key and code.\n\n• first item with enough words to wrap\n  at forty columns for sure\n• second\n\n  echo hi # greet\n");
    expect(text).not.toContain("**");
    expect(out).toContain("\u001B[1mkey\u001B[22m");
    const bare = await ask(`${PAI_BIN} ask --no-packs "what now"`);
    expect(bare).not.toContain("\u001B[1m");
    expect(plain(bare)).toContain("• first item with enough words to wrap\n  at forty columns for sure\n");
  });

  it("piped: the Markdown as it came", async () => {
    const out = await ask(`${PAI_BIN} ask --no-packs "what now" | cat`, { NO_COLOR: "" });
    expect(plain(out)).toContain(ANSWER.trim());
  });
});
