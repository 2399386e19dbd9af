import { afterEach, describe, expect, it } from "vitest";
import { cutText, displayWidth, hangingWrap, layoutTable, wrapWords } from "../../src/cli/layout.ts";
import { setOutputContext, table, terminalColumns } from "../../src/cli/output.ts";

const widest = (s: string) => Math.max(...s.split("\n").map(displayWidth));
const DIM = (s: string) => `\x1b[2m${s}\x1b[22m`;

describe("layoutTable", () => {
  const rows = [
    ["NAME", "VERSION", "DESCRIPTION"],
    ["weather", "1.0.0", "Tells the weather for a city, with a description long enough to need more than one line here"],
    ["x", "2", "short"],
  ];

  it("wraps a 'wrap' column at word boundaries, the other columns aligned, within the width", () => {
    const out = layoutTable(rows, 50, { columns: ["key", undefined, "wrap"] });
    expect(widest(out)).toBeLessThanOrEqual(50);
    const lines = out.split("\n");
    expect(lines[1]).toMatch(/^weather {2}1\.0\.0 {4}Tells/);
    // Continuation lines start under the description, and no word is broken.
    expect(lines[2]).toMatch(/^ {18}\S/);
    const words = out.replace(/\s+/g, " ");
    for (const w of rows[1]![2]!.split(" ")) expect(words).toContain(` ${w}`);
  });

  it("cuts a 'cut' column with …, never the key column", () => {
    const long = [["ID", "CONTENT"], ["12345678901234567890", "a".repeat(200)]];
    const out = layoutTable(long, 40, { columns: ["key", "cut"] });
    expect(widest(out)).toBeLessThanOrEqual(40);
    expect(out).toContain("12345678901234567890");
    expect(out.split("\n")[1]!.endsWith("…")).toBe(true);
  });

  it("shrinks the widest shrinkable column first", () => {
    const t = [["A", "B", "C"], ["k", "b".repeat(20), "c".repeat(60)]];
    const out = layoutTable(t, 60, { columns: ["key", "cut", "cut"] });
    const [, row] = out.split("\n");
    expect(row).toContain("b".repeat(20));
    expect(widest(out)).toBeLessThanOrEqual(60);
  });

  it("prints every line whole when the width is 0 (not a terminal)", () => {
    const out = layoutTable(rows, 0, { columns: ["key", undefined, "cut"] });
    expect(out).toContain(rows[1]![2]);
  });

  it("keeps colours balanced when it cuts or wraps", () => {
    expect(cutText(DIM("hello world and more"), 10)).toBe(`\x1b[2mhello wor…\x1b[22m`);
    for (const line of wrapWords(DIM("hello world and more"), 8)) {
      expect(line.startsWith("\x1b[2m")).toBe(true);
      expect(line.endsWith("\x1b[22m")).toBe(true);
    }
  });

  it("counts wide characters as two columns", () => {
    const out = layoutTable([["ID", "TEXT"], ["1", "日本語のテキスト".repeat(6)]], 30, { columns: ["key", "cut"] });
    expect(widest(out)).toBeLessThanOrEqual(30);
  });
});

describe("hangingWrap", () => {
  it("wraps at word boundaries under the label's column", () => {
    const line = `${"Goals".padEnd(10)}G1 Ship the first version of the thing that does everything for everyone`;
    const out = hangingWrap(line, 10, 40);
    const lines = out.split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(40);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {10}\S/);
    expect(out.replace(/\s+/g, " ")).toBe(line.replace(/\s+/g, " "));
  });

  it("leaves text whole when the width is 0", () => {
    expect(hangingWrap("x ".repeat(100), 4, 0)).toBe("x ".repeat(100));
  });
});

describe("the width under an output context (a request the daemon answers for a client)", () => {
  afterEach(() => setOutputContext(undefined));
  const ctx = (tty: boolean, columns: number | undefined, env: Record<string, string> = {}) =>
    setOutputContext({ write() {}, env, tty: { out: tty, err: tty }, columns });

  it("is the client's terminal width, or its COLUMNS", () => {
    ctx(true, 50);
    expect(terminalColumns()).toBe(50);
    expect(widest(table([["ID", "TEXT"], ["1", "word ".repeat(40)]], { columns: ["key", "wrap"] }))).toBeLessThanOrEqual(50);
    ctx(true, 50, { COLUMNS: "70" });
    expect(terminalColumns()).toBe(70);
  });

  it("is 0 when the client's stdout is not a terminal: whole lines", () => {
    ctx(false, 50, { COLUMNS: "50" });
    expect(terminalColumns()).toBe(0);
    expect(table([["ID", "TEXT"], ["1", "word ".repeat(40).trim()]], { columns: ["key", "wrap"] })).toContain("word ".repeat(40).trim());
  });
});
