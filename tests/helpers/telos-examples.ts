/**
 * The Telos templates hold their example items inside HTML comments, so a fresh init states nothing about the
 * user. Tests that want items to work with take the examples out of their comments.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const FILES = ["user/telos/mission.md", "user/telos/goals.md", "user/telos/projects.md", "user/preferences.md"];

/** Turns the commented examples of mission, goals, projects and preferences in `home` into real lines. */
export function useTelosExamples(home: string): string {
  for (const rel of FILES) {
    const file = join(home, rel);
    const text = readFileSync(file, "utf8").replace(/^<!-- Examples?, ignored[^\n]*\n([\s\S]*?)^-->\n/m, "$1");
    writeFileSync(file, text);
  }
  return home;
}
