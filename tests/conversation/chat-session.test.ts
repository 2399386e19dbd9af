/**
 * `pai chat` conversations through the real CLI in line mode (piped standard input): the id it shows,
 * --continue and --resume, /new, /save and /save!, /copy without a terminal, /backend anthropic without a key,
 * and a resumed conversation moved to a cloud backend.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Answers "re: <the message>", and nothing to learn. */
const echo = (b: any) => (JSON.stringify(b.messages?.[0] ?? "").includes("You extract") ? '{"items": []}' : `re: ${b.messages.at(-1).content}`);

/** The messages of each answer request, user and assistant only, as "role: text". */
function answerTurns(s: FakeServer): string[][] {
  return s.requests
    .filter((q) => q.path === "/api/chat" && !JSON.stringify(q.body.messages[0]).includes("You extract"))
    .map((q) => q.body.messages.filter((m: any) => m.role !== "system").map((m: any) => `${m.role}: ${m.content}`));
}

async function setup() {
  const home = initHome(tmpDir());
  const s = await startFakeOllama({ reply: echo });
  servers.push(s);
  const env = { OLLAMA_HOST: s.url, ANTHROPIC_API_KEY: undefined };
  const chat = (input: string, ...args: string[]) => paiAsync(["chat", ...args], { home, input, env });
  return { home, s, chat };
}

/** The id of the conversation spoken in last (on a terminal, pai chat shows it when it starts; see the pty test). */
async function lastId(home: string): Promise<string> {
  const r = await paiAsync(["chat", "--list", "--json"], { home });
  return JSON.parse(r.stdout)[0].id;
}

