import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import {
  detectFormat,
  episodeContent,
  parseChatJson,
  parseChatMarkdown,
  parseClaudeCodeJsonl,
  parseHookInput,
  parseTranscript,
  storeExchanges,
} from "../../src/memory/io/transcript.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai, ROOT } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const FIX = join(ROOT, "tests", "fixtures", "transcripts");
const read = (f: string) => readFileSync(join(FIX, f), "utf8");
const SESSION = "5f1c2d3e-0000-4000-8000-000000000001";

function store() {
  const db = openDatabase(join(tmpDir(), "pai.db"));
  return { db, mem: openMemory(db, configSchema.parse({})) };
}

describe("Claude Code transcripts", () => {
  it("pairs each user turn with the assistant's reply, skipping tool results, meta, sub-agents and summaries", () => {
    const t = parseClaudeCodeJsonl(read("claude-code-session.jsonl"));
    expect(t.format).toBe("claude-code");
    expect(t.sessionIds).toEqual([SESSION]);
    expect(t.exchanges.map((e) => [e.source, e.createdAt, e.line])).toEqual([
      [`claude-code:${SESSION}:u1`, "2026-03-02T09:00:05.000Z", 5],
      [`claude-code:${SESSION}:u2`, "2026-03-02T09:05:00.000Z", 13],
    ]);
    expect(t.exchanges[0]!.user).toBe("I'm moving to Lyon in March. Which neighbourhoods are good for a quiet flat near a tram line?");
    // Text blocks of the whole reply, across the tool call; thinking and the tool result are left out.
    expect(t.exchanges[0]!.assistant).toBe("Croix-Rousse and Monplaisir are both quiet and well served by trams.\n\nMonplaisir is on the T4 line.");
    expect(JSON.stringify(t.exchanges)).not.toMatch(/Sub-agent|T1 and T4 lines|clear|Caveat|thinking/);
  });

  it("reports bad lines with their numbers and keeps going", () => {
    const t = parseClaudeCodeJsonl(read("claude-code-session.jsonl"));
    expect(t.problems.map((p) => p.line)).toEqual([12, 15]);
    expect(t.problems[0]!.error).toMatch(/not valid JSON/);
    expect(t.problems[1]!.error).toBe("user line without a valid timestamp");
  });

  it("takes the session from the file name when lines carry none", () => {
    const line = JSON.stringify({ type: "user", uuid: "x1", timestamp: "2026-01-01T00:00:00Z", message: { role: "user", content: "hi" } });
    const t = parseTranscript(line, { file: "/p/abc-123.jsonl", fallbackAt: "2026-01-02T00:00:00Z" });
    expect(t.exchanges[0]!.source).toBe("claude-code:abc-123:x1");
    expect(episodeContent(t.exchanges[0]!)).toBe("User: hi");
  });

  it("imports as private episodes with their timestamps, redacts secrets, and re-import adds nothing", () => {
    const { db, mem } = store();
    const parsed = parseClaudeCodeJsonl(read("claude-code-session.jsonl"));
    const r = storeExchanges(mem, parsed, { file: "/x/session.jsonl" });
    expect(r).toMatchObject({ format: "claude-code", exchanges: 2, added: 2, already: 0, redacted: 1 });
    const items = r.ids.map((id) => mem.get(id)!);
    expect(items.map((i) => [i.kind, i.visibility, i.createdAt, i.source])).toEqual([
      ["episode", "private", "2026-03-02T09:00:05.000Z", `claude-code:${SESSION}:u1`],
      ["episode", "private", "2026-03-02T09:05:00.000Z", `claude-code:${SESSION}:u2`],
    ]);
    expect(items[0]!.content).toMatch(/^User: I'm moving to Lyon.*\nAssistant: Croix-Rousse/s);
    expect(items[1]!.content).not.toContain("sk-ant-api03");
    expect(items[1]!.content).toContain("1200 euros");

    const again = storeExchanges(mem, parseClaudeCodeJsonl(read("claude-code-session.jsonl")));
    expect(again).toMatchObject({ added: 0, already: 2 });
    expect(mem.stats().total).toBe(2);
    db.close();
  });
});

describe("chat exports", () => {
  it("JSON: an array of {role, content, timestamp}; unknown roles and bad dates are reported by entry", () => {
    const t = parseChatJson(read("chat.json"), "2026-05-01T00:00:00.000Z");
    expect(t.exchanges.map((e) => [e.user, e.assistant, e.createdAt, e.entry])).toEqual([
      ["Plan a weekend in Annecy for two.", "Saturday: the old town and a boat on the lake. Sunday: hike the Semnoz.", "2026-04-10T18:00:00.000Z", 2],
      ["We prefer trains to cars.", "Then take the TGV to Annecy via Lyon Part-Dieu.", "2026-04-10T18:02:00.000Z", 4],
      ["Thanks!", "", "2026-05-01T00:00:00.000Z", 7],
    ]);
    expect(t.problems).toEqual([
      { entry: 6, error: 'unknown role "narrator" (expected user or assistant)' },
      { entry: 7, error: `timestamp "not a date" is not a date; the file's date is used` },
    ]);
    expect(t.exchanges.every((e) => /^chat:[0-9a-f]{20}$/.test(e.source))).toBe(true);
  });

  it("Markdown: User:/Assistant: lines, continuation lines, bold labels", () => {
    const t = parseChatMarkdown(read("chat.md"), "2026-05-01T00:00:00.000Z");
    expect(t.exchanges.map((e) => [e.user, e.assistant, e.line])).toEqual([
      ["I want to run a half marathon in October.", "Start with three runs a week and build up your long run.\nKeep the other two runs easy.", 3],
      ["My knee hurts after 10 km.", "See a physiotherapist before increasing the distance.", 7],
    ]);
  });

  it("detects the format from the name and the first characters", () => {
    expect(detectFormat(read("claude-code-session.jsonl"))).toBe("claude-code");
    expect(detectFormat(read("chat.json"))).toBe("chat-json");
    expect(detectFormat('{"messages": []}')).toBe("chat-json");
    expect(detectFormat(read("chat.md"))).toBe("chat-markdown");
    expect(detectFormat("{}", "x.jsonl")).toBe("claude-code");
  });

  it("chat imports are idempotent too", () => {
    const { db, mem } = store();
    const parsed = parseChatJson(read("chat.json"), "2026-05-01T00:00:00.000Z");
    expect(storeExchanges(mem, parsed).added).toBe(3);
    expect(storeExchanges(mem, parseChatJson(read("chat.json"), "2026-05-01T00:00:00.000Z"))).toMatchObject({ added: 0, already: 3 });
    db.close();
  });
});

describe("hook input", () => {
  it("reads transcript_path and session_id; refuses input without them", () => {
    expect(parseHookInput(JSON.stringify({ session_id: "s", transcript_path: "/t.jsonl", hook_event_name: "SessionEnd", reason: "exit" }))).toEqual({
      transcriptPath: "/t.jsonl",
      sessionId: "s",
      event: "SessionEnd",
    });
    expect(() => parseHookInput("{}")).toThrow(/no transcript_path/);
    expect(() => parseHookInput("nope")).toThrow(/not JSON/);
  });
});

describe("pai memory import-transcript (CLI)", () => {
  it("imports a file, is idempotent, reads a hook's JSON on stdin, and reports bad lines on stderr", () => {
    const h = initHome(tmpDir());
    const file = join(FIX, "claude-code-session.jsonl");
    let r = pai(["memory", "import-transcript", file], { home: h });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("claude-code: 2 exchange(s) read, 2 imported as episodes, 1 with secrets redacted, 2 bad line(s) skipped.\n");
    expect(r.stderr).toMatch(/^pai: line 12: not valid JSON .*\(skipped\)\npai: line 15: user line without a valid timestamp \(skipped\)\n$/);

    r = pai(["memory", "import-transcript", file, "--json"], { home: h });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ format: "claude-code", exchanges: 2, added: 0, already: 2, dry_run: false });
    // pai's own keys are snake_case, as in every --json.
    expect(Object.keys(out).sort()).toEqual(["added", "already", "dry_run", "exchanges", "file", "format", "ids", "problems", "redacted", "session_ids"]);

    r = pai(["memory", "import-transcript", "--from-hook", "--json"], {
      home: h,
      input: JSON.stringify({ session_id: "abc", transcript_path: join(FIX, "chat.json"), hook_event_name: "SessionEnd", reason: "exit" }),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: "chat-json", added: 3 });
  });

  it("missing files, bad formats and bad hook input are one-line errors", () => {
    const h = initHome(tmpDir());
    let r = pai(["memory", "import-transcript", join(h, "nope.jsonl")], { home: h });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: no transcript at .*nope\.jsonl — /);
    r = pai(["memory", "import-transcript", join(FIX, "chat.md"), "--format", "docx"], { home: h });
    expect(r.code).toBe(2);
    r = pai(["memory", "import-transcript", "--from-hook"], { home: h, input: JSON.stringify({ transcript_path: join(h, "none.jsonl") }) });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no transcript at .*none\.jsonl; nothing to import/);
    r = pai(["memory", "import-transcript", "--from-hook"], { home: h, input: "{}" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("pai: the hook's JSON has no transcript_path — use it on a Claude Code SessionEnd or Stop hook\n");
  });
});
