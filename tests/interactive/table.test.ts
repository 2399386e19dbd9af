/**
 * Tables on a terminal: a long last column (a pack's description) is wrapped or cut to the terminal's width;
 * piped, the same command prints it whole.
 */
import { describe, expect, it } from "vitest";
import { initHome, pai, PAI_BIN } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { plain, runPty } from "./pty.ts";

describe("tables on a terminal", () => {
  it("cut the last column to the width; a pipe gets whole lines", async () => {
    const home = initHome(tmpDir());
    const t = runPty(`stty rows 24 cols 80; exec ${PAI_BIN} pack list --available`, { PAI_HOME: home });
    expect(await t.exited).toBe(0);
    const lines = plain(t.output()).split("\n").filter((l) => l.trim());
    // The description is wrapped or cut to the width: never whole on one line of the terminal.
    expect(lines.some((l) => l.includes("reviews are written by the model with your goals in context."))).toBe(false);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    const piped = pai(["pack", "list", "--available"], { home }).stdout;
    expect(piped).toContain("reviews are written by the model with your goals in context.");
    expect(piped).not.toContain("…");
  });
});
