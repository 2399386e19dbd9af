import type { Command } from "commander";

/** `pai memory import-transcript FILE` (filled in by the interop module). */
export function register(group: Command): void {
  group.command("import-transcript <file>").description("import a Claude Code JSONL transcript or a chat export as episodes");
}
