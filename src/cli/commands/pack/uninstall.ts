import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("uninstall <name>").description("remove an installed pack and its lock file (its run history stays in the database)");
  withJson(cmd);
  examples(cmd, ["pai pack uninstall journal"]);
  cmd.action(async (name: string, opts: { json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { uninstallPack } = await import("../../../packs/index.ts");
    const r = await withHome((home) => uninstallPack(name, home.paths));
    if (opts.json) return printData(r);
    print(`Uninstalled ${name}.`);
  });
}
