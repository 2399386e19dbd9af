import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import * as add from "./add.ts";
import * as disable from "./disable.ts";
import * as enable from "./enable.ts";
import * as list from "./list.ts";
import * as remove from "./remove.ts";
import * as run from "./run.ts";

/** `pai jobs …`: one file per verb beside this one. */
export function register(program: Command): void {
  const group = program.command("jobs").description("manage the daemon's jobs (user/jobs/<name>.json: trigger + action + policy)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, [
    "pai jobs list",
    `pai jobs add nightly --cron "0 7 * * *" --tz Europe/Paris --action remember --text "morning review"`,
    "pai jobs add disk --check-cmd 'sh scripts/disk.sh' --above 90 --every 5m --message 'disk at {{value}}%'",
    "pai jobs add inbox --from ./inbox-job.json",
    "pai jobs run nightly",
    "pai jobs disable nightly",
  ]);
  for (const verb of [list, add, remove, enable, disable, run]) verb.register(group);
}
