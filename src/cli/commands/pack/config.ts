import type { Command } from "commander";
import { UserError } from "../../../kernel/errors.ts";
import { examples, print, printData, style, table, verbatim, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("config <pack> [key] [value]")
    .description("show or set a pack's settings (stored in config packs.settings.<pack>); values are JSON or text")
    .option("--unset", "remove the setting so its default applies");
  withJson(cmd);
  examples(cmd, ["pai pack config notify", "pai pack config notify topic my-alerts", "pai pack config notes-search folders '[\"~/notes\",\"~/wiki\"]'", "pai pack config notify topic --unset"]);
  cmd.action(async (pack: string, key: string | undefined, value: string | undefined, opts: { unset?: boolean; json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { packConfig, setPackConfig } = await import("../../../packs/info.ts");
    await withHome((home) => {
      if (key !== undefined && (value !== undefined || opts.unset)) {
        const entry = setPackConfig(pack, key, opts.unset ? undefined : value, home.paths);
        if (opts.json) return printData(settingJson(entry));
        return print(`${pack}.${key} = ${JSON.stringify(entry.value)}${entry.set ? "" : " (default)"}`);
      }
      const entries = packConfig(pack, home).filter((e) => key === undefined || e.key === key);
      if (key !== undefined && !entries.length) {
        throw new UserError(`pack '${pack}' has no setting '${key}'`, { hint: `'pai pack config ${pack}' lists its settings` });
      }
      if (opts.json) return printData(key === undefined ? entries.map(settingJson) : settingJson(entries[0]!));
      if (!entries.length) return print(`${pack} has no settings.`);
      print(table([["KEY", "VALUE", "DESCRIPTION"], ...entries.map((e) => [e.set ? style.bold(e.key) : e.key, JSON.stringify(e.value) ?? "", style.dim(e.description)])], { columns: ["key", "wrap", "wrap"] }));
    });
  });
}

/** A setting's values are the user's (or the pack manifest's) own documents: printed as they are. */
function settingJson<T extends { value: unknown; default: unknown }>(e: T): T {
  return { ...e, value: verbatim(e.value), default: verbatim(e.default) };
}
