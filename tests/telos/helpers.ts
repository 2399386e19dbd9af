/** Writes a Telos in a temporary PAI_HOME without spawning the CLI (fast, for function-level tests). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { paths, TELOS_FILES, type Paths } from "../../src/kernel/paths.ts";
import { tmpDir } from "../helpers/tmp.ts";

export function fm(title: string, visibility: "private" | "shareable" = "shareable", updated = "2026-03-01"): string {
  return `---\ntitle: ${title}\nupdated: ${updated}\nvisibility: ${visibility}\n---\n`;
}

/** A home with all eleven files (empty bodies) plus the given contents, keyed by name ("goals", "preferences"). */
export function telosHome(files: Record<string, string | Buffer> = {}, home: string = tmpDir()): Paths {
  const p = paths(home);
  mkdirSync(p.telos, { recursive: true });
  for (const name of [...TELOS_FILES, "preferences"]) {
    const file = name === "preferences" ? p.preferences : join(p.telos, `${name}.md`);
    const content = files[name] ?? `${fm(name.charAt(0).toUpperCase() + name.slice(1))}\n# ${name}\n`;
    writeFileSync(file, content);
  }
  return p;
}
