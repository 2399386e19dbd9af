import type { Command } from "commander";
import { examples } from "../../output.ts";
import { register as search } from "./search.ts";
import { register as list } from "./list.ts";
import { register as show } from "./show.ts";
import { register as edit } from "./edit.ts";
import { register as pin } from "./pin.ts";
import { register as unpin } from "./unpin.ts";
import { register as privateCmd, registerShareable as shareable } from "./private.ts";
import { register as forget } from "./forget.ts";
import { register as importCmd } from "./import.ts";
import { register as importTranscript } from "./import-transcript.ts";
import { register as exportCmd } from "./export.ts";
import { register as stats } from "./stats.ts";
import { register as maintain } from "./maintain.ts";
import { register as backup } from "./backup.ts";
import { register as embed } from "./embed.ts";

export function register(program: Command): void {
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
  for (const verb of [search, list, show, edit, pin, unpin, privateCmd, shareable, forget, importCmd, importTranscript, exportCmd, stats, maintain, backup, embed]) verb(group);
}
