import type { Command } from "commander";
import { registerVerbs, type Verbs } from "../../verbs.ts";
import { examples } from "../../output.ts";

/** The verbs, each loaded only to run it (or for the group's help). */
const VERBS: Verbs = {
  search: async () => (await import("./search.ts")).register,
  list: async () => (await import("./list.ts")).register,
  show: async () => (await import("./show.ts")).register,
  edit: async () => (await import("./edit.ts")).register,
  pin: async () => (await import("./pin.ts")).register,
  unpin: async () => (await import("./unpin.ts")).register,
  private: async () => (await import("./private.ts")).register,
  shareable: async () => (await import("./private.ts")).registerShareable,
  forget: async () => (await import("./forget.ts")).register,
  import: async () => (await import("./import.ts")).register,
  "import-transcript": async () => (await import("./import-transcript.ts")).register,
  export: async () => (await import("./export.ts")).register,
  stats: async () => (await import("./stats.ts")).register,
  maintain: async () => (await import("./maintain.ts")).register,
  backup: async () => (await import("./backup.ts")).register,
  embed: async () => (await import("./embed.ts")).register,
};

export async function register(program: Command, args?: string[]): Promise<void> {
  const group = program.command("memory").description("search, inspect, correct, import and export memory");
  examples(group, [
    "pai memory search lyon",
    "pai memory list --tier hot",
    "pai memory show 42",
    'pai memory edit 42 "I moved to Lyon in April"',
    "pai memory forget --match 'old address'",
    "pai memory export > memory.jsonl",
    "pai memory backup",
    "pai memory embed",
  ]);
  await registerVerbs(group, VERBS, args);
}
