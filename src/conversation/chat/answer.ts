/**
 * An answer rendered as Markdown while it streams. Each completed line of the answer is rendered once and its
 * rows are final (they go to <Static>, written once); the line still being written is rendered again with each
 * chunk and stays live. A line that grows taller than `maxLive` rows gives its first rows up as final, the rest
 * continuing at the same hanging indent, so the live part never grows taller than the terminal.
 */
import { MarkdownLines } from "../../kernel/markdown.ts";
import { clean, wrap, wrapRows } from "./wrap.ts";

export class AnswerRows {
  private raw = "";
  private acc = "";
  /** Where the text not yet final begins, and what it continues (spaces: the hanging indent of a cut line). */
  private done = 0;
  private cont = "";
  private readonly md: MarkdownLines;

  constructor(
    private readonly width: number,
    color: boolean,
    private readonly maxLive: () => number,
  ) {
    this.md = new MarkdownLines({ width, color });
  }

  get text(): string {
    return this.acc;
  }

  /** Takes a chunk: the rows now final (each with the text they came from) and the live rows. */
  push(chunk: string): { final: { text: string; rows: string[] }[]; live: string[] } {
    this.raw += chunk;
    // Cleaned whole, so that a "\r\n" or an escape sequence split between chunks is handled as one.
    this.acc = clean(this.raw);
    const final: { text: string; rows: string[] }[] = [];
    for (let nl = this.acc.indexOf("\n", this.done); nl !== -1; nl = this.acc.indexOf("\n", this.done)) {
      final.push({ text: this.acc.slice(this.done, nl + 1), rows: this.md.line(this.cont + this.acc.slice(this.done, nl)) });
      this.done = nl + 1;
      this.cont = "";
    }
    let live = this.liveRows();
    const max = Math.max(1, this.maxLive());
    if (live.length > max) {
      // Cut the line between words, leaving about `max` rows live (measured plainly, a little narrower).
      const rest = this.acc.slice(this.done);
      const plain = wrapRows(this.cont + rest, Math.max(10, this.width - 6));
      const cutRow = plain.length - max - 1;
      if (cutRow >= 0) {
        const at = Math.max(0, plain[cutRow]!.next - this.cont.length);
        if (at > 0) {
          const head = rest.slice(0, at).replace(/\s+$/, "");
          final.push({ text: rest.slice(0, at), rows: this.md.line(this.cont + head) });
          this.cont = " ".repeat(hangingIndent(this.cont + head));
          this.done += at;
          live = this.liveRows();
        }
      }
    }
    return { final, live };
  }

  /** The rows of what is left once the answer is complete. */
  finish(): { text: string; rows: string[] } {
    const rest = this.acc.slice(this.done).replace(/\s+$/, "");
    this.done = this.acc.length;
    return { text: rest, rows: rest ? this.md.line(this.cont + rest) : [] };
  }

  private liveRows(): string[] {
    const rest = this.acc.slice(this.done).replace(/ +$/, "");
    return rest ? this.md.peek(this.cont + rest) : [];
  }
}

/** The indent of a line's continuation rows: a list item's text column, a paragraph's own indent. */
function hangingIndent(line: string): number {
  const item = /^(\s*)([-*+]|\d{1,9}[.)])\s+/.exec(line);
  if (item) return item[1]!.length + item[2]!.length + 1;
  return Math.min(8, line.length - line.trimStart().length);
}

/**
 * The exchanges of a conversation taken up again, as the screen shows them: each question as typed, each answer
 * rendered. Their ids are negative, below every entry the screen adds later.
 */
export function earlierEntries(
  history: readonly { role: string; content: string }[],
  width: number,
  color: boolean,
): { id: number; role: "user" | "assistant"; text: string; rows: string[] }[] {
  return history.map((m, i) => {
    const id = i - history.length;
    if (m.role === "user") {
      const text = m.content.split("\n").map((l, j) => (j ? "  " : "› ") + l).join("\n");
      return { id, role: "user", text, rows: wrap(text, width) };
    }
    const a = new AnswerRows(width, color, () => Infinity);
    const final = a.push(m.content).final.flatMap((f) => f.rows);
    const rest = a.finish();
    return { id, role: "assistant", text: m.content, rows: [...final, ...rest.rows] };
  });
}
