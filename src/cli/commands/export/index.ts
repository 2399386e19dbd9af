import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import { registerAgents } from "./agents.ts";

export function register(program: Command): void {
  const group = program.command("export").description("export context files for other agents (AGENTS.md, CLAUDE.md)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai export agents", "pai export agents --to ~/code/app --flavour both"]);
  registerAgents(group);
}
