import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import * as config from "./config.ts";
import * as info from "./info.ts";
import * as install from "./install.ts";
import * as list from "./list.ts";
import * as uninstall from "./uninstall.ts";
import * as update from "./update.ts";
import * as verify from "./verify.ts";

/** `pai pack …`: one file per verb beside this one (each loads its work module only when it runs). */
export function register(program: Command): void {
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
  for (const verb of [list, info, install, uninstall, update, verify, config]) verb.register(group);
}
