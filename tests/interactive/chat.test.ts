/**
 * `pai chat` on a pseudo-terminal: the Ink screen, a streaming answer stopped with Ctrl-C (stored marked
 * interrupted), Ctrl-C on the empty input to leave, and the terminal given back in its normal mode.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, PAI_BIN } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "./pty.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const LONG = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
// Streamed over 10 s: Ctrl-C lands well before its end even when the machine is busy and pai lags behind the stream.
const LONGER = Array.from({ length: 400 }, (_, i) => `w${i}`).join(" ");

describe("pai chat on a terminal", () => {
  it("streams, stops on Ctrl-C keeping the answer marked interrupted, leaves on Ctrl-C and restores the terminal", async () => {
    const home = initHome(tmpDir());
    const s = await startFakeOllama({
      chunkDelayMs: 25,
      reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : b.messages.at(-1).content === "hi" ? "hello Ada" : LONGER),
    });
    servers.push(s);
    // The pty gets a size (script leaves it 0x0); after pai, stty shows the modes it left.
    const t = runPty(`stty rows 24 cols 80; ${PAI_BIN} chat; echo "exit=$?"; stty -a`, { PAI_HOME: home, OLLAMA_HOST: s.url });
    await t.waitFor("0 memories (0 hot) · /help");
    t.send("hi\r");
    await t.waitFor("hello Ada");
    await t.waitFor("1 memory (1 hot) · /help");
    let mark = t.output().length;
    t.send("count\r");
    await t.waitFor("w3 ", mark);
    t.send("\u0003");
    await t.waitFor("[interrupted]", mark);
    await t.waitFor("· /help", t.output().length - 200);
    mark = t.output().length;
    t.send("\u0003");
    expect(await t.exited).toBe(0);
    const after = plain(t.output().slice(mark));
    expect(after).toContain("exit=0");
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(after).toMatch(/(^|\s)echo(\s|$)/m);
    expect(after).toMatch(/(^|\s)isig(\s|$)/m);
    expect(plain(t.output())).not.toContain("w399");
    const p = paths(home);
    const db = openDatabase(p.db);
    const eps = openMemory(db, loadConfig(p.config)).list({ kind: "episode" });
    db.close();
    expect(eps).toHaveLength(2);
    const cut = eps.find((e) => e.meta.question === "count")!;
    expect(cut.meta.interrupted).toBe(true);
    expect(cut.content).toContain("w2");
  });

  it("Ctrl-D while an answer streams leaves once the whole answer is stored", async () => {
    const home = initHome(tmpDir());
    const s = await startFakeOllama({
      chunkDelayMs: 15,
      reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : LONG),
    });
    servers.push(s);
    const t = runPty(`stty rows 24 cols 80; exec ${PAI_BIN} chat`, { PAI_HOME: home, OLLAMA_HOST: s.url });
    await t.waitFor("· /help");
    const mark = t.output().length;
    t.send("count\r");
    await t.waitFor("w3 ", mark);
    t.send("\u0004");
    expect(await t.exited).toBe(0);
    expect(plain(t.output())).toContain("w59");
    const p = paths(home);
    const db = openDatabase(p.db);
    const eps = openMemory(db, loadConfig(p.config)).list({ kind: "episode" });
    db.close();
    expect(eps).toHaveLength(1);
    expect(eps[0]!.content).toContain("w59");
    expect(eps[0]!.meta.interrupted).toBeFalsy();
  });

  it("a terminal that reports no size is taken as 80x24, not redrawn whole on every render", async () => {
    const home = initHome(tmpDir());
    const s = await startFakeOllama({ reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : "hello Ada") });
    servers.push(s);
    const t = runPty(`stty rows 0 cols 0; ${PAI_BIN} chat`, { PAI_HOME: home, OLLAMA_HOST: s.url });
    await t.waitFor("0 memories (0 hot) · /help");
    t.send("hi\r");
    await t.waitFor("hello Ada");
    await t.waitFor("1 memory (1 hot) · /help");
    t.send("\u0004");
    expect(await t.exited).toBe(0);
    expect(t.output()).not.toContain("\u001B[2J");
  });

  it("escape sequences in an answer never reach the terminal (screen and --plain)", async () => {
    const home = initHome(tmpDir());
    const evil = "title\u001B]0;pwned\u0007 and \u001B[2Jcleared \u001B[31mred\u001B[0m done";
    const s = await startFakeOllama({ reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : evil) });
    servers.push(s);
    for (const args of ["chat", "chat --plain"]) {
      const t = runPty(`stty rows 24 cols 80; ${PAI_BIN} ${args}`, { PAI_HOME: home, OLLAMA_HOST: s.url });
      if (args === "chat") await t.waitFor("· /help");
      const mark = t.output().length;
      t.send("hi\r");
      await t.waitFor("red", mark);
      await t.waitFor("done", mark);
      t.send("\u0004");
      expect(await t.exited, args).toBe(0);
      const out = t.output().slice(mark);
      expect(out, args).not.toContain("\u001B]0;pwned");
      expect(out, args).not.toContain("\u001B[2J");
      expect(out, args).not.toContain("\u001B[31m");
      // The screen drops whole escape sequences; the line mode shows each control character as its picture (␛, ␇).
      expect(plain(out), args).toMatch(args === "chat" ? /title\]0;pwned and cleared red done/ : /title␛\]0;pwned␇ and ␛\[2Jcleared ␛\[31mred␛\[0m done/);
    }
  });
});

