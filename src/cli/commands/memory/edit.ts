import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { itemJson, openMemory } from "../../../memory/index.ts";
import { examples, note, print, printJson, readStdin, withJson } from "../../output.ts";
import { homeFor, isIncognito, parseId } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("edit")
    .argument("<id>", "the memory to correct")
    .argument("<text...>", "the corrected text ('-' reads standard input)")
    .description("correct a memory: a new item supersedes it (the old one stays, marked superseded, for history)")
    .option("--incognito", "change nothing");
  withJson(cmd);
  examples(cmd, ['pai memory edit 42 "I moved to Lyon in April"', "pai memory show 42"]);
  cmd.action(async (idText: string, words: string[], opts: { json?: boolean; incognito?: boolean }) => {
    const id = parseId(idText);
    const text = words.length === 1 && words[0] === "-" ? await readStdin() : words.join(" ");
    if (!text.trim()) throw new UsageError("the new text is empty", { hint: `pai memory edit ${id} "TEXT"` });
    await withHome((home) => {
      if (isIncognito(opts.incognito, home)) {
        if (opts.json) return printJson({ stored: false, incognito: true });
        note("incognito: nothing was changed");
        return;
      }
      const item = openMemory(home.db, home.config).edit(id, text);
      if (opts.json) return printJson(itemJson(item));
      print(`#${item.id} now replaces #${id}.`);
    }, homeFor(opts.incognito));
  });
}
