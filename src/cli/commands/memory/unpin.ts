import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { itemJson, openMemory } from "../../../memory/index.ts";
import { examples, print, printJson, withJson } from "../../output.ts";
import { parseId } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group.command("unpin").argument("<id>", "the memory's id").description("unpin a memory: it ages like any other");
  withJson(cmd);
  examples(cmd, ["pai memory unpin 42"]);
  cmd.action(async (idText: string, opts: { json?: boolean }) => {
    const id = parseId(idText);
    await withHome(({ db, config }) => {
      const item = openMemory(db, config).pin(id, false);
      if (opts.json) return printJson(itemJson(item));
      print(`#${item.id} is ${item.pinned ? "pinned" : "no longer pinned"} (${item.tier}).`);
    });
  });
}
