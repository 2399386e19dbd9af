/**
 * What the automation works in, handed down by its caller (a CLI command's `withHome`, the daemon's entry):
 * the paths under PAI_HOME, the config and the open database. A Home (src/app/home.ts) is one; its fields are
 * opened on first use.
 */
import type { Config } from "../config/index.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";

export interface AutomationHome {
  readonly paths: Paths;
  readonly config: Config;
  readonly db: Database;
}
