/**
 * The daemon's log must be a plain file: a device (a full disk behind /dev/full) or a FIFO in its place is one
 * line naming it, exit 3, and nothing hangs reading it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

describe("the daemon's log file", () => {
  it("a device or a FIFO as daemon.log: start refuses with one line, exit 3; logs does not hang", () => {
    for (const kind of ["device", "fifo"]) {
      const home = initHome(tmpDir("pai-dlog-"));
      const logs = join(home, "user", "logs");
      mkdirSync(logs, { recursive: true });
      const log = join(logs, "daemon.log");
      if (kind === "device") symlinkSync("/dev/full", log);
      else execFileSync("mkfifo", [log]);
      const r = pai(["daemon", "start"], { home, timeoutMs: 20_000 });
      expect(r.code, `${kind}: ${r.stderr}`).toBe(3);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^pai: .*daemon\\.log is ${kind === "device" ? "a device" : "a FIFO"}, not a plain file`));
      const l = pai(["daemon", "logs"], { home, timeoutMs: 15_000 });
      expect(l.code, kind).not.toBe(128);
      expect(pai(["daemon", "status"], { home }).code, kind).not.toBe(0);
    }
  });
});
