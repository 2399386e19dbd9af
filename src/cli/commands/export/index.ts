import type { Command } from "commander";
import { examples } from "../../output.ts";
import { registerAgents } from "./agents.ts";

export function register(program: Command): void {
  const group = program.command("export").description("export context files for other agents (AGENTS.md, CLAUDE.md)");
  group.hook("preAction", async () => {
    const { requireUser } = await import("../../../kernel/paths.ts");
    requireUser();
  });
  examples(group, ["pai export agents", "pai export agents --to ~/code/app --flavour both"]);
  registerAgents(group);
}
