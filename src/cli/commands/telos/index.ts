import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";

/** The verbs, each loaded only to run it (or for the group's help). */
const VERBS: Verbs = {
  list: async () => (await import("./list.ts")).registerList,
  show: async () => (await import("./show.ts")).registerShow,
  check: async () => (await import("./check.ts")).registerCheck,
  edit: async () => (await import("./edit.ts")).registerEdit,
};

export async function register(program: Command, args?: string[]): Promise<void> {
  const group = program
    .command("telos")
    .description("list, show, check and edit the Telos files (user/telos/*.md and user/preferences.md)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai telos list", "pai telos show goals", "pai telos show G1", "pai telos check", "pai telos edit projects"]);
  await registerVerbs(group, VERBS, args);
}
