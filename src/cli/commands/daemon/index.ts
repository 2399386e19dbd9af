import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";

/** The verbs, each loaded only to run it (or for the group's help). */
const VERBS: Verbs = {
  start: async () => (await import("./start.ts")).register,
  stop: async () => (await import("./stop.ts")).register,
  status: async () => (await import("./status.ts")).register,
  logs: async () => (await import("./logs.ts")).register,
  run: async () => (await import("./run.ts")).register,
  install: async () => (await import("./install.ts")).register,
  pause: async () => (await import("./pause.ts")).register,
  resume: async () => (await import("./resume.ts")).register,
};

/** `pai daemon …`: one file per verb beside this one. */
export async function register(program: Command, args?: string[]): Promise<void> {
  const group = program.command("daemon").description("start, stop and inspect the persistent assistant (one per PAI_HOME)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai daemon start", "pai daemon status", "pai daemon logs -f", "pai daemon pause", "pai daemon install", "pai daemon stop"]);
  await registerVerbs(group, VERBS, args);
}