describe("pai chat conversations", () => {
  it("shows its id; --continue and --resume take it up again with its earlier messages; /new starts another", async () => {
    const { home, s, chat } = await setup();
    const first = await chat("hello\nsecond\n");
    expect(first.code, first.stderr).toBe(0);
    // In a script (stderr not a terminal) the id is not shown: stderr stays empty.
    expect(first.stderr).toBe("");
    const id = await lastId(home);
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(first.stdout).toBe("re: hello\nre: second\n");

    const again = await chat("third\n", "--continue");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`pai: conversation ${id} resumed: 2 earlier exchanges, the last: "second"`);
    expect(answerTurns(s).at(-1)).toEqual(["user: hello", "assistant: re: hello", "user: second", "assistant: re: second", "user: third"]);

    const byId = await chat("fourth\n", "--resume", id);
    expect(byId.code, byId.stderr).toBe(0);
    expect(answerTurns(s).at(-1)).toHaveLength(7);
    expect(answerTurns(s).at(-1)![4]).toBe("user: third");

    // /new: the next message goes alone, under a new id; --continue then takes up the new one.
    const fresh = await chat("/new\nfifth\n", "--resume", id);
    const newId = /new conversation ([0-9a-f]{8}) — the one before is stored: 'pai chat --resume ([0-9a-f]{8})'/.exec(fresh.stdout);
    expect(newId?.[2]).toBe(id);
    expect(newId![1]).not.toBe(id);
    expect(answerTurns(s).at(-1)).toEqual(["user: fifth"]);
    await chat("sixth\n", "--continue");
    expect(answerTurns(s).at(-1)).toEqual(["user: fifth", "assistant: re: fifth", "user: sixth"]);

    const list = JSON.parse((await paiAsync(["chat", "--list", "--json"], { home })).stdout);
    expect(list.map((c: any) => [c.id, c.exchanges, c.first])).toEqual([
      [newId![1], 2, "fifth"],
      [id, 4, "hello"],
    ]);
    const text = await paiAsync(["chat", "--list"], { home, env: { TZ: "Europe/Paris" } });
    expect(text.stdout).toMatch(new RegExp(`^times in Europe/Paris\n${newId![1]}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d    2 exchanges  fifth\n${id}  .*    4 exchanges  hello\n$`));
  });

  it("two conversations sharing an exchange (one memory) each keep their own", async () => {
    const { home, s, chat } = await setup();
    await chat("hi\nfoo\n");
    const a = await lastId(home);
    await chat("hi\nbar\n");
    const b = await lastId(home);
    expect(b).not.toBe(a);
    await chat("more\n", "--resume", a);
    expect(answerTurns(s).at(-1)).toEqual(["user: hi", "assistant: re: hi", "user: foo", "assistant: re: foo", "user: more"]);
    await chat("more\n", "--resume", b);
    expect(answerTurns(s).at(-1)).toEqual(["user: hi", "assistant: re: hi", "user: bar", "assistant: re: bar", "user: more"]);
  });

  it("an exchange forgotten since is gone from the resumed conversation", async () => {
    const { home, s, chat } = await setup();
    await chat("my old address is 1 Elm Street\nsecond\n");
    const list = JSON.parse((await paiAsync(["memory", "list", "--kind", "episode", "--json"], { home })).stdout);
    const elm = list.find((m: any) => m.content.includes("Elm Street"));
    expect((await paiAsync(["memory", "forget", String(elm.id)], { home })).code).toBe(0);
    await chat("third\n", "--continue");
    expect(answerTurns(s).at(-1)).toEqual(["user: second", "assistant: re: second", "user: third"]);
  });

  it("an unknown id, --continue with nothing stored, and both flags are one line each", async () => {
    const { chat } = await setup();
    const none = await chat("hi\n", "--continue");
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("pai: there is no earlier conversation to continue — start one with 'pai chat'\n");
    const unknown = await chat("hi\n", "--resume", "deadbeef");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("pai: no conversation 'deadbeef' — 'pai chat --list' shows them; 'pai chat --continue' resumes the latest\n");
    const both = await chat("hi\n", "--continue", "--resume", "deadbeef");
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("pai: --continue and --resume both name a conversation — give one of them\n");
  });

  it("/save writes Markdown, keeps an existing file unless /save!; /copy needs a terminal; /help lists them", async () => {
    const { chat } = await setup();
    const dir = tmpDir();
    const file = join(dir, "talk.md");
    const r = await chat(`what are my goals?\n/save ${file}\n/save ${file}\n/copy\n/help\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`saved 1 exchange to ${file}`);
    const md = readFileSync(file, "utf8");
    expect(md).toMatch(/^# pai chat [0-9a-f]{8}\n\nSaved \d{4}-\d\d-\d\d \d\d:\d\d UTC · ollama \(.+\)\n\n## You\n\nwhat are my goals\?\n\n## pai\n\nre: what are my goals\?\n$/);
    expect(r.stderr).toContain(`${file} exists — /save! ${file} overwrites it\n`);
    expect(r.stderr).toContain("no terminal to copy through — /save FILE writes the conversation to a file\n");
    for (const c of ["/new", "/save FILE", "/save! FILE", "/copy", "pai chat --continue", "pai chat --resume ID"]) expect(r.stdout).toContain(c);

    writeFileSync(file, "old");
    const kept = await chat(`/save ${file}\n`, "--continue");
    expect(kept.stderr).toContain(`${file} exists — /save! ${file} overwrites it\n`);
    expect(readFileSync(file, "utf8")).toBe("old");
    const over = await chat(`hi\n/save! ${file}\n`, "--continue");
    expect(over.stdout).toContain(`saved 2 exchanges to ${file}`);
    expect(readFileSync(file, "utf8")).toContain("## You\n\nwhat are my goals?\n\n## pai\n\nre: what are my goals?\n\n## You\n\nhi\n");
    const none = await chat(`/save ${join(dir, "none.md")}\n`);
    expect(none.stderr).toContain("nothing to save yet — the conversation is empty\n");
    expect(existsSync(join(dir, "none.md"))).toBe(false);
  });

  it("/backend anthropic without an API key is refused at once; the backend stays", async () => {
    const { s, chat } = await setup();
    const r = await chat("/backend anthropic\n/backend\nstill here?\n");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^no Anthropic API key — set ANTHROPIC_API_KEY and start pai chat again; the backend stays ollama \(.+\)\n$/);
    expect(r.stdout).toMatch(/^backend: ollama \(.+\)\nre: still here\?\n$/);
    expect(answerTurns(s)).toHaveLength(1);
  });

  it("a resumed conversation moved to a cloud backend sends none of the exchanges a local model answered", async () => {
    const { home, s, chat } = await setup();
    await chat("my secret plan is to move to Lyon\n");
    const a = await startFakeAnthropic({ reply: "cloud says hi" });
    servers.push(a);
    const r = await paiAsync(["chat", "--continue", "--backend", "anthropic"], {
      home,
      input: "hello cloud\n",
      env: { OLLAMA_HOST: s.url, ANTHROPIC_BASE_URL: a.url, ANTHROPIC_API_KEY: "test-key" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("cloud says hi\n");
    const body = a.requests.find((q) => q.path === "/v1/messages")!.body;
    expect(JSON.stringify(body)).not.toContain("Lyon");
    expect(body.messages).toEqual([{ role: "user", content: "hello cloud" }]);
  });
});

