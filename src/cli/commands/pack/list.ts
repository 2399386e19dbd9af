import type { Command } from "commander";
import { examples, print, printData, style, table, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("list")
    .description("installed packs (with --available: the built-in catalogue)")
    .option("--available", "list the catalogue in packs/ instead");
  withJson(cmd);
  examples(cmd, ["pai pack list", "pai pack list --available --json"]);
  cmd.action(async (opts: { available?: boolean; json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { listAvailable, listInstalled } = await import("../../../packs/index.ts");
    await withHome((home) => {
      const p = home.paths;
      if (opts.available) {
        const all = listAvailable(p);
        if (opts.json) return printData(all.map(({ name, version, description, installed, commands, error }) => ({ name, version, description, installed, commands, error })));
        if (!all.length) return print("No packs in the catalogue (packs/).");
        print(
          table([
            ["NAME", "VERSION", "TIERS", "INSTALLED", "DESCRIPTION"],
            ...all.map((a) => [a.name, a.version, [...new Set(a.commands.map((c) => c.tier))].join(","), a.installed ? "yes" : "", a.error ? style.red(a.error) : a.description]),
          ], { columns: ["key", undefined, undefined, undefined, "wrap"] }),
        );
        return;
      }
      const installed = listInstalled(p);
      if (opts.json) {
        return printData(
          installed.map((i) => ({
            name: i.name,
            version: i.version,
            description: i.description,
            source: i.lock.source,
            installedAt: i.lock.installedAt,
            commands: i.manifest ? Object.entries(i.manifest.commands).map(([name, c]) => ({ name, tier: c.tier, description: c.description })) : [],
            error: i.error,
          })),
        );
      }
      if (!installed.length) return print("No packs yet. Install one with 'pai pack install NAME' ('pai pack list --available' shows the catalogue).");
      print(
        table([
          ["NAME", "VERSION", "COMMANDS", "SOURCE", "DESCRIPTION"],
          ...installed.map((i) => [
            i.name,
            i.version,
            i.manifest ? Object.entries(i.manifest.commands).map(([n, c]) => `${n}(${c.tier})`).join(" ") : "",
            i.lock.source.type === "git" ? `git ${i.lock.source.commit?.slice(0, 8) ?? ""}` : i.lock.source.type,
            i.error ? style.red(i.error) : i.description,
          ]),
        ], { columns: ["key", undefined, "wrap", undefined, "wrap"] }),
      );
    });
  });
}
