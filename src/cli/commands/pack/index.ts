import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";

/** The verbs, each loaded only to run it (or for the group's help). */
const VERBS: Verbs = {
  list: async () => (await import("./list.ts")).register,
  info: async () => (await import("./info.ts")).register,
  install: async () => (await import("./install.ts")).register,
  uninstall: async () => (await import("./uninstall.ts")).register,
  update: async () => (await import("./update.ts")).register,
  verify: async () => (await import("./verify.ts")).register,
  config: async () => (await import("./config.ts")).register,
};

/** `pai pack …`: one file per verb beside this one (each loads its work module only when it runs). */
export async function register(program: Command, args?: string[]): Promise<void> {
  const group = program.command("pack").description("list, install, verify and remove packs (user/packs/)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, [
    "pai pack list --available",
    "pai pack info notify",
    "pai pack install journal --yes",
    "pai pack install ./my-pack",
    "pai pack install https://github.com/someone/pai-pack-x.git#v1.0.0",
    "pai pack verify",
    "pai pack config notes-search folders '[\"~/notes\"]'",
  ]);
  await registerVerbs(group, VERBS, args);
}
