import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import { registerCheck } from "./check.ts";
import { registerEdit } from "./edit.ts";
import { registerList } from "./list.ts";
import { registerShow } from "./show.ts";

export function register(program: Command): void {
  const group = program
    .command("telos")
    .description("list, show, check and edit the Telos files (user/telos/*.md and user/preferences.md)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai telos list", "pai telos show goals", "pai telos show G1", "pai telos check", "pai telos edit projects"]);
  registerList(group);
  registerShow(group);
  registerCheck(group);
  registerEdit(group);
}
