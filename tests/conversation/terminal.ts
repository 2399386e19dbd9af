/**
 * A small terminal for tests: a stdout that Ink renders to as it would to a real one (isTTY, columns, rows,
 * 'resize' events), and a screen model with scrollback that interprets what is written: text with automatic
 * wrapping at the right edge, "\n" (as CR LF, like a tty with onlcr), and the escape sequences Ink and its
 * log-update use (cursor up/down/column, erase line, clear screen, clear scrollback). It records every
 * clear, so a test can tell a screen that redraws itself whole from one that only redraws its live part.
 */
import { EventEmitter } from "node:events";

export class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  /** Every line written so far: the scrollback, then the screen (the last `rows` lines). */
  lines: string[] = [""];
  private y = 0;
  private x = 0;
  /** Escape sequences that erased the screen or the scrollback, in order. */
  clears: string[] = [];
  writes = 0;

  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }

  private get top(): number {
    return Math.max(0, this.lines.length - this.rows);
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit("resize");
  }

  write = (data: string | Uint8Array, cb?: unknown): boolean => {
    this.writes++;
    const s = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === "\u001B") {
        const m = /^\u001B\[([?>=]?)([0-9;]*)([A-Za-z])/.exec(s.slice(i));
        if (m) {
          this.csi(m[1]!, m[2]!, m[3]!);
          i += m[0].length;
          continue;
        }
        const osc = /^\u001B\][^\u0007]*(\u0007|\u001B\\)/.exec(s.slice(i));
        i += osc ? osc[0].length : 2;
        continue;
      }
      if (c === "\n") this.newline();
      else if (c === "\r") this.x = 0;
      else if (c >= " ") this.put(c);
      i++;
    }
    if (typeof cb === "function") (cb as () => void)();
    return true;
  };

  private newline(): void {
    this.y++;
    this.x = 0;
    while (this.lines.length <= this.y) this.lines.push("");
  }

  private put(ch: string): void {
    if (this.x >= this.columns) this.newline();
    const line = this.lines[this.y]!.padEnd(this.x, " ");
    this.lines[this.y] = line.slice(0, this.x) + ch + line.slice(this.x + 1);
    this.x++;
  }

  private csi(prefix: string, params: string, final: string): void {
    if (prefix) return; // private modes: cursor visibility, synchronized output, keyboard protocols
    const n = Number(params.split(";")[0] || "0");
    switch (final) {
      case "A":
        this.y = Math.max(this.top, this.y - (n || 1));
        break;
      case "B":
        this.y = Math.min(this.lines.length - 1, this.y + (n || 1));
        break;
      case "G":
        this.x = Math.max(0, (n || 1) - 1);
        break;
      case "H":
        this.y = this.top;
        this.x = 0;
        break;
      case "K":
        if (n === 2) this.lines[this.y] = "";
        else if (n === 0) this.lines[this.y] = this.lines[this.y]!.slice(0, this.x);
        break;
      case "J":
        this.clears.push(`\\e[${params}J`);
        if (n === 3) {
          const screen = this.lines.slice(this.top);
          this.y -= this.top;
          this.lines = screen;
        } else if (n === 2) {
          for (let k = this.top; k < this.lines.length; k++) this.lines[k] = "";
        }
        break;
      default:
        break; // colours and styles
    }
  }

  /** The lines as they stand, trailing spaces and empty trailing lines dropped. */
  text(): string {
    return this.lines
      .map((l) => l.trimEnd())
      .join("\n")
      .replace(/\n+$/, "");
  }

  /** The visible screen (the last `rows` lines). */
  screen(): string[] {
    return this.lines.slice(this.top).map((l) => l.trimEnd());
  }
}

/** A stdin Ink can read keys from (what ink-testing-library uses, with isTTY and raw mode). */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit("readable");
    this.emit("data", data);
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
