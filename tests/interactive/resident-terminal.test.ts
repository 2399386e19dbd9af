/**
 * A read-only command run at a terminal while the daemon runs: the daemon finds the client's terminal itself (on
 * Linux the client sends only its process id) and lays the output out to that terminal's width, with its styles,
 * byte for byte as the command prints in its own process (PAI_NO_RESIDENT=1). A real terminal: tmux.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pai, ROOT } from "../helpers/cli.ts";
import { startTmux } from "./tmux.ts";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const ENV = { OLLAMA_HOST: "http://127.0.0.1:9" };
let home = "";
let pid = 0;

function requests(): number {
  return JSON.parse(pai(["daemon", "status", "--json"], { home, env: ENV }).stdout).resident_requests;
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "pai-resterm-"));
  expect(pai(["init", "--name", "Ada"], { home, env: ENV }).code).toBe(0);
  for (const text of [
    "I moved to Lyon in March and the new flat is near the Saône, a long walk from the office",
    "Marathon training on Sundays with the running club, twenty kilometres along the river",
    "Prefer tea over coffee",
  ]) {
    expect(pai(["remember", text], { home, env: ENV }).code).toBe(0);
  }
  const r = pai(["daemon", "start", "--json"], { home, env: ENV });
  expect(r.code).toBe(0);
  pid = JSON.parse(r.stdout).pid;
}, 60_000);

afterAll(() => {
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)("a read-only command at a terminal, through the daemon", () => {
  it("is laid out to the terminal's width with the same bytes as in its own process, and the daemon answered it", async () => {
    const before = requests();
    const out = join(home, "screen.raw");
    const pai = `env PAI_HOME='${home}' OLLAMA_HOST='${ENV.OLLAMA_HOST}' '${join(ROOT, "bin", "pai")}'`;
    // The two runs are separated by markers printed in between; the raw bytes (styles included) are recorded.
    const t = startTmux(`sh -c "sleep 0.3; echo =A=; ${pai} memory list; echo =B=; PAI_NO_RESIDENT=1 ${pai} memory list; echo =C=; sleep 30"`, { columns: 64, rows: 40 });
    try {
      t.record(out);
      await t.waitFor("=C=");
      const raw = readFileSync(out, "latin1");
      const daemon = raw.slice(raw.indexOf("=A=") + 3, raw.indexOf("=B="));
      const own = raw.slice(raw.indexOf("=B=") + 3, raw.indexOf("=C="));
      expect(daemon).toContain("Lyon");
      expect(daemon).toBe(own);
      // Laid out to 64 columns: the long item is cut to fit, not wrapped by the terminal.
      const screen = t.screen();
      const lines = screen.slice(screen.indexOf("=A="), screen.indexOf("=B=")).split("\n");
      expect(lines.some((l) => l.includes("Lyon") && l.includes("…"))).toBe(true);
      expect(Math.max(...lines.map((l) => l.trimEnd().length))).toBeLessThanOrEqual(64);
      expect(requests()).toBe(before + 1);
    } finally {
      t.kill();
    }
  }, 60_000);
});
