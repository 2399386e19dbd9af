/**
 * Markdown for a terminal: text in, rows out, each at most `width` columns. Headings, bold, italics, inline
 * code, lists with hanging indents, quotes, rules, fenced code with a simple colouring (keywords, strings,
 * comments, numbers) and links as their text followed by the address. Lines are rendered one at a time, so an
 * answer can be shown as it streams: `MarkdownLines` keeps what a line needs from the ones before it (inside a
 * code block or not). Without colour the layout is the same and no escape sequence is written.
 *
 * The text is cleaned first: control characters and escape sequences in it are dropped, never passed on.
 */

export interface MarkdownOptions {
  width: number;
  /** Colour and bold (false: the same layout, plain text). */
  color: boolean;
}

type Style = "b" | "i" | "c" | "d" | "h" | "k" | "s" | "n" | "m";

interface Piece {
  text: string;
  style: Set<Style>;
}

const OPEN: Record<Style, [string, string]> = {
  b: ["\x1b[1m", "\x1b[22m"], // bold
  i: ["\x1b[3m", "\x1b[23m"], // italic
  c: ["\x1b[36m", "\x1b[39m"], // inline code
  d: ["\x1b[2m", "\x1b[22m"], // dim: link addresses, rules, quote bars, comments
  h: ["\x1b[1m", "\x1b[22m"], // heading
  k: ["\x1b[35m", "\x1b[39m"], // keyword
  s: ["\x1b[32m", "\x1b[39m"], // string
  n: ["\x1b[33m", "\x1b[39m"], // number
  m: ["\x1b[36m", "\x1b[39m"], // list marker
};

