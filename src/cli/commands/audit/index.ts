import type { Command } from "commander";
import { requireUser } from "../../../kernel/paths.ts";
import { examples } from "../../output.ts";
import * as show from "./show.ts";
import * as verify from "./verify.ts";

/** `pai audit [--since] [--job]` shows the trail; `pai audit verify` checks its hash chain. */
export function register(program: Command): void {
  const group = program.command("audit").description("show and verify the tamper-evident audit trail");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai audit", "pai audit --since 2026-03-01 --job nightly", "pai audit --since yesterday", "pai audit --json", "pai audit verify"]);
  show.register(group);
  verify.register(group);
}
