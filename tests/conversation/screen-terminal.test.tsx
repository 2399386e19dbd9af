/**
 * The chat screen rendered by Ink to a terminal model (terminal.ts) of a given size, as on a real terminal:
 * a long streaming answer must never make Ink clear the screen and scrollback and draw everything again
 * (what it does once the live part is as tall as the terminal), and what scrolled up must stay as it was.
 */
import { render } from "ink";
import { afterEach, describe, expect, it } from "vitest";
import { ChatSession } from "../../src/conversation/chat/session.ts";
import { ChatScreen } from "../../src/conversation/chat/screen.tsx";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { FakeStdin, FakeTerminal } from "./terminal.ts";
import { forgetLines } from "../../src/app/forget.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Polls until cond holds; the deadline is generous, it only matters when the condition never comes. */
async function until(cond: () => boolean, what: string, show?: () => string) {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${show ? `:\n${show()}` : ""}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const WORDS = Array.from({ length: 120 }, (_, i) => `word${i}`);
const LONG = `${WORDS.slice(0, 80).join(" ")}\n\n${WORDS.slice(80).join(" ")}`;

async function start(columns: number, rows: number, chunkDelayMs = 2) {
  const home = initHome(tmpDir());
  const p = paths(home);
  const s = await startFakeOllama({
    chunkDelayMs,
    reply: (b) => (JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : LONG),
  });
  servers.push(s);
  const db = openDatabase(p.db);
  const config = loadConfig(p.config);
  const session = new ChatSession({ paths: p, db, config, env: { OLLAMA_HOST: s.url }, forget: (id) => forgetLines({ paths: p, config, db }, id) });
  const term = new FakeTerminal(columns, rows);
  const stdin = new FakeStdin();
  let exitCode: number | undefined;
  const app = render(<ChatScreen session={session} onExit={(c) => (exitCode = c)} />, {
    stdout: term as any,
    stdin: stdin as any,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const idle = () => term.screen().some((l) => l.endsWith("· /help"));
  await until(idle, "the status line", () => term.text());
  return { p, db, config, term, stdin, app, idle, exited: () => exitCode };
}

/** The words of the answer in the order the terminal shows them. */
const wordsShown = (text: string) => text.match(/word\d+/g) ?? [];

describe("the chat screen on a terminal", () => {
  it("a long answer streams without redrawing the screen; what scrolled up never changes", async () => {
    const { db, config, term, stdin, app, idle } = await start(50, 10, 5);
    stdin.write("tell me");
    stdin.write("\r");
    const scrolled: string[][] = [];
    await until(() => {
      scrolled.push(term.lines.slice(0, Math.max(0, term.lines.length - term.rows)));
      return term.text().includes("word119") && idle();
    }, "the whole answer", () => term.text());
    expect(term.clears).toEqual([]);
    const final = term.lines;
    for (const s of scrolled) expect(final.slice(0, s.length)).toEqual(s);
    expect(wordsShown(term.text())).toEqual(WORDS);
    // Wrapped between words, no row wider than the terminal, none starting with the space of the break.
    const answerRows = term.lines.filter((l) => /word\d/.test(l));
    expect(answerRows.every((l) => l.length <= 50 && !l.startsWith(" "))).toBe(true);
    expect(term.text()).toMatch(/word79\n\nword80/); // the paragraph break kept
    const eps = openMemory(db, config).list({ kind: "episode" });
    expect(eps).toHaveLength(1);
    app.unmount();
    db.close();
  });

  it("a narrower terminal: nothing is cleared and the transcript is not written again", async () => {
    const { db, term, stdin, app, idle } = await start(80, 12, 0);
    stdin.write("tell me\r");
    await until(() => term.text().includes("word119") && idle(), "the answer", () => term.text());
    term.resize(50, 12);
    await new Promise((r) => setTimeout(r, 400));
    await until(idle, "the status line again", () => term.text());
    expect(term.clears).toEqual([]);
    expect(wordsShown(term.text())).toEqual(WORDS);
    expect(term.text().match(/› tell me/g)).toHaveLength(1);
    expect(term.text().match(/· \/help/g)).toHaveLength(1);
    app.unmount();
    db.close();
  });

  it("Ctrl-C stops a streaming answer, which is kept marked interrupted; Ctrl-C on an empty input leaves", async () => {
    const { db, config, term, stdin, app, idle, exited } = await start(80, 24, 20);
    stdin.write("go\r");
    await until(() => term.text().includes("word3 "), "streaming", () => term.text());
    stdin.write("\u0003");
    await until(() => term.text().includes("[interrupted]") && idle(), "the interrupted mark", () => term.text());
    expect(term.text()).not.toContain("word119");
    const eps = openMemory(db, config).list({ kind: "episode" });
    expect(eps).toHaveLength(1);
    expect(eps[0]!.meta.interrupted).toBe(true);
    expect(exited()).toBeUndefined();
    stdin.write("\u0003");
    await until(() => exited() !== undefined, "leaving");
    expect(exited()).toBe(0);
    // What stays on the terminal is the transcript: the status line and the input are cleared on the way out.
    await until(() => !term.text().includes("· /help"), "the live part cleared", () => term.text());
    expect(term.text().split("\n").at(-1)).toBe("[interrupted]");
    app.unmount();
    db.close();
  });
});
