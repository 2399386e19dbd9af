import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";

/** The verbs, each loaded only to run it (or for the group's help). */
const VERBS: Verbs = {
  list: async () => (await import("./list.ts")).register,
  show: async () => (await import("./show.ts")).register,
  approve: async () => (await import("./approve.ts")).register,
  deny: async () => (await import("./deny.ts")).register,
};

/** `pai approvals …`: one file per verb beside this one. */
export async function register(program: Command, args?: string[]): Promise<void> {
  const group = program.command("approvals").description("actions waiting for you: list, approve (runs it now) or deny");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai approvals list", "pai approvals show 3", "pai approvals approve 3", "pai approvals deny 4 --reason 'not tonight'"]);
  await registerVerbs(group, VERBS, args);
}
