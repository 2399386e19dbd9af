/**
 * Fitting text to a terminal's width: a table whose widest free-text column wraps or is cut (never the column
 * holding what a user types next), and a line wrapped at word boundaries under a hanging indent. Widths are
 * counted in terminal columns (wide characters take two, pai's own colour sequences none); a width of 0 means
 * "not a terminal": everything is printed whole.
 */
import { charWidth } from "../conversation/chat/wrap.ts";

/**
 * How a table's column behaves when the table is wider than the terminal. "key": never shrunk (the id or name
 * a user types next); "wrap": its text wraps onto further lines; "cut": its text is cut, ending in "…".
 * A column without a hint keeps its width.
 */
export type ColumnHint = "key" | "wrap" | "cut" | undefined;

export interface TableOptions {
  /** One hint per column; with none given, the last column may be cut (as a description). */
  columns?: ColumnHint[];
  /** The narrowest a shrinking column becomes while others can still shrink (default 12); 4 if the table must. */
  min?: number;
}

const GAP = 2;
// biome-ignore lint/suspicious/noControlCharactersInRegex: pai's own colour sequences
const STYLE = /\x1b\[[0-9;]*m/y;

type Piece = { text: string; width: number };

/** The pieces of a text: a colour sequence (width 0) or one character with its width. */
function pieces(s: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < s.length) {
    STYLE.lastIndex = i;
    const m = STYLE.exec(s);
    if (m) {
      out.push({ text: m[0], width: 0 });
      i += m[0].length;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out.push({ text: ch, width: charWidth(cp) });
    i += ch.length;
  }
  return out;
}

/** Columns a text takes on a terminal (colour sequences take none). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const p of pieces(s)) w += p.width;
  return w;
}

const escapes = (ps: Piece[]) => ps.filter((p) => !p.width && p.text.startsWith("\x1b")).map((p) => p.text).join("");

/**
 * Breaks text into lines of at most `width` columns at spaces (a word longer than a line is cut into pieces).
 * Each line replays the colour sequences before it and after it, so its colours open and close as the whole
 * text's do.
 */
export function wrapWords(s: string, width: number): string[] {
  const all = pieces(s);
  if (width <= 0 || all.reduce((w, p) => w + p.width, 0) <= width) return [s];
  const lines: Piece[][] = [];
  let line: Piece[] = [];
  let used = 0;
  let lastSpace = -1;
  const breakAt = (cut: number, resume: number) => {
    lines.push(line.slice(0, cut));
    line = line.slice(resume);
    while (line.length && line[0]!.text === " ") line.shift();
    used = line.reduce((w, p) => w + p.width, 0);
    lastSpace = line.findLastIndex((p) => p.text === " ");
  };
  for (const p of all) {
    if (p.width && used + p.width > width) {
      if (p.text === " ") {
        breakAt(line.length, line.length);
        continue;
      }
      if (lastSpace > 0) breakAt(lastSpace, lastSpace + 1);
      if (used + p.width > width) breakAt(line.length, line.length);
    }
    line.push(p);
    used += p.width;
    if (p.text === " ") lastSpace = line.length - 1;
  }
  if (line.some((p) => p.width) || !lines.length) lines.push(line);
  else lines[lines.length - 1]!.push(...line);
  return lines.map((l, i) => {
    const text = l.map((p) => p.text).join("").replace(/ +$/, "");
    return escapes(lines.slice(0, i).flat()) + text + escapes(lines.slice(i + 1).flat());
  });
}

/** Text cut to at most `width` columns, ending in "…" when it was cut; colour sequences all kept. */
export function cutText(s: string, width: number): string {
  if (width <= 0 || displayWidth(s) <= width) return s;
  let used = 0;
  let out = "";
  let cut = false;
  for (const p of pieces(s)) {
    if (!p.width) {
      out += p.text;
      continue;
    }
    if (cut) continue;
    if (used + p.width > width - 1) {
      out = `${out.trimEnd()}…`;
      cut = true;
      continue;
    }
    out += p.text;
    used += p.width;
  }
  return out;
}

/**
 * Text wrapped at word boundaries to `width` columns under a hanging indent: each line's first `indent` columns
 * (a label, or spaces) stay, the rest wraps beside them, and the lines it wraps onto start with `indent` spaces.
 * With width 0 (not a terminal) the text is returned whole.
 */
export function hangingWrap(text: string, indent: number, width: number): string {
  if (!width) return text;
  const room = Math.max(width - indent, 20);
  return text
    .split("\n")
    .map((line) => {
      if (displayWidth(line) <= width) return line;
      let at = 0;
      let used = 0;
      for (const p of pieces(line)) {
        if (used >= indent && p.width) break;
        used += p.width;
        at += p.text.length;
      }
      const body = wrapWords(line.slice(at), room);
      return [line.slice(0, at) + body[0], ...body.slice(1).map((l) => " ".repeat(indent) + l)].join("\n");
    })
    .join("\n");
}

/**
 * Lays out rows of cells as aligned columns. With a width, the columns hinted "wrap" or "cut" shrink, the widest
 * first, until the table fits; "key" and unhinted columns keep their width. Without one, nothing is shrunk.
 */
export function layoutTable(rows: string[][], width: number, opts: TableOptions = {}): string {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const hints: ColumnHint[] = opts.columns ?? Array.from({ length: cols }, (_, i) => (i === cols - 1 ? "cut" : undefined));
  const flat = rows.map((r) => r.map((c) => c.replace(/\s*\n\s*/g, " ")));
  const natural: number[] = Array.from({ length: cols }, (_, i) => Math.max(0, ...flat.map((r) => displayWidth(r[i] ?? ""))));
  const widths = natural.slice();
  if (width > 0) {
    const total = () => widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, cols - 1);
    // First down to a readable width; if that is not enough, down to a few columns (a narrow terminal).
    let least = opts.min ?? 12;
    const floor = (i: number) => Math.min(natural[i]!, least);
    let excess = total() - width;
    for (;;) {
      if (excess <= 0) break;
      let pick = -1;
      for (let i = 0; i < cols; i++) {
        const h = hints[i];
        if ((h === "wrap" || h === "cut") && widths[i]! > floor(i) && (pick < 0 || widths[i]! > widths[pick]!)) pick = i;
      }
      if (pick < 0) {
        if (least <= 4) break;
        least = 4;
        continue;
      }
      // Shrink the widest down to the next widest (or as far as needed), in one step.
      const next = Math.max(floor(pick), ...widths.map((w, i) => (i !== pick && (hints[i] === "wrap" || hints[i] === "cut") ? w : 0)));
      const by = Math.max(1, Math.min(excess, widths[pick]! - next));
      widths[pick] = widths[pick]! - by;
      excess -= by;
    }
  }
  const out: string[] = [];
  for (const r of flat) {
    const cells = r.map((c, i) => {
      if (!width || displayWidth(c) <= widths[i]!) return [c];
      return hints[i] === "wrap" ? wrapWords(c, widths[i]!) : hints[i] === "cut" ? [cutText(c, widths[i]!)] : [c];
    });
    const height = Math.max(1, ...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      const parts = cells.map((c, i) => {
        const text = c[k] ?? "";
        return i === cells.length - 1 ? text : text + " ".repeat(Math.max(0, widths[i]! - displayWidth(text)));
      });
      out.push(parts.join(" ".repeat(GAP)).trimEnd());
    }
  }
  return out.join("\n");
}
