/** The front matter of a PACK.md, SKILL.md or prompt file. */
import { ForeignFrontMatterError, locateFrontMatter, readFrontMatter } from "../../kernel/frontmatter.ts";

/**
 * Parses the YAML front matter of a PACK.md, SKILL.md or prompt file (kernel/frontmatter.ts: YAML only; a
 * block in another language is refused unread), with a lenient retry for the classic mistake of an unquoted
 * colon inside a value (`description: Use it: now`): such values are quoted and parsed again.
 */
export function parseFrontMatter(text: string, file = "front matter"): { data: Record<string, unknown>; content: string } {
  try {
    return readFrontMatter(text, file);
  } catch (first) {
    if (first instanceof ForeignFrontMatterError) throw first;
    const split = locateFrontMatter(text);
    if (!split.lines || !split.closed) throw first;
    const lines = split.lines.map((line) => {
      const m = /^([A-Za-z][\w-]*):[ \t]+(.+)$/.exec(line);
      if (!m) return line;
      const value = m[2]!.trim();
      if (/^["'[{|>]/.test(value) || !value.includes(": ")) return line;
      return `${m[1]}: ${JSON.stringify(value)}`;
    });
    const fixed = `---\n${lines.join("\n")}\n---\n${split.body}`;
    try {
      return readFrontMatter(fixed, file);
    } catch {
      throw first;
    }
  }
}
