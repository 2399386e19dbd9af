import { describe, expect, it } from "vitest";
import { clean, textWidth, wrap, wrapRows } from "../../src/conversation/chat/wrap.ts";

describe("the chat screen's word wrap", () => {
  it("breaks between words and drops the space at the break", () => {
    const text = Array.from({ length: 15 }, (_, i) => `word${i}`).join(" ");
    expect(wrap(text, 80)).toEqual([
      "word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12",
      "word13 word14",
    ]);
    expect(wrap("aaa bbb\n\nccc", 5)).toEqual(["aaa", "bbb", "", "ccc"]);
    expect(wrap("  indented line", 9)).toEqual(["  indente", "d line"]);
  });

  it("cuts words longer than a row and counts wide characters as two columns", () => {
    expect(wrap("ab abcdefghij", 4)).toEqual(["ab", "abcd", "efgh", "ij"]);
    expect(wrap("日本語のテキスト", 6)).toEqual(["日本語", "のテキ", "スト"]);
    expect(textWidth("日本é")).toBe(5);
    expect(clean("a\tb\r\nc\u001B[31md\u0007")).toBe("a    b\ncd");
    // Cleaning what has come so far gives a prefix of cleaning it all: a sequence cut between chunks is dropped whole.
    expect(clean("x\u001B[3")).toBe("x");
    expect(clean("x\u001B[31my")).toBe("xy");
    expect(clean("a\r")).toBe("a\n");
    expect(clean("a\r\nb")).toBe("a\nb");
  });

  it("as text is appended, every row but the last stays as it was (what streaming relies on)", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const parts = ["a", "bb", "word", "longerword", "supercalifragilistic", " ", "  ", "\n", "日本", "é"];
    for (let t = 0; t < 500; t++) {
      let s = "";
      for (let i = 0, n = 1 + Math.floor(rnd() * 30); i < n; i++) s += parts[Math.floor(rnd() * parts.length)];
      const width = 3 + Math.floor(rnd() * 12);
      // Stream it in chunks, taking out every finished row as the screen does.
      const out: string[] = [];
      let done = 0;
      for (let i = 0; i < s.length; ) {
        i = Math.min(s.length, i + 1 + Math.floor(rnd() * 5));
        const rows = wrapRows(s.slice(done, i).replace(/ +$/, ""), width);
        if (rows.length > 1) {
          out.push(...rows.slice(0, -1).map((r) => r.text));
          done += rows[rows.length - 2]!.next;
        }
      }
      out.push(...wrapRows(s.slice(done), width).map((r) => r.text));
      const whole = wrapRows(s, width).map((r) => r.text);
      const norm = (a: string[]) => a.map((x) => x.trimEnd()).join("\n").replace(/\n+$/, "");
      expect(norm(out), JSON.stringify({ s, width })).toBe(norm(whole));
      for (const r of whole) if ([...r].length > 1) expect(textWidth(r.trimEnd())).toBeLessThanOrEqual(width);
    }
  });
});
