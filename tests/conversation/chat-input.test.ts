import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AnswerRows } from "../../src/conversation/chat/answer.ts";
import { appendHistory, MAX_ENTRIES, readHistory } from "../../src/conversation/chat/history.ts";
import { inputRows, moveLine, pastedText, submitted } from "../../src/conversation/chat/input.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("chat history file", () => {
  it("keeps multi-line entries whole, skips a repeat of the newest, is the user's only", () => {
    const file = join(tmpDir(), "chat_history");
    expect(readHistory(file)).toEqual([]);
    const known: string[] = [];
    for (const e of ["one", "def f():\n    return 1", "back\\slash \\n literal", "back\\slash \\n literal"]) {
      appendHistory(file, e, known);
      known.push(e);
    }
    expect(readHistory(file)).toEqual(["one", "def f():\n    return 1", "back\\slash \\n literal"]);
    expect(readFileSync(file, "utf8").split("\n")).toHaveLength(4);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it(`holds at most ${MAX_ENTRIES} entries, the newest`, () => {
    const file = join(tmpDir(), "chat_history");
    writeFileSync(file, Array.from({ length: MAX_ENTRIES }, (_, i) => `e${i}\n`).join(""), { mode: 0o600 });
    appendHistory(file, "newest", readHistory(file));
    const h = readHistory(file);
    expect(h).toHaveLength(MAX_ENTRIES);
    expect(h[0]).toBe("e1");
    expect(h.at(-1)).toBe("newest");
  });
});

describe("chat input", () => {
  it("Up and Down move between the lines of a multi-line input, then leave it to history", () => {
    const t = "abc\nde\nfghij";
    expect(moveLine(t, 9, -1)).toBe(6); // column 2 of "fghij" → the end of "de"
    expect(moveLine(t, 6, -1)).toBe(2);
    expect(moveLine(t, 2, -1)).toBeUndefined();
    expect(moveLine(t, 1, 1)).toBe(5);
    expect(moveLine(t, 5, 1)).toBe(8);
    expect(moveLine(t, 8, 1)).toBeUndefined();
  });

  it("the lines of a multi-line input are indented under the prompt, the cursor where it is", () => {
    expect(inputRows("ab\ncd", 4, 20, 5)).toEqual([
      { first: true, before: "› ab", after: "" },
      { first: false, before: "  c", at: "d", after: " " },
    ]);
  });

  it("a paste keeps line ends and indentation; a multi-line message keeps its indentation when sent", () => {
    expect(pastedText("a\r\n\tb\rc\u0007")).toBe("a\n    b\nc");
    expect(submitted("  hi  ")).toBe("hi");
    expect(submitted("\n\n    x = 1\n    y = 2\n\n")).toBe("    x = 1\n    y = 2");
  });
});

describe("an answer streaming as Markdown", () => {
  it("a finished line is final at once; the line being written stays live, rendered", () => {
    const a = new AnswerRows(40, false, () => 5);
    expect(a.push("Hello **wor")).toEqual({ final: [], live: ["Hello **wor"] });
    expect(a.push("ld**\n- it")).toEqual({ final: [{ text: "Hello **world**\n", rows: ["Hello world"] }], live: ["• it"] });
    expect(a.finish()).toEqual({ text: "- it", rows: ["• it"] });
  });

  it("a line taller than the live part gives up its first rows, the rest at the same hanging indent", () => {
    const a = new AnswerRows(30, false, () => 2);
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    const { final, live } = a.push(`- ${words}`);
    expect(final.length).toBeGreaterThan(0);
    expect(live.length).toBeLessThanOrEqual(3);
    const rows = [...final.flatMap((f) => f.rows), ...a.finish().rows];
    expect(rows[0]!.startsWith("• w0")).toBe(true);
    expect(rows.slice(1).every((r) => r.startsWith("  w"))).toBe(true);
    expect(rows.join(" ").match(/w\d+/g)).toEqual(words.split(" "));
  });
});
