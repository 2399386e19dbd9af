/**
 * Word wrapping for the chat screen. The screen wraps text itself, so that the finished rows of a streaming
 * answer can be written once (to <Static>) while only its last row stays live: greedy wrapping has the
 * property that when text is appended, every row but the last stays as it was.
 */

import { charWidth, cleanText, textWidth } from "../../kernel/markdown.ts";

export { charWidth, textWidth };

/** Text as the screen shows it: tabs as spaces, no carriage returns or other control characters. */
export const clean = cleanText;

export interface Row {
  text: string;
  /** Index in the wrapped text where the next row starts (spaces dropped at a break are skipped). */
  next: number;
}

/**
 * Wraps text (already clean()ed) to `width` columns: lines break at "\n"; a line breaks between words, the
 * spaces at the break dropped; a word longer than a row starts a row of its own and is cut into pieces.
 */
export function wrapRows(text: string, width: number): Row[] {
  const w = Math.max(1, Math.floor(width));
  const rows: Row[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl;
    wrapLine(text, start, end, w, rows);
    if (nl === -1) break;
    rows[rows.length - 1]!.next = nl + 1;
    start = nl + 1;
  }
  return rows;
}

function wrapLine(text: string, start: number, end: number, width: number, rows: Row[]): void {
  const tokens = text.slice(start, end).match(/\s+|\S+/g) ?? [];
  let cur = "";
  let curW = 0;
  let pos = start;
  const push = (next: number) => {
    rows.push({ text: cur.trimEnd(), next });
    cur = "";
    curW = 0;
  };
  for (const tok of tokens) {
    const tw = textWidth(tok);
    if (/^\s/.test(tok)) {
      if (curW + tw <= width) {
        cur += tok;
        curW += tw;
      } else if (cur.trim()) {
        push(pos + tok.length); // the spaces at the break are dropped
      } else {
        cur = "";
        curW = 0; // indentation wider than the row
      }
    } else if (curW + tw <= width) {
      cur += tok;
      curW += tw;
    } else {
      if (cur.trim()) push(pos);
      if (tw <= width - curW) {
        cur += tok;
        curW += tw;
      } else {
        // A word longer than a row: pieces of a full row each, the rest carries on.
        let i = pos;
        for (const ch of tok) {
          const cw = charWidth(ch.codePointAt(0)!);
          if (curW + cw > width && cur) {
            if (cur.trim()) push(i);
            else {
              cur = "";
              curW = 0; // indentation that leaves no room for a character
            }
          }
          cur += ch;
          curW += cw;
          i += ch.length;
        }
      }
    }
    pos += tok.length;
  }
  rows.push({ text: cur, next: end });
}

/** Wraps text to rows of at most `width` columns (each row's trailing spaces kept only on the last). */
export function wrap(text: string, width: number): string[] {
  return wrapRows(clean(text), width).map((r) => r.text);
}
