import type { Command } from "commander";
import { examples, print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("unpin").argument("<id>", "the memory's id").description("unpin a memory: it ages like any other");
  withJson(cmd);
  examples(cmd, ["pai memory unpin 42"]);
  cmd.action(async (idText: string, opts: { json?: boolean }) => {
    const { withUserStore, parseId } = await import("../../../memory/cli.ts");
    const { itemJson } = await import("../../../memory/json.ts");
    const id = parseId(idText);
    await withUserStore(({ store }) => {
      const item = store.pin(id, false);
      if (opts.json) return printJson(itemJson(item));
      print(`#${item.id} is ${item.pinned ? "pinned" : "no longer pinned"} (${item.tier}).`);
    });
  });
}
