import type { Command } from "commander";
import { UserError } from "../../../kernel/errors.ts";
import { examples, print, printData, style, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("verify [name]").description("compare every file's sha256 with what was recorded at install (exit 1 when anything changed)");
  withJson(cmd);
  examples(cmd, ["pai pack verify", "pai pack verify notify --json"]);
  cmd.action(async (name: string | undefined, opts: { json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { verifyPack } = await import("../../../packs/index.ts");
    const results = await withHome((home) => verifyPack(name, home.paths));
    const bad = results.filter((r) => !r.ok);
    if (opts.json) printData({ ok: bad.length === 0, packs: results });
    else {
      if (!results.length) print("No packs yet. Install one with 'pai pack install NAME'.");
      for (const r of results) {
        if (r.ok) print(`${r.name}: ${style.green("ok")}`);
        else {
          print(`${r.name}: ${style.red("changed since install")}`);
          for (const f of r.modified) print(`  modified  ${f}`);
          for (const f of r.missing) print(`  missing   ${f}`);
          for (const f of r.added) print(`  added     ${f}`);
        }
      }
    }
    if (bad.length) {
      throw new UserError(`${bad.map((b) => b.name).join(", ")} changed since install`, { hint: `reinstall to restore: pai pack update ${bad[0]!.name} (or uninstall and install)` });
    }
  });
}
