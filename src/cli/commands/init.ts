import type { Command } from "commander";
import { paths } from "../../kernel/paths.ts";
import { examples, note, print, printData, withJson } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("init")
    .description("create user/ in PAI_HOME from the templates; adds only what is missing, never overwrites")
    .option("--name <name>", "your name, stored in the config");
  withJson(cmd);
  examples(cmd, ["pai init --name Ada", "PAI_HOME=~/work-profile pai init"]);
  cmd.action(async (opts: { name?: string; json?: boolean }) => {
    const { initUser } = await import("../../admin/init.ts");
    const { openDatabase } = await import("../../app/db.ts");
    const result = initUser({ name: opts.name, paths: paths(), openDatabase });
    if (opts.json) return printData(result);
    if (result.created.length === 0) {
      // --name may still have changed the config: say "nothing was changed" only when nothing was.
      print(`user/ in ${result.home} is already complete${opts.name === undefined ? "; nothing was changed" : ""}.`);
    } else {
      print(`Initialised ${result.home}/user`);
      for (const f of result.created) print(`  created  ${f}`);
      if (result.kept.length) print(`  kept ${result.kept.length} existing file(s) as they were`);
    }
    if (opts.name !== undefined) print(`Name set to ${opts.name}.`);
    if (result.created.some((f) => f.includes("telos"))) note("Next: edit user/telos/goals.md, then try 'pai status'.");
  });
}