/** Columns a code point takes: 0 for controls and combining marks, 2 for wide (CJK, emoji) ones. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
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

/** Text safe to render: tabs as spaces, no carriage return, escape sequence or other control character. */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "    ")
    .replace(/\u001B\[[0-9;?]*([A-Za-z]|$)|[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, "");
}

/** Inline Markdown as styled pieces: **bold**, __bold__, *italic*, _italic_, `code`, [text](url), \-escapes. */
export function inline(text: string, base: Style[] = []): Piece[] {
  const out: Piece[] = [];
  const push = (t: string, extra: Style[] = []) => {
    if (!t) return;
    const style = new Set<Style>([...base, ...extra]);
    const last = out[out.length - 1];
    if (last && same(last.style, style)) last.text += t;
    else out.push({ text: t, style });
  };
  const re = /\\([\\`*_[\]()#+\-.!~])|`([^`]+)`|\*\*(\S(?:.*?\S)??)\*\*|__(\S(?:.*?\S)??)__(?!\w)|\*([^\s*](?:.*?[^\s*])??)\*|(?<!\w)_([^\s_](?:.*?[^\s_])??)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    push(text.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[1] !== undefined) push(m[1]);
    else if (m[2] !== undefined) push(m[2], ["c"]);
    else if (m[3] !== undefined || m[4] !== undefined) for (const p of inline(m[3] ?? m[4]!, [...base, "b"])) push(p.text, [...p.style]);
    else if (m[5] !== undefined || m[6] !== undefined) for (const p of inline(m[5] ?? m[6]!, [...base, "i"])) push(p.text, [...p.style]);
    else {
      for (const p of inline(m[7]!, base)) push(p.text, [...p.style]);
      if (m[8] !== m[7]) push(` (${m[8]})`, ["d"]);
    }
  }
  push(text.slice(at));
  return out;
}

const same = (a: Set<Style>, b: Set<Style>) => a.size === b.size && [...a].every((s) => b.has(s));

function paint(p: Piece, color: boolean): string {
  if (!color || !p.style.size) return p.text;
  let open = "";
  let close = "";
  for (const s of p.style) {
    open += OPEN[s][0];
    close = OPEN[s][1] + close;
  }
  return open + p.text + close;
}

/**
 * Styled pieces wrapped to `width`: the first row starts with `first` (e.g. a list marker), the others with
 * `indent` spaces (a hanging indent). Breaks between words; a word wider than a row is cut.
 */
export function wrapPieces(pieces: Piece[], width: number, color: boolean, first: Piece[] = [], indent = 0): string[] {
  const rows: string[] = [];
  let row: Piece[] = [...first];
  let w = first.reduce((n, p) => n + textWidth(p.text), 0);
  let pendingSpace: Piece | null = null;
  const flush = () => {
    rows.push(row.map((p) => paint(p, color)).join("").trimEnd());
    row = indent ? [{ text: " ".repeat(indent), style: new Set() }] : [];
    w = indent;
    pendingSpace = null;
  };
  const add = (p: Piece) => {
    const last = row[row.length - 1];
    if (last && same(last.style, p.style)) last.text += p.text;
    else row.push({ text: p.text, style: new Set(p.style) });
  };
  // Words, each a list of pieces (a word may change style midway: "**bold**,").
  const words: { parts: Piece[]; space: boolean }[] = [];
  let cur: Piece[] = [];
  for (const p of pieces) {
    for (const tok of p.text.match(/\s+|\S+/g) ?? []) {
      if (/^\s/.test(tok)) {
        if (cur.length) words.push({ parts: cur, space: false });
        cur = [];
        words.push({ parts: [{ text: tok, style: p.style }], space: true });
      } else cur.push({ text: tok, style: p.style });
    }
  }
  if (cur.length) words.push({ parts: cur, space: false });
  let atStart = true;
  for (const word of words) {
    const ww = word.parts.reduce((n, p) => n + textWidth(p.text), 0);
    if (word.space) {
      if (!atStart) pendingSpace = word.parts[0]!;
      else if (!rows.length && !first.length) {
        add(word.parts[0]!); // leading spaces of the line are kept
        w += ww;
      }
      continue;
    }
    const sw = pendingSpace ? textWidth(pendingSpace.text) : 0;
    if (!atStart && w + sw + ww > width) flush();
    else if (pendingSpace) {
      add(pendingSpace);
      w += sw;
    }
    pendingSpace = null;
    atStart = false;
    if (w + ww <= width) {
      for (const p of word.parts) add(p);
      w += ww;
      continue;
    }
    // Wider than a row: cut it.
    for (const p of word.parts) {
      for (const ch of p.text) {
        const cw = charWidth(ch.codePointAt(0)!);
        if (w + cw > width && w > indent) flush();
        add({ text: ch, style: p.style });
        w += cw;
      }
    }
  }
  rows.push(row.map((p) => paint(p, color)).join("").trimEnd());
  return rows;
}

const KEYWORDS = new Set(
  (
    "if else elif for while do return function func fn def class struct enum interface type const let var import from export " +
    "package module use pub async await yield try catch except finally raise throw throws new delete in of is not and or as " +
    "with match case switch default break continue true false null nil None True False undefined this self super static " +
    "public private protected void int string bool boolean float double char long impl trait where select insert update " +
    "create table values set then end local echo fi done esac lambda extends implements go defer chan map range mut"
  ).split(" "),
);

/** One line of code with simple colours: comments, strings, numbers, keywords. */
export function codePieces(line: string, lang: string): Piece[] {
  const hash = /^(py|python|sh|bash|shell|zsh|rb|ruby|yaml|yml|toml|r|perl|make|makefile|dockerfile|conf|ini)$/i.test(lang);
  const dashdash = /^(sql|lua|haskell|hs)$/i.test(lang);
  const re = hash
    ? /(#.*$)|("(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?)|(\b\d[\d_.xXa-fA-F]*\b)|([A-Za-z_][\w]*)/g
    : dashdash
      ? /(--.*$)|("(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?)|(\b\d[\d_.xXa-fA-F]*\b)|([A-Za-z_][\w]*)/g
      : /(\/\/.*$|\/\*.*?(?:\*\/|$))|("(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|`(?:\\.|[^`\\])*`?)|(\b\d[\d_.xXa-fA-F]*\b)|([A-Za-z_$][\w$]*)/g;
  const out: Piece[] = [];
  const push = (text: string, s?: Style) => {
    if (text) out.push({ text, style: new Set(s ? [s] : []) });
  };
  let at = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[4] !== undefined && !KEYWORDS.has(m[4])) continue;
    push(line.slice(at, m.index));
    at = m.index + m[0].length;
    push(m[0], m[1] !== undefined ? "d" : m[2] !== undefined ? "s" : m[3] !== undefined ? "n" : "k");
  }
  push(line.slice(at));
  return out;
}

const styled = (text: string, ...s: Style[]): Piece => ({ text, style: new Set(s) });

/** Renders Markdown line by line, remembering whether it is inside a fenced code block. */
export class MarkdownLines {
  private fence: { mark: string; lang: string; indent: number } | null = null;

  constructor(private readonly opts: MarkdownOptions) {}

  /** The rows of one line of Markdown (no "\n" in it); a fence line gives none. */
  line(raw: string): string[] {
    return this.render(raw, false);
  }

  /** The rows a line would give, without taking it (a line still being written). */
  peek(raw: string): string[] {
    return this.render(raw, true);
  }

  private render(raw: string, peek: boolean): string[] {
    const { width, color } = this.opts;
    const text = cleanText(raw).replace(/\n/g, " ");
    const fenceMatch = /^(\s*)(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(text);
    if (this.fence) {
      if (fenceMatch && fenceMatch[2]!.startsWith(this.fence.mark) && !text.slice(fenceMatch[0].length).trim()) {
        if (!peek) this.fence = null;
        return [];
      }
      const body = text.slice(Math.min(this.fence.indent, text.length - text.trimStart().length));
      return wrapPieces([styled("  "), ...codePieces(body, this.fence.lang)], width, color, [], 2);
    }
    if (fenceMatch) {
      if (!peek) this.fence = { mark: fenceMatch[2]!, lang: fenceMatch[3] ?? "", indent: fenceMatch[1]!.length };
      return [];
    }
    if (!text.trim()) return [""];
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading) return wrapPieces(inline(heading[2]!, ["h"]), width, color);
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(text)) return [paint(styled("─".repeat(Math.max(1, Math.min(width, 40))), "d"), color)];
    const quote = /^\s{0,3}>\s?(.*)$/.exec(text);
    if (quote) return wrapPieces(inline(quote[1]!, ["i"]), width, color, [styled("│ ", "d")], 2).map((r, i) => (i ? `${paint(styled("│", "d"), color)}${r.slice(1)}` : r));
    const item = /^(\s*)([-*+]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?(.*)$/.exec(text);
    if (item) {
      const indent = item[1]!.length;
      const bullet = /\d/.test(item[2]!) ? item[2]! : "•";
      const box = item[3] ? (/x/i.test(item[3]) ? "[x] " : "[ ] ") : "";
      const marker = `${" ".repeat(indent)}${bullet} `;
      const hang = textWidth(marker) + box.length;
      return wrapPieces(inline(item[4]!), width, color, [styled(" ".repeat(indent)), styled(bullet, "m"), styled(` ${box}`)], hang);
    }
    const lead = text.length - text.trimStart().length;
    return wrapPieces(inline(text.trimStart()), width, color, lead ? [styled(" ".repeat(Math.min(lead, 8)))] : [], Math.min(lead, 8));
  }
}

/** A whole Markdown text as rows for a terminal of `width` columns. */
export function renderMarkdown(text: string, opts: MarkdownOptions): string[] {
  const md = new MarkdownLines(opts);
  return cleanText(text)
    .replace(/\n+$/, "")
    .split("\n")
    .flatMap((l) => md.line(l));
}
