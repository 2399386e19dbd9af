import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import * as approve from "./approve.ts";
import * as deny from "./deny.ts";
import * as list from "./list.ts";

/** `pai approvals …`: one file per verb beside this one. */
export function register(program: Command): void {
  const group = program.command("approvals").description("actions waiting for you: list, approve (runs it now) or deny");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai approvals list", "pai approvals approve 3", "pai approvals deny 4 --reason 'not tonight'"]);
  for (const verb of [list, approve, deny]) verb.register(group);
}
