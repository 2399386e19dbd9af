import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { examples } from "../../output.ts";

const VERBS: Verbs = {
  init: async () => (await import("./init.ts")).register,
  now: async () => (await import("./now.ts")).register,
  status: async () => (await import("./status.ts")).register,
  "setup-syncthing": async () => (await import("./setup-syncthing.ts")).registerSetupSyncthing,
};

export async function register(program: Command, args?: string[]): Promise<void> {
  const group = program.command("sync").description("sync memory across your devices through a folder a sync engine replicates");
  examples(group, [
    "pai sync init --folder ~/pai-sync             the first device: prints the sync key",
    "pai sync init --folder ~/pai-sync --key KEY   another device joins with that key",
    "pai sync now                                  apply what arrived, publish what is new",
    "pai sync status",
  ]);
  await registerVerbs(group, VERBS, args);
}
