import { render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { ChatSession } from "../../src/conversation/chat/session.ts";
import { learnPending } from "../../src/conversation/learner.ts";
import { pendingCount } from "../../src/conversation/pending.ts";
import { ChatScreen, inputRows } from "../../src/conversation/chat/screen.tsx";
import { loadConfig } from "../../src/config/index.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { forgetLines } from "../../src/app/forget.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Polls until cond holds; the deadline is generous, it only matters when the condition never comes. */
async function until(cond: () => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(reply: (b: any) => string, chunkDelayMs = 0) {
  const home = initHome(tmpDir());
  const p = paths(home);
  const s = await startFakeOllama({ reply, chunkDelayMs });
  servers.push(s);
  const db = openDatabase(p.db);
  const config = loadConfig(p.config);
  // A key, so that /backend anthropic switches (without one it is refused); no test here sends to Anthropic.
  const session = new ChatSession({ paths: p, db, config, env: { OLLAMA_HOST: s.url, ANTHROPIC_API_KEY: "test-key" }, forget: (id) => forgetLines({ paths: p, config, db }, id) });
  return { p, s, db, config, session };
}

const type = async (stdin: { write(s: string): void }, text: string) => {
  for (const ch of text) {
    stdin.write(ch);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("the Ink chat screen", () => {
  it("shows the status line, streams an answer, then keeps it in the transcript and remembers it", async () => {
    const { db, config, session } = await setup((b) =>
      JSON.stringify(b.messages[0]).includes("You extract") ? '{"items": []}' : "Hello Ada, nice to see you.",
    );
    const ui = render(<ChatScreen session={session} />);
    await until(() => (ui.lastFrame() ?? "").includes("ollama · llama3.2"), "status line");
    expect(ui.lastFrame()).toMatch(/0 memories \(0 hot\) · \/help/);
    await type(ui.stdin, "hello");
    await until(() => (ui.lastFrame() ?? "").includes("› hello"), "input echo");
    ui.stdin.write("\r");
    await until(() => ui.frames.join("\n").includes("Hello Ada, nice to see you."), "answer");
    await until(() => /1 memory \(1 hot\)/.test(ui.lastFrame() ?? ""), "memory count");
    const eps = openMemory(db, config).list({ kind: "episode" });
    expect(eps).toHaveLength(1);
    expect(eps[0]!.content).toContain("Hello Ada");
    ui.unmount();
    db.close();
  });

  it("recalls earlier input with the up arrow and runs slash commands", async () => {
    const { db, session } = await setup(() => "ok");
    const ui = render(<ChatScreen session={session} />);
    await until(() => (ui.lastFrame() ?? "").includes("llama3.2"), "status line");
    await type(ui.stdin, "/incognito");
    ui.stdin.write("\r");
    await until(() => (ui.lastFrame() ?? "").includes("· incognito"), "incognito in the status line");
    expect(ui.frames.join("\n")).toContain("incognito on");
    ui.stdin.write("\u001B[A"); // up arrow
    await until(() => (ui.lastFrame() ?? "").includes("› /incognito"), "history recall");
    ui.stdin.write("\u001B[B"); // down arrow: back to an empty line
    await until(() => !(ui.lastFrame() ?? "").split("\n").at(-1)!.includes("/incognito"), "history cleared");
    await type(ui.stdin, "/help");
    ui.stdin.write("\r");
    await until(() => ui.frames.join("\n").includes("/remember TEXT"), "help");
    expect(ui.frames.join("\n")).not.toContain("unknown command");
    ui.unmount();
    db.close();
  });

  it("pasted lines are sent one after the other", async () => {
    const { db, session } = await setup(() => "ok");
    const ui = render(<ChatScreen session={session} />);
    await until(() => (ui.lastFrame() ?? "").includes("llama3.2"), "status line");
    ui.stdin.write("/remember I keep bees\r/incognito\r/mod");
    await until(() => (ui.lastFrame() ?? "").includes("· incognito"), "both commands");
    const all = ui.frames.join("\n");
    expect(all).toMatch(/remembered as mem:\d+/);
    expect((ui.lastFrame() ?? "").split("\n").at(-1)).toContain("/mod");
    ui.unmount();
    db.close();
  });

  it("Escape stops a streaming answer; it is kept marked as interrupted", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    const { db, config, session } = await setup(() => long, 30);
    const ui = render(<ChatScreen session={session} />);
    await until(() => (ui.lastFrame() ?? "").includes("llama3.2"), "status line");
    await type(ui.stdin, "go");
    ui.stdin.write("\r");
    await until(() => (ui.lastFrame() ?? "").includes("w2"), "streaming");
    ui.stdin.write("\u001B");
    await until(() => ui.frames.join("\n").includes("[interrupted]"), "interrupted mark");
    const eps = openMemory(db, config).list({ kind: "episode" });
    expect(eps).toHaveLength(1);
    expect(eps[0]!.meta.interrupted).toBe(true);
    expect(eps[0]!.content).not.toContain("w39");
    ui.unmount();
    db.close();
  });
});

describe("the Ink chat screen, more", () => {
  it("the status line follows /backend, /model, /remember and /incognito; unknown commands say so; /exit leaves", async () => {
    const { db, session } = await setup(() => "ok");
    let exited: number | undefined;
    const ui = render(<ChatScreen session={session} onExit={(c) => (exited = c)} />);
    const last = () => ui.lastFrame() ?? "";
    await until(() => last().includes("ollama · llama3.2 · 0 memories (0 hot) · /help"), "status line");
    for (const [cmd, shows] of [
      ["/remember I keep bees", "ollama · llama3.2 · 1 memory (1 hot) · /help"],
      ["/model qwen3", "ollama · qwen3 · 1 memory"],
      ["/backend anthropic", "anthropic · claude-sonnet-4-6 · 1 memory"],
      ["/incognito", "anthropic · claude-sonnet-4-6 · 1 memory (1 hot) · incognito · /help"],
      ["/backend ollama", "ollama · llama3.2 · 1 memory (1 hot) · incognito"],
    ] as const) {
      await type(ui.stdin, cmd);
      ui.stdin.write("\r");
      await until(() => last().includes(shows), `${cmd} → ${shows}`);
    }
    await type(ui.stdin, "/frobnicate");
    ui.stdin.write("\r");
    await until(() => last().includes("unknown command /frobnicate — /help lists them"), "unknown command");
    expect(exited).toBeUndefined();
    await type(ui.stdin, "/exit");
    ui.stdin.write("\r");
    await until(() => exited !== undefined, "/exit");
    expect(exited).toBe(0);
    ui.unmount();
    db.close();
  });

  it("a dead backend: one line in the screen, with the slash command to switch, and the session goes on", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const db = openDatabase(p.db);
    const session = new ChatSession({ paths: p, db, config: loadConfig(p.config), env: { OLLAMA_HOST: "http://127.0.0.1:9" }, forget: (id) => forgetLines({ paths: p, config: loadConfig(p.config), db }, id) });
    const ui = render(<ChatScreen session={session} />);
    const last = () => ui.lastFrame() ?? "";
    await until(() => last().includes("· /help"), "status line");
    await type(ui.stdin, "hello");
    ui.stdin.write("\r");
    await until(() => last().includes("cannot reach Ollama"), "the error");
    await until(() => last().includes("· /help"), "ready again");
    // One message (wrapped to the screen's width) between the question and the status line.
    const rows = last().split("\n");
    const error = rows.slice(rows.indexOf("› hello") + 1, rows.findIndex((l) => l.includes("· /help"))).join(" ").trim();
    expect(error).toMatch(/^cannot reach Ollama at http:\/\/127\.0\.0\.1:9 — start it with 'ollama serve'.*\/backend anthropic$/);
    expect(error).not.toContain("--backend");
    await type(ui.stdin, "/help");
    ui.stdin.write("\r");
    await until(() => last().includes("/remember TEXT"), "help after the error");
    ui.unmount();
    db.close();
  });

  it("what is typed while an answer streams stays in the input and is sent with Enter once the answer is done", async () => {
    const long = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    const { db, s, session } = await setup(() => long, 15);
    const ui = render(<ChatScreen session={session} />);
    const last = () => ui.lastFrame() ?? "";
    await until(() => last().includes("· /help"), "status line");
    await type(ui.stdin, "first");
    ui.stdin.write("\r");
    await until(() => last().includes("Ctrl-C stops"), "streaming");
    await type(ui.stdin, "second");
    ui.stdin.write("\r"); // too early: nothing is sent, the text stays
    await until(() => last().includes("· /help"), "the answer done");
    expect(last().split("\n").at(-1)).toContain("› second");
    const asked = () => s.requests.filter((q) => q.path === "/api/chat" && !JSON.stringify(q.body.messages[0]).includes("You extract")).length;
    expect(asked()).toBe(1);
    ui.stdin.write("\r");
    await until(() => asked() === 2, "the second message sent");
    ui.unmount();
    db.close();
  });

  it("Ctrl-D on an empty input leaves; with text in the input it does nothing", async () => {
    const { db, session } = await setup(() => "ok");
    let code: number | undefined;
    const ui = render(<ChatScreen session={session} onExit={(c) => (code = c)} />);
    await until(() => (ui.lastFrame() ?? "").includes("· /help"), "status line");
    await type(ui.stdin, "x");
    ui.stdin.write("\u0004");
    await new Promise((r) => setTimeout(r, 50));
    expect(code).toBeUndefined();
    ui.stdin.write("\u007F"); // backspace
    await until(() => !(ui.lastFrame() ?? "").split("\n").at(-1)!.includes("x"), "empty input");
    ui.stdin.write("\u0004");
    await until(() => code !== undefined, "leaving");
    expect(code).toBe(0);
    ui.unmount();
    db.close();
  });

  it("what the background learner learned is shown before the next message, with the id to forget it, once", async () => {
    const fact = "The user is allergic to penicillin.";
    const { p, s, db, config } = await setup((b) =>
      JSON.stringify(b.messages[0]).includes("You extract") ? JSON.stringify({ items: [{ content: fact, kind: "fact" }] }) : "Noted.",
    );
    let learner: Promise<unknown> = Promise.resolve();
    const session = new ChatSession({
      paths: p,
      db,
      config,
      env: { OLLAMA_HOST: s.url },
      forget: (id) => forgetLines({ paths: p, config, db }, id),
      startLearner: () => void (learner = learnPending({ db, config, env: { OLLAMA_HOST: s.url } })),
    });
    const ui = render(<ChatScreen session={session} />);
    await until(() => (ui.lastFrame() ?? "").includes("llama3.2"), "status line");
    await type(ui.stdin, "I am allergic to penicillin");
    ui.stdin.write("\r");
    await until(() => ui.frames.join("\n").includes("Noted."), "answer");
    const learned = () => openMemory(db, config).list({}).find((m) => m.source === "learned");
    await until(() => !!learned(), "the learned item");
    await learner;
    const item = learned()!;
    expect(item.content).toBe(fact);
    const line = `learned mem:${item.id} "${fact}" — undo: pai memory forget ${item.id}`;
    expect(ui.frames.join("\n")).not.toContain(line);
    await type(ui.stdin, "thanks");
    ui.stdin.write("\r");
    await until(() => ui.frames.join("\n").includes(line), "the learned line");
    // Shown before the message it precedes.
    const frame = ui.frames.find((f) => f.includes(line))!;
    expect(frame.indexOf(line)).toBeLessThan(frame.lastIndexOf("› thanks"));
    await until(() => (ui.lastFrame() ?? "").split("Noted.").length > 2, "second answer");
    await learner;
    await type(ui.stdin, "bye");
    ui.stdin.write("\r");
    await until(() => (ui.lastFrame() ?? "").split("Noted.").length > 3, "third answer");
    // Told once: the transcript holds it a single time.
    expect(ui.lastFrame()!.split(line).length).toBe(2);
    expect(ui.lastFrame()).toContain("› bye");
    // The learners of the later exchanges finish before the database closes.
    await until(() => openMemory(db, config).list({ kind: "episode" }).length === 3 && pendingCount(db).pending === 0, "the last learner");
    await learner;
    ui.unmount();
    db.close();
  });
});

describe("the input line", () => {
  it("wraps with the prompt and puts the cursor where it is", () => {
    expect(inputRows("", 0, 80, 5)).toEqual([{ first: true, before: "› ", at: " ", after: "" }]);
    expect(inputRows("hello world", 6, 80, 5)).toEqual([{ first: true, before: "› hello ", at: "w", after: "orld " }]);
    // 10 columns: "› hello" / "world foo" / the cursor's own cell after it.
    expect(inputRows("hello world foo", 15, 10, 5)).toEqual([
      { first: true, before: "› hello", after: "" },
      { first: false, before: "world foo", at: " ", after: "" },
    ]);
    expect(inputRows("hello world foo", 0, 10, 5)[0]).toEqual({ first: true, before: "› ", at: "h", after: "ello" });
    // At most maxRows rows: the ones holding the cursor.
    const long = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    expect(inputRows(long, long.length, 10, 2).map((r) => r.before)).toEqual(["w26 w27", "w28 w29"]);
    expect(inputRows(long, 0, 10, 2)[0]!.first).toBe(true);
    expect(inputRows("日本", 1, 80, 1)).toEqual([{ first: true, before: "› 日", at: "本", after: " " }]);
  });

  it("Left, Right, Ctrl-A, Ctrl-E, Ctrl-W, Ctrl-U and Backspace edit where the cursor is", async () => {
    const { db, session } = await setup(() => "ok");
    const ui = render(<ChatScreen session={session} />);
    // The last row of the screen as text (Ink drops trailing spaces; no colours in tests).
    const row = () => (ui.lastFrame() ?? "").split("\n").at(-1)!.trimEnd();
    await until(() => (ui.lastFrame() ?? "").includes("· /help"), "status line");
    const keys = async (k: string) => {
      ui.stdin.write(k);
      await new Promise((r) => setTimeout(r, 15));
    };
    await type(ui.stdin, "helo world");
    for (let i = 0; i < 7; i++) await keys("\u001B[D"); // left
    await keys("l");
    await keys("\u0005"); // Ctrl-E
    await keys("!");
    await keys("\u0001"); // Ctrl-A
    await keys("> ");
    await until(() => row() === "› > hello world!", "edits in place");
    await keys("\u001B[C"); // right
    await keys("\u0017"); // Ctrl-W: the word before the cursor
    await until(() => row() === "› > ello world!", "Ctrl-W");
    await keys("\u0005");
    await keys("\u007F"); // Backspace
    await until(() => row() === "› > ello world", "Backspace");
    await keys("\u0015"); // Ctrl-U
    await until(() => row() === "›", "Ctrl-U");
    ui.unmount();
    db.close();
  });
});

