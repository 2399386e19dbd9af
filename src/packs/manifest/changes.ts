/**
 * Whether running a pack command changes anything. The manifest's `changes` says so; left out, a command is
 * taken to change whatever its permissions let it change: one that may write files, run programs or reach the
 * network may change something, one with none of these only reads, a prompt only reads its input and asks the
 * model, and a skill changes something when one of its tools does.
 */
import type { PackCommand, PackManifest } from "./schema.ts";
import { skillOf } from "./skill.ts";

export function commandChanges(m: PackManifest, name: string): boolean {
  const cmd = m.commands[name];
  if (!cmd) return true;
  if (cmd.changes !== undefined) return cmd.changes;
  switch (cmd.tier) {
    case "prompt":
      return false;
    case "skill": {
      let tools: string[];
      try {
        tools = skillOf(m, cmd).allowedTools;
      } catch {
        return true; // an unreadable SKILL.md: nothing says its tools only read
      }
      return tools
        .map((t) => (t.includes(":") ? t.split(":")[1]! : t))
        .some((t) => m.commands[t] !== undefined && m.commands[t]!.tier !== "skill" && commandChanges(m, t));
    }
    default:
      return mayChange(cmd);
  }
}

/** Whether a command's permissions let it change anything outside its answer. */
function mayChange(cmd: PackCommand): boolean {
  const p = cmd.permissions;
  return p.write.length > 0 || p.exec.length > 0 || p.network.length > 0;
}
