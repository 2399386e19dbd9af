/**
 * `pai chat` on a pseudo-terminal: the conversation's id shown before the screen, /copy writing the last
 * answer to the clipboard through the terminal (OSC 52, wrapped again for tmux), /new.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initHome, PAI_BIN } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "../interactive/pty.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const osc52 = (text: string) => `\u001B]52;c;${Buffer.from(text).toString("base64")}\u0007`;

describe("pai chat on a terminal: /copy and /new", () => {
  it("shows the id, copies the last answer with OSC 52 (and through tmux), starts a new conversation", async () => {
    const home = initHome(tmpDir());
    const s = await startFakeOllama({ reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : "Ça va, Ada") });
    servers.push(s);
    const env = { PAI_HOME: home, OLLAMA_HOST: s.url, DISPLAY: "", WAYLAND_DISPLAY: "", TMUX: "/tmp/tmux-0/default,1,0" };
    const t = runPty(`stty rows 24 cols 80; ${PAI_BIN} chat`, env);
    await t.waitFor(/pai: conversation [0-9a-f]{8} — 'pai chat --resume [0-9a-f]{8}' takes it up again/);
    await t.waitFor("· /help");
    t.send("hi\r");
    await t.waitFor("Ça va, Ada");
    let mark = t.output().length;
    t.send("/copy\r");
    await t.waitFor("copied the last answer (10 characters) through the terminal (OSC 52)", mark);
    const out = t.output().slice(mark);
    expect(out).toContain(osc52("Ça va, Ada"));
    // Inside tmux, the same sequence again in tmux's passthrough.
    expect(out).toContain(`\u001BPtmux;${osc52("Ça va, Ada").replace(/\u001B/g, "\u001B\u001B")}\u001B\\`);
    mark = t.output().length;
    t.send("/new\r");
    await t.waitFor(/new conversation [0-9a-f]{8} — the one before is stored/, mark);
    t.send("/exit\r");
    expect(await t.exited).toBe(0);
    expect(plain(t.output()).match(/pai: conversation/g)).toHaveLength(1);
  });
});
