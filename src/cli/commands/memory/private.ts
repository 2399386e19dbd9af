import type { Command } from "commander";
import type { Visibility } from "../../../kernel/privacy.ts";
import { withHome } from "../../../app/home.ts";
import { itemJson, openMemory } from "../../../memory/index.ts";
import { examples, print, printJson, withJson } from "../../output.ts";
import { parseId } from "./shared.ts";

/** `pai memory private ID…` and `pai memory shareable ID…`: one file, two verbs, as pin and unpin are. */
function visibilityVerb(group: Command, visibility: Visibility, description: string, example: string): void {
  const cmd = group.command(visibility).argument("<ids...>", "the memories' ids").description(description);
  withJson(cmd);
  examples(cmd, [example, "pai memory show 42"]);
  cmd.action(async (idTexts: string[], opts: { json?: boolean }) => {
    const ids = idTexts.map(parseId);
    await withHome(({ db, config }) => {
      const items = openMemory(db, config).setVisibility(ids, visibility);
      if (opts.json) return printJson(items.map(itemJson));
      for (const item of items) {
        print(`#${item.id} is ${item.visibility}${item.visibility === "private" ? ": never sent to a cloud model" : ": a cloud model may see it (secrets are still redacted)"}.`);
      }
    });
  });
}

export function register(group: Command): void {
  visibilityVerb(group, "private", "mark memories private: never sent to a cloud model or a cloud MCP client", "pai memory private 42 43");
}

export function registerShareable(group: Command): void {
  visibilityVerb(group, "shareable", "mark memories shareable: a cloud model or cloud MCP client may see them", "pai memory shareable 42");
}
