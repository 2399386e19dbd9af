/**
 * Text from strangers (a mail subject, a webhook body, a model's answer, a pack's output, an imported memory)
 * must not drive the terminal: an escape sequence can clear the screen, retitle the window, or write the
 * clipboard (OSC 52). Everything pai prints passes through here:
 * - every C0 control but tab and newline, DEL and ESC itself is shown as its visible control picture
 *   (ESC → ␛, CR → ␍, BEL → ␇), so the user sees that something was there;
 * - C1 controls (U+0080–U+009F, U+009B is a one-byte CSI) and the bidirectional overrides and isolates
 *   (U+202A–U+202E, U+2066–U+2069, which reorder what is shown) are shown as `<U+XXXX>`;
 * - pai's own colours survive: when `keepStyle` is set, an SGR sequence with only the codes pai itself uses
 *   (bold, dim, red, green, yellow, cyan and their resets) is kept. Any other sequence is shown, not run.
 *   Untrusted text can at most colour itself with those codes; it cannot move the cursor, erase, or reach
 *   the clipboard.
 */

import { statSync, type Stats } from "node:fs";

let nullDevice: number | undefined;

/**
 * Whether a file (as fstat or stat found it) is a terminal: a character device other than /dev/null. Loading
 * node:tty to ask costs milliseconds at start-up: it brings the stream classes.
 */
export function isTerminalFile(st: Stats): boolean {
  if (!st.isCharacterDevice()) return false;
  nullDevice ??= statSync("/dev/null").rdev;
  return st.rdev !== nullDevice;
}

// SGR codes pai's own styling emits (src/cli/output.ts style, the chat screen, kernel/markdown.ts).
const OWN_SGR = /^\x1b\[(?:0|1|2|3|22|23|31|32|33|35|36|39)?m/;

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_G = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x20) return String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return "\u2421";
  return `<U+${c.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/** `s` made safe to print on a terminal (see the module comment). */
export function safeText(s: string, opts: { keepStyle?: boolean } = {}): string {
  if (!UNSAFE.test(s)) return s;
  if (!opts.keepStyle) return s.replace(UNSAFE_G, visible);
  let out = "";
  let i = 0;
  for (;;) {
    const rest = s.slice(i);
    const m = UNSAFE.exec(rest);
    if (!m) return out + rest;
    out += rest.slice(0, m.index);
    i += m.index;
    const own = s.charCodeAt(i) === 0x1b ? OWN_SGR.exec(s.slice(i, i + 8)) : null;
    if (own) {
      out += own[0];
      i += own[0].length;
    } else {
      out += visible(s[i]!);
      i += 1;
    }
  }
}

/**
 * JSON text with C1 controls and bidirectional overrides escaped as \uXXXX as well (JSON.stringify escapes only
 * C0): still the same JSON value, and inert on a terminal.
 */
export function safeJson(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
