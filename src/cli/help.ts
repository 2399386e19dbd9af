/**
 * `pai --help` without the parser: the program's help laid out exactly as commander lays it out (usage,
 * description, options, commands, then the examples), wrapped to the same width. tests/cli/help-fast.test.ts
 * compares it with commander's own output at several widths, so the two cannot drift apart.
 */
import { DESCRIPTION, EXAMPLES, PROGRAM_OPTIONS, SUMMARIES } from "./catalog.ts";

/** Below this many columns commander does not wrap. */
const MIN_WIDTH_TO_WRAP = 40;

/** The top-level help for a terminal `width` columns wide (commander's 80 when it is not a terminal). */
export function topLevelHelp(width = 80): string {
  const commands: [string, string][] = [
    ...Object.entries(SUMMARIES),
    ["help [command]", "display help for command"],
  ];
  const termWidth = Math.max(...PROGRAM_OPTIONS.map(([t]) => t.length), ...commands.map(([t]) => t.length));
  const item = ([term, description]: readonly [string, string]) => formatItem(term, termWidth, description, width);
  const out = [
    "Usage: pai [options] [command]",
    "",
    boxWrap(DESCRIPTION, width),
    "",
    "Options:",
    ...PROGRAM_OPTIONS.map(item),
    "",
    "Commands:",
    ...commands.map(item),
    "",
  ];
  return `${out.join("\n")}\n${EXAMPLES.slice(1)}\n`;
}

function formatItem(term: string, termWidth: number, description: string, width: number): string {
  const remaining = width - termWidth - 4;
  const text = remaining < MIN_WIDTH_TO_WRAP ? description : boxWrap(description, remaining).replace(/\n/g, `\n${" ".repeat(termWidth + 2)}`);
  return `  ${term.padEnd(termWidth)}  ${text.replace(/\n/g, "\n  ")}`;
}

/** Commander's wrapping: whole words, a line break keeps the words that fit, spaces at a break dropped. */
function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const lines: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/\s*\S+/g);
    if (!chunks) {
      lines.push("");
      continue;
    }
    let current = chunks.shift()!;
    for (const chunk of chunks) {
      if (current.length + chunk.length <= width) current += chunk;
      else {
        lines.push(current);
        current = chunk.trimStart();
      }
    }
    lines.push(current);
  }
  return lines.join("\n");
}
