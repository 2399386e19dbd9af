/**
 * The chat input as text and a cursor: how it is shown (rows around the cursor), moving by character and by
 * line, and what typed or pasted text becomes once inserted.
 */
import { wrapRows } from "./wrap.ts";

export interface InputRow {
  /** Row 0 starts with the prompt "› ". */
  first: boolean;
  before: string;
  /** The character under the cursor (a space at the end), or undefined on rows without the cursor. */
  at?: string;
  after: string;
}

/**
 * The input as shown: "› " and the text wrapped to the width, the cursor at `at` (an index in the text),
 * at most `maxRows` rows (the ones around the cursor, the last ones by preference).
 */
export function inputRows(text: string, at: number, columns: number, maxRows: number): InputRow[] {
  // The lines after the first are indented under the prompt.
  const s = `› ${text.replace(/\n/g, "\n  ")} `;
  const rows = wrapRows(s, columns);
  const starts = rows.map((_, k) => (k === 0 ? 0 : rows[k - 1]!.next));
  const a = Math.max(0, Math.min(at, text.length));
  const c = 2 + a + 2 * (text.slice(0, a).match(/\n/g)?.length ?? 0);
  let k = 0;
  while (k + 1 < rows.length && starts[k + 1]! <= c) k++;
  const from = Math.max(0, Math.min(rows.length - maxRows, k));
  return rows.slice(from, from + Math.max(1, maxRows)).map((r, j) => {
    const i = from + j;
    if (i !== k) return { first: i === 0, before: r.text, after: "" };
    const col = Math.min(c - starts[i]!, r.text.length);
    const ch = String.fromCodePoint(r.text.codePointAt(col) ?? 32);
    return { first: i === 0, before: r.text.slice(0, col), at: ch, after: r.text.slice(col + ch.length) };
  });
}

/** The index one character (code point) before or after i in s. */
export const prevChar = (s: string, i: number) => (i > 1 && /[\uDC00-\uDFFF]/.test(s[i - 1]!) ? i - 2 : Math.max(0, i - 1));
export const nextChar = (s: string, i: number) => (i < s.length && /[\uD800-\uDBFF]/.test(s[i]!) ? i + 2 : Math.min(s.length, i + 1));

/**
 * The cursor moved one line up (-1) or down (+1) in a multi-line input, at the same column or the line's end;
 * undefined when it is already on the first (last) line, where Up (Down) recalls history instead.
 */
export function moveLine(text: string, at: number, dir: -1 | 1): number | undefined {
  const start = text.lastIndexOf("\n", at - 1) + 1;
  const col = at - start;
  if (dir < 0) {
    if (start === 0) return undefined;
    const prevStart = text.lastIndexOf("\n", start - 2) + 1;
    return Math.min(prevStart + col, start - 1);
  }
  const end = text.indexOf("\n", at);
  if (end === -1) return undefined;
  const nextEnd = text.indexOf("\n", end + 1);
  return Math.min(end + 1 + col, nextEnd === -1 ? text.length : nextEnd);
}

/** Pasted text as it goes into the input: line ends as "\n", tabs as four spaces, no other control character. */
export function pastedText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters in a paste are dropped
  return s.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").replace(/[\u0000-\u0009\u000B-\u001F\u007F]/g, "");
}

/** A submitted input as sent: a one-line input trimmed; a multi-line one keeps its indentation, not blank ends. */
export function submitted(line: string): string {
  if (!line.includes("\n")) return line.trim();
  return line.replace(/\s+$/, "").replace(/^(\s*\n)+/, "");
}

/** The key sequences of Shift-Enter on terminals that tell it from Enter (xterm modifyOtherKeys, ESC stripped). */
export const SHIFT_ENTER = new Set(["[27;2;13~", "[13;2~", "[13;2u"]);
