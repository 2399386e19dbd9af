/**
 * The version fingerprint of a pai install: what a client of the daemon's socket and the daemon compare, so that
 * a daemon running other code is never used. It is package.json's version and, where the install is a git
 * working copy (`pai upgrade` is a git pull), the commit checked out: two or three small reads. Edits not yet
 * committed in a working copy are not part of it (restart the daemon, or set PAI_NO_RESIDENT=1). Elsewhere it
 * covers the size and time of every file under src/. Only node:fs is used: the socket's client loads nothing else.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";

export function installFingerprint(root: string): string {
  let version = "?";
  try {
    version = (JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { version?: string }).version ?? "?";
  } catch {}
  return `${version}:${codeMark(root)}`;
}

function codeMark(root: string): string {
  try {
    const head = readFileSync(`${root}/.git/HEAD`, "utf8").trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    try {
      return readFileSync(`${root}/.git/${ref}`, "utf8").trim();
    } catch {
      const line = readFileSync(`${root}/.git/packed-refs`, "utf8").split("\n").find((l) => l.endsWith(` ${ref}`));
      if (line) return line.slice(0, line.indexOf(" "));
    }
  } catch {}
  let h = 0;
  try {
    for (const e of readdirSync(`${root}/src`, { recursive: true }) as string[]) {
      const s = statSync(`${root}/src/${e}`);
      h = (h * 31 + s.mtimeMs + s.size) % 4294967296;
    }
  } catch {}
  return `src:${h}`;
}
