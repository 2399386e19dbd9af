import { describe, expect, it } from "vitest";
import { cleanText, codePieces, inline, MarkdownLines, renderMarkdown, textWidth } from "../../src/kernel/markdown.ts";

const plain = (text: string, width = 40) => renderMarkdown(text, { width, color: false });
const colored = (text: string, width = 40) => renderMarkdown(text, { width, color: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: what is removed
const strip = (s: string) => s.replace(/\u001B\[[0-9;]*m/g, "");

describe("renderMarkdown", () => {
  it("bold, italics, inline code and links: the markers go, the styles stay (only with colour)", () => {
    const src = "Some **bold**, *it*, _also it_, `x = 1` and [the docs](https://e.org/d).";
    expect(plain(src, 80)).toEqual(["Some bold, it, also it, x = 1 and the docs (https://e.org/d)."]);
    const [row] = colored(src, 80);
    expect(row).toContain("\u001B[1mbold\u001B[22m");
    expect(row).toContain("\u001B[3mit\u001B[23m");
    expect(row).toContain("\u001B[36mx = 1\u001B[39m");
    expect(row).toContain("\u001B[2m (https://e.org/d)\u001B[22m");
    expect(strip(row!)).toBe(plain(src, 80)[0]);
  });

  it("a link whose text is its address is shown once; escaped markers and lone asterisks stay", () => {
    expect(plain("[https://e.org](https://e.org) \\*not\\* 2 * 3 * 4 snake_case_name")).toEqual(["https://e.org *not* 2 * 3 * 4", "snake_case_name"]);
  });

  it("headings lose their hashes and are bold", () => {
    expect(plain("# Title\n### Sub ###")).toEqual(["Title", "Sub"]);
    expect(colored("## Plan")[0]).toBe("\u001B[1mPlan\u001B[22m");
  });

  it("list items wrap with a hanging indent at the width, nested and numbered ones too", () => {
    const rows = plain("- one two three four five six seven eight nine ten\n  - alpha beta gamma delta epsilon zeta\n12. twelve thirteen fourteen fifteen", 24);
    expect(rows).toEqual([
      "• one two three four",
      "  five six seven eight",
      "  nine ten",
      "  • alpha beta gamma",
      "    delta epsilon zeta",
      "12. twelve thirteen",
      "    fourteen fifteen",
    ]);
    expect(rows.every((r) => textWidth(r) <= 24)).toBe(true);
  });

  it("paragraphs wrap between words; a word longer than the row is cut; blank lines stay", () => {
    expect(plain("aaa bbb ccc\n\nxxxxxxxxxxxxxxx", 7)).toEqual(["aaa bbb", "ccc", "", "xxxxxxx", "xxxxxxx", "x"]);
  });

  it("code blocks: the fences go, the lines are indented and coloured by keyword, string, comment and number", () => {
    const src = "```ts\nconst a = \"if\"; // note\nreturn 42;\n```\nafter **x**";
    expect(plain(src)).toEqual(['  const a = "if"; // note', "  return 42;", "after x"]);
    const rows = colored(src);
    expect(rows[0]).toBe('  \u001B[35mconst\u001B[39m a = \u001B[32m"if"\u001B[39m; \u001B[2m// note\u001B[22m');
    expect(rows[1]).toContain("\u001B[33m42\u001B[39m");
    // Inside a block, Markdown is text.
    expect(plain("```\n**not bold** # nor heading\n```")).toEqual(["  **not bold** # nor heading"]);
  });

  it("shell and Python comments start with #", () => {
    expect(codePieces("echo hi # done", "sh").map((p) => [p.text, [...p.style].join("")])).toEqual([
      ["echo", "k"],
      [" hi ", ""],
      ["# done", "d"],
    ]);
  });

  it("quotes and rules", () => {
    expect(plain("> wise words here that wrap", 16)).toEqual(["│ wise words", "│ here that wrap"]);
    expect(plain("---", 10)).toEqual(["──────────"]);
  });

  it("escape sequences and control characters in the text are dropped, never passed on", () => {
    const rows = colored("a \u001B[2Jb \u001B]0;x\u0007c\r\n\u009Bd");
    expect(rows.join("\n")).not.toMatch(/\u001B\[2J|\u001B\]|\u0007|\u009B|\r/);
    expect(cleanText("x\ty")).toBe("x    y");
  });

  it("NO_COLOR keeps the layout: the same rows as with colour, without escapes", () => {
    const src = "# T\n- **a** b c d e f g h i j k l m n o p\n```py\nif x: pass\n```";
    expect(colored(src, 20).map(strip)).toEqual(plain(src, 20));
    expect(plain(src, 20).join("")).not.toContain("\u001B");
  });

  it("line by line: a line being written can be looked at without being taken", () => {
    const md = new MarkdownLines({ width: 40, color: false });
    expect(md.peek("```js")).toEqual([]);
    expect(md.peek("**x**")).toEqual(["x"]);
    expect(md.line("```js")).toEqual([]);
    expect(md.peek("**x**")).toEqual(["  **x**"]);
    expect(md.line("```")).toEqual([]);
    expect(md.line("**x**")).toEqual(["x"]);
  });

  it("inline styles nest", () => {
    expect(inline("**bold _both_**").map((p) => [p.text, [...p.style].sort().join("")])).toEqual([
      ["bold ", "b"],
      ["both", "bi"],
    ]);
  });
});
