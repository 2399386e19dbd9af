import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { formatDay, parseWhen } from "../../../kernel/when.ts";
import { FOR_AGENTS, itemJson, openMemory, type MemoryVisibility } from "../../../memory/index.ts";
import { startEmbedder } from "../../background.ts";
import { examples, note, print, printJson, readStdin, withJson } from "../../output.ts";
import { homeFor, isIncognito, parseId, parseKind } from "./shared.ts";

interface EditFlags {
  json?: boolean;
  incognito?: boolean;
  date?: string;
  kind?: string;
  private?: boolean;
  shareable?: boolean;
  forAgents?: boolean;
  notForAgents?: boolean;
}

export function register(group: Command): void {
  const cmd = group
    .command("edit")
    .argument("<id>", "the memory to correct")
    .argument("[text...]", "the corrected text ('-' reads standard input; none keeps the text)")
    .description("correct a memory: a new item supersedes it, keeping its date, kind and visibility unless you change them (the old one stays, marked superseded)")
    .option("--date <date>", "when it happened: ISO 8601 (2024-04-02) or relative (yesterday, 3 days ago, last monday); default: the item's own date")
    .option("--kind <kind>", "fact | preference | event | episode | note | action (default: the item's own kind)")
    .option("--private", "make it private: never sent to a cloud model")
    .option("--shareable", "make it shareable: a cloud model may see it")
    .option("--for-agents", "mark it for agents files ('pai export agents'); changes nothing else")
    .option("--not-for-agents", "remove that mark")
    .option("--incognito", "change nothing");
  withJson(cmd);
  examples(cmd, [
    'pai memory edit 42 "I moved to Lyon in April"      same date, kind and visibility',
    "pai memory edit 42 --date 2024-04-02 --kind event    the same text, another date and kind",
    "pai memory edit 42 --date yesterday                  it happened yesterday (local midnight)",
    "pai memory edit 42 --for-agents                      written by 'pai export agents'",
    "pai memory show 42",
  ]);
  cmd.action(async (idText: string, words: string[], opts: EditFlags) => {
    const id = parseId(idText);
    const kind = parseKind(opts.kind);
    const createdAt = opts.date === undefined ? undefined : parseWhen(opts.date).toISOString();
    if (opts.private && opts.shareable) throw new UsageError("--private and --shareable contradict each other", { hint: "give one of them" });
    if (opts.forAgents && opts.notForAgents) throw new UsageError("--for-agents and --not-for-agents contradict each other", { hint: "give one of them" });
    const visibility: MemoryVisibility | undefined = opts.private ? "private" : opts.shareable ? "shareable" : undefined;
    const mark = opts.forAgents ? true : opts.notForAgents ? false : undefined;
    let text: string | undefined;
    if (words.length) {
      text = words.length === 1 && words[0] === "-" ? await readStdin() : words.join(" ");
      if (!text.trim()) throw new UsageError("the new text is empty", { hint: `pai memory edit ${id} "TEXT"` });
    }
    const correction = text !== undefined || opts.date !== undefined || kind !== undefined || visibility !== undefined;
    if (!correction && mark === undefined) {
      throw new UsageError("nothing to change", { hint: `pai memory edit ${id} "TEXT" (or --date, --kind, --private, --shareable, --for-agents)` });
    }
    await withHome(async (home) => {
      if (isIncognito(opts.incognito, home)) {
        if (opts.json) return printJson({ stored: false, incognito: true });
        note("incognito: nothing was changed");
        return;
      }
      const store = openMemory(home.db, home.config);
      // The mark is a flag on the item, like a pin: set in place, on the correction when there is one.
      const corrected = correction ? store.edit(id, text, { createdAt, kind, visibility }) : undefined;
      const item = mark === undefined ? corrected! : store.setForAgents([corrected?.id ?? id], mark)[0]!;
      if (corrected) await startEmbedder(home);
      if (opts.json) return printJson(itemJson(item));
      const facts = `${item.kind}, ${formatDay(item.createdAt)}, ${item.visibility}${item.meta[FOR_AGENTS] === true ? ", for agents files" : ""}`;
      print(correction ? `#${item.id} now replaces #${id} (${facts}).` : `#${item.id} ${mark ? "is marked for agents files" : "is no longer marked for agents files"} (${facts}).`);
    }, homeFor(opts.incognito));
  });
}
