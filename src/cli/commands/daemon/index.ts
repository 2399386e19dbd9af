import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import * as install from "./install.ts";
import * as logs from "./logs.ts";
import * as pause from "./pause.ts";
import * as resume from "./resume.ts";
import * as run from "./run.ts";
import * as start from "./start.ts";
import * as status from "./status.ts";
import * as stop from "./stop.ts";

/** `pai daemon …`: one file per verb beside this one. */
export function register(program: Command): void {
  const group = program.command("daemon").description("start, stop and inspect the persistent assistant (one per PAI_HOME)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai daemon start", "pai daemon status", "pai daemon logs -f", "pai daemon pause", "pai daemon install", "pai daemon stop"]);
  for (const verb of [start, stop, status, logs, run, install, pause, resume]) verb.register(group);
}
