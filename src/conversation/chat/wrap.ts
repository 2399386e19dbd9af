/**
 * Word wrapping for the chat screen. The screen wraps text itself, so that the finished rows of a streaming
 * answer can be written once (to <Static>) while only its last row stays live: greedy wrapping has the
 * property that when text is appended, every row but the last stays as it was.
 */

/** Columns a code point takes on a terminal: 0 for combining marks and other zero-width ones, 2 for wide ones. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) || // combining diacritics
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space, joiners, marks
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals … CJK symbols
    (cp >= 0x3041 && cp <= 0x33ff) || // kana … CJK compatibility
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || // full-width forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // pictographs, emoticons
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Text as the screen shows it: tabs as spaces, no carriage returns or other control characters. */
export function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "    ")
    .replace(/\u001B\[[0-9;?]*([A-Za-z]|$)|[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, "");
}

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
