import type { Command } from "commander";
import { withHome } from "../../app/home.ts";
import { UsageError } from "../../kernel/errors.ts";
import { parseWhen } from "../../kernel/when.ts";
import { itemJson, openMemory } from "../../memory/index.ts";
import { startEmbedder } from "../background.ts";
import { examples, note, print, printJson, readStdin, withJson } from "../output.ts";
import { homeFor, isIncognito, parseKind } from "./memory/shared.ts";

export function register(program: Command): void {
  const cmd = program
    .command("remember")
    .argument("<text...>", "what to remember ('-' reads standard input)")
    .description("store something in memory (secrets are redacted; a duplicate is merged into the existing item)")
    .option("--kind <kind>", "fact | preference | event | episode | note | action", "note")
    .option("--pin", "pin it: always hot, always in the context")
    .option("--private", "never send it to a cloud model (default: shareable)")
    .option("--source <source>", "where it comes from (a file, a URL, a conversation)")
    .option("--date <date>", "when it happened: ISO 8601 (2024-06-01, 2024-06-01T14:30) or relative (yesterday, 2h, 3 days ago, monday); default: now")
    .option("--for-agents", "also write it into agents files ('pai export agents'; shareable ones only, unless --include-private there)")
    .option("--incognito", "store nothing (prints what would have been stored)");
  withJson(cmd);
  examples(cmd, [
    'pai remember "I moved to Lyon in March"',
    'pai remember --kind preference --pin "Answer in French unless I write in English"',
    "echo 'Door code is in 1Password' | pai remember --private -",
    'pai remember --json --kind event --date 2024-06-01 "Started at Acme"',
    'pai remember --kind event --date yesterday "Dinner with Léa at Le Bouchon"',
    'pai remember --for-agents "I write TypeScript with 2-space indents"',
  ]);
  cmd.action(
    async (
      words: string[],
      opts: { kind: string; pin?: boolean; private?: boolean; source?: string; date?: string; forAgents?: boolean; incognito?: boolean; json?: boolean },
    ) => {
      const text = words.length === 1 && words[0] === "-" ? await readStdin() : words.join(" ");
      if (!text.trim()) throw new UsageError("nothing to remember", { hint: 'pai remember "TEXT" (or - to read standard input)' });
      const kind = parseKind(opts.kind);
      const createdAt = opts.date === undefined ? undefined : parseWhen(opts.date).toISOString();
      await withHome(async (home) => {
        if (isIncognito(opts.incognito, home)) {
          if (opts.json) return printJson({ stored: false, incognito: true });
          note("incognito: nothing was stored");
          return;
        }
        const store = openMemory(home.db, home.config);
        const r = store.remember({
          content: text,
          kind,
          pinned: !!opts.pin,
          visibility: opts.private ? "private" : "shareable",
          source: opts.source ?? "pai remember",
          createdAt,
        });
        // The mark goes on the item stored, or on the one it merged into.
        if (opts.forAgents) r.item = store.setForAgents([r.item.id], true)[0]!;
        await startEmbedder(home);
        if (opts.json) return printJson({ ...itemJson(r.item), stored: true, merged: r.merged });
        if (r.redacted) note(`redacted: ${String((r.item.meta.redactedKinds as string[] | undefined)?.join(", ") ?? "secrets")}`);
        const priv = r.item.visibility === "private" ? ", private" : "";
        print(
          r.merged
            ? `Already known as #${r.item.id} (${r.item.tier}${priv}); warmed it.`
            : `Remembered #${r.item.id} (${r.item.kind}, ${r.item.tier}${r.item.pinned ? ", pinned" : ""}${priv}${opts.forAgents ? ", for agents files" : ""}).`,
        );
        // A merge keeps the item as it was: asked to be private, a shareable one says so and how to change it.
        if (r.merged && opts.private && r.item.visibility !== "private") note(`#${r.item.id} stays shareable — 'pai memory private ${r.item.id}' makes it private`);
      }, homeFor(opts.incognito));
    },
  );
}
