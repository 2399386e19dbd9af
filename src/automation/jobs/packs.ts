/**
 * Jobs and the packs they run agree: a job's action names a pack command (a pack action, a notify through the
 * notify or voice pack, an ask delivered through one); `jobs add` refuses one that is not installed, `jobs list`
 * marks a job whose pack is gone as broken, and `pack uninstall` names the jobs it breaks.
 */
import type { Paths } from "../../kernel/paths.ts";
import { deliveredBy, type Action, type Job } from "./schema.ts";

/** The pack commands an action runs. */
export function packCommandsOf(action: Action): { pack: string; command: string }[] {
  switch (action.type) {
    case "pack":
      return [{ pack: action.pack, command: action.command }];
    case "notify":
      return [deliveredBy(action)];
    case "ask":
      return action.then ? [deliveredBy(action.then)] : [];
    default:
      return [];
  }
}

/** The installed packs' commands, by pack (a pack whose manifest does not load has none). */
export async function installedCommands(p: Paths): Promise<Map<string, string[]>> {
  const { listInstalled } = await import("../../packs/index.ts");
  return new Map(listInstalled(p).map((pack) => [pack.name, Object.keys(pack.manifest?.commands ?? {})]));
}

/** Why an action cannot run with the packs installed now, or undefined when it can. */
export function packProblem(action: Action, installed: Map<string, string[]>): string | undefined {
  for (const { pack, command } of packCommandsOf(action)) {
    const commands = installed.get(pack);
    if (!commands) return `the pack '${pack}' is not installed`;
    if (!commands.includes(command)) return `the pack '${pack}' has no command '${command}' (it has: ${commands.join(", ") || "none"})`;
  }
  return undefined;
}

/** The jobs whose action runs a command of `pack`. */
export function jobsUsing(jobs: Job[], pack: string): string[] {
  return jobs.filter((j) => packCommandsOf(j.action).some((c) => c.pack === pack)).map((j) => j.name);
}
