import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";

/** The verbs, each loaded only to run it (or for the group's help). */
const VERBS: Verbs = {
  list: async () => (await import("./list.ts")).register,
  add: async () => (await import("./add.ts")).register,
  remove: async () => (await import("./remove.ts")).register,
  enable: async () => (await import("./enable.ts")).register,
  disable: async () => (await import("./disable.ts")).register,
  run: async () => (await import("./run.ts")).register,
};

/** `pai jobs …`: one file per verb beside this one. */
export async function register(program: Command, args?: string[]): Promise<void> {
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
  await registerVerbs(group, VERBS, args);
}
