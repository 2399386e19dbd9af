import type { Command } from "commander";
import { examples, print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("pin").argument("<id>", "the memory's id").description("pin a memory: always hot, always offered to the context");
  withJson(cmd);
  examples(cmd, ["pai memory pin 42"]);
  cmd.action(async (idText: string, opts: { json?: boolean }) => {
    const { withUserStore, parseId } = await import("../../../memory/cli.ts");
    const { itemJson } = await import("../../../memory/json.ts");
    const id = parseId(idText);
    await withUserStore(({ store }) => {
      const item = store.pin(id, true);
      if (opts.json) return printJson(itemJson(item));
      print(`#${item.id} is ${item.pinned ? "pinned" : "no longer pinned"} (${item.tier}).`);
    });
  });
}
