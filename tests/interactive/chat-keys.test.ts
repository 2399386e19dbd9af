/**
 * `pai chat` in tmux, as a person uses it: a paste is one message (indentation kept), Alt-Enter adds a line,
 * Up recalls what was typed in an earlier run, a resize leaves the shell's earlier lines in the scrollback, and
 * answers show as rendered Markdown.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, PAI_BIN } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { startTmux, type Tmux } from "./tmux.ts";

const servers: FakeServer[] = [];
const windows: Tmux[] = [];
afterEach(async () => {
  while (windows.length) windows.pop()!.kill();
  while (servers.length) await servers.pop()!.close();
});

const isExtraction = (b: any) => JSON.stringify(b.messages?.[0] ?? "").includes("You extract");

async function chat(
  reply: (question: string) => string,
  opts: { home?: string; before?: string; color?: boolean; args?: string; env?: string; early?: string; chunkDelayMs?: number } = {},
) {
  const home = opts.home ?? initHome(tmpDir());
  const s = await startFakeOllama({ chunkDelayMs: opts.chunkDelayMs, reply: (b) => (isExtraction(b) ? '{"items": []}' : reply(b.messages.at(-1).content)) });
  servers.push(s);
  const env = `env PAI_HOME=${home} OLLAMA_HOST=${s.url} TERM=xterm-256color ${opts.color ? "" : "NO_COLOR=1 "}${opts.env ?? ""}`;
  const t = startTmux(`${opts.before ?? ""}${env}${PAI_BIN} chat ${opts.args ?? ""}; echo "exit=$?"; sleep 30`);
  windows.push(t);
  if (opts.early) {
    // Once pai has started, before its screen is ready.
    await new Promise((r) => setTimeout(r, 150));
    t.type(opts.early);
  }
  await t.waitFor("· /help");
  const questions = () => s.requests.filter((r) => r.path === "/api/chat" && !isExtraction(r.body)).map((r) => r.body.messages.at(-1).content);
  return { home, s, t, questions };
}

describe("pai chat keys (tmux)", () => {
  it("a 4-line indented paste is one message, sent whole with its indentation on Enter", async () => {
    const { t, questions } = await chat(() => "got it");
    const code = "def f(x):\n    if x:\n        return 1\n    return 0";
    t.paste(code);
    await t.waitFor("        return 1");
    expect(questions()).toHaveLength(0);
    t.keys("Enter");
    await t.waitFor("got it");
    await t.waitFor(/· \/help/);
    expect(questions()).toEqual([code]);
  });

  it("Alt-Enter adds a line; Enter sends both lines as one message", async () => {
    const { t, questions } = await chat(() => "two lines");
    t.type("line one");
    t.keys("M-Enter");
    t.type("line two");
    await t.waitFor("line two");
    expect(questions()).toHaveLength(0);
    t.keys("Enter");
    await t.waitFor("two lines");
    expect(questions()).toEqual(["line one\nline two"]);
  });

  it("Up recalls what was sent in an earlier run; the history file is the user's only", async () => {
    const first = await chat(() => "noted");
    first.t.type("remember the blue door");
    first.t.keys("Enter");
    await first.t.waitFor("noted");
    first.t.keys("C-d");
    await first.t.waitFor("exit=0");
    const file = join(first.home, "user", "chat_history");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await chat(() => "recalled-ok", { home: first.home });
    second.t.keys("Up");
    await second.t.waitFor("› remember the blue door");
    second.t.keys("Enter");
    await second.t.waitFor("recalled-ok");
    expect(second.questions()).toEqual(["remember the blue door"]);
  });

  it("a conversation taken up again shows its earlier exchanges", async () => {
    const first = await chat(() => "the **blue** door");
    first.t.type("which door?");
    first.t.keys("Enter");
    await first.t.waitFor("the blue door");
    const id = /conversation ([0-9a-f]{8}) /.exec(first.t.screen(true))![1];
    first.t.keys("C-d");
    await first.t.waitFor("exit=0");
    const second = await chat(() => "again", { home: first.home, args: "--continue" });
    const shown = await second.t.waitFor("· /help");
    expect(shown).toContain(`conversation ${id} resumed`);
    expect(shown).toContain("› which door?");
    expect(shown).toContain("the blue door");
  });

  it("nothing is written to the history while incognito; bracketed paste is off after", async () => {
    const { home, t } = await chat(() => "secret-ok", { args: "--incognito" });
    t.type("a secret");
    t.keys("Enter");
    await t.waitFor("secret-ok");
    const raw = join(tmpDir(), "raw");
    t.record(raw);
    t.keys("C-d");
    await t.waitFor("exit=0");
    expect(existsSync(join(home, "user", "chat_history"))).toBe(false);
    // Bracketed paste is turned off on the way out.
    expect(readFileSync(raw, "utf8")).toContain("\u001B[?2004l");
  });

  it("killed with SIGTERM, the terminal is given back: bracketed paste off, echo on", async () => {
    const { t } = await chat(() => "ok");
    const raw = join(tmpDir(), "raw");
    t.record(raw);
    const shell = Number(t.pid());
    const pai = Number(execFileSync("ps", ["--ppid", String(shell), "-o", "pid="], { encoding: "utf8" }).trim().split(/\s+/)[0]);
    process.kill(pai, "SIGTERM");
    await t.waitFor("exit=143");
    expect(readFileSync(raw, "utf8")).toContain("\u001B[?2004l");
    t.type("echoed");
    await t.waitFor("echoed");
  });

  it("Ctrl-G edits the input in $EDITOR and puts the result back", async () => {
    const dir = tmpDir();
    const editor = join(dir, "edit.sh");
    writeFileSync(editor, "#!/bin/sh\nprintf ' and more from the editor' >> \"$1\"\n", { mode: 0o755 });
    const { t, questions } = await chat(() => "edited-ok", { env: `EDITOR=${editor} ` });
    t.type("draft");
    // Ctrl-G once the draft is on the screen, as a user presses it: sent in the same read as the typing, the key
    // can reach the screen's handler before the draft is in its state.
    await t.waitFor("› draft");
    t.keys("C-g");
    await t.waitFor("› draft and more from the editor");
    t.keys("Enter");
    await t.waitFor("edited-ok");
    expect(questions()).toEqual(["draft and more from the editor"]);
  });

  it("keys typed while the screen starts reach the input, shown once (not echoed raw by the terminal)", async () => {
    const { t, questions } = await chat(() => "early-ok", { early: "typed early" });
    await t.waitFor("› typed early");
    expect(t.screen(true).split("typed early")).toHaveLength(2);
    t.keys("Enter");
    await t.waitFor("early-ok");
    expect(questions()).toEqual(["typed early"]);
  });

  it("a spinner with the model's name shows until the first words come", async () => {
    // The first chunk is a space: nothing to show for a second.
    const { t } = await chat(() => " slow answer", { chunkDelayMs: 1000 });
    t.type("take your time");
    t.keys("Enter");
    const s = await t.waitFor("thinking… (llama3.2)");
    expect(s).not.toContain("slow answer");
    await t.waitFor("slow answer");
    await t.waitFor("· /help");
    expect(t.screen()).not.toContain("thinking…");
  });

  it("a resize keeps the shell's earlier lines in the scrollback and clears nothing", async () => {
    const before = Array.from({ length: 40 }, (_, i) => `echo shell-line-${i}; `).join("");
    const { t } = await chat(() => Array.from({ length: 30 }, (_, i) => `answer line ${i}`).join("\n"), { before });
    t.type("many lines please");
    t.keys("Enter");
    await t.waitFor("answer line 29");
    await t.waitFor("· /help");
    const raw = join(tmpDir(), "raw");
    t.record(raw);
    t.resize(60, 20);
    await new Promise((r) => setTimeout(r, 500));
    // A tall input (ten rows shown), then a terminal shorter than it.
    t.paste(Array.from({ length: 12 }, (_, i) => `pasted ${i}`).join("\n"));
    await t.waitFor("pasted 11");
    t.resize(100, 4);
    await new Promise((r) => setTimeout(r, 500));
    t.resize(100, 30);
    await new Promise((r) => setTimeout(r, 500));
    t.keys("C-u");
    t.type("still here");
    const all = await t.waitFor("› still here", { all: true });
    for (const l of ["shell-line-0", "shell-line-39", "› many lines please", "answer line 0", "answer line 29"]) expect(all).toContain(l);
    expect(all.match(/answer line 0\n/g)).toHaveLength(1);
    // Nothing erased the screen or the scrollback (tmux keeps its history through ESC[3J; a terminal would not).
    const deadline = Date.now() + 5000;
    while (!readFileSync(raw, "utf8").includes("here") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const written = readFileSync(raw, "utf8");
    expect(written).toContain("here");
    expect(written).not.toContain("\u001B[2J");
    expect(written).not.toContain("\u001B[3J");
  });

  it("an answer in Markdown shows bold without asterisks and a list item with a hanging indent", async () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    const { t } = await chat(() => `This is **very important** indeed.\n\n- ${long}\n- short`, { color: true });
    t.type("markdown please");
    t.keys("Enter");
    const s = await t.waitFor("• short");
    expect(s).toContain("This is very important indeed.");
    expect(s).not.toContain("**");
    const rows = s.split("\n");
    const item = rows.findIndex((r) => r.startsWith("• word0"));
    expect(item).toBeGreaterThan(-1);
    expect(rows[item + 1]).toMatch(/^ {2}word\d+/);
  });
});
