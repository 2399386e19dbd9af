import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";
import { confirmPermissions, readableConfig } from "./confirm.ts";

export function register(group: Command): void {
  const cmd = group
    .command("update [name]")
    .description("update one or every installed pack from where it came (built-in, folder, or git: a new pinned commit)")
    .option("-y, --yes", "grant new permissions without asking");
  withJson(cmd);
  examples(cmd, ["pai pack update", "pai pack update notify --yes"]);
  cmd.action(async (name: string | undefined, opts: { yes?: boolean; json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { updatePack } = await import("../../../packs/index.ts");
    const results = await withHome((home) =>
      updatePack(name, {
        paths: home.paths,
        config: readableConfig(home),
        yes: opts.yes,
        confirm: process.stdin.isTTY ? (m, added) => confirmPermissions(`${m.name} ${m.version} asks for new permissions. Update?`, added) : undefined,
      }),
    );
    if (opts.json) return printData(results);
    if (!results.length) return print("No packs yet. Install one with 'pai pack install NAME'.");
    for (const r of results) {
      if (r.changed) print(`${r.name}: ${r.from} → ${r.to}${r.commit ? ` @ ${r.commit.slice(0, 12)}` : ""}`);
      else if (r.restored) print(`${r.name}: restored ${r.to} from its source (the installed files had changed)`);
      else print(`${r.name}: up to date (${r.to})`);
    }
  });
}
