/**
 * Shows the permissions a pack asks for and asks the user (only on a terminal). Only "y" or "yes" installs;
 * Enter, Ctrl-C and Ctrl-D decline.
 */
import type { Config } from "../../../config/index.ts";
import { note } from "../../output.ts";
import { askYesNo } from "../../prompt.ts";

interface Summary {
  command: string;
  tier: string;
  described: string[];
}

export async function confirmPermissions(question: string, summary: Summary[]): Promise<boolean> {
  note("Permissions asked for:");
  let any = false;
  for (const s of summary) {
    const lines = s.described;
    if (!lines.length) continue;
    any = true;
    note(`  ${s.command} (${s.tier}): ${lines.join("; ")}`);
  }
  if (!any) note("  none");
  return askYesNo(question);
}

/** The user's config when it can be read, for the settings' current values; else the declared defaults are shown. */
export function readableConfig(home: { readonly config: Config }): Config | undefined {
  try {
    return home.config;
  } catch {
    return undefined;
  }
}
