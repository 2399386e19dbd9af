import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const made: string[] = [];
afterEach(() => {
  while (made.length) {
    const d = made.pop()!;
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {}
  }
});

/** A fresh temporary folder, removed after the current test. */
export function tmpDir(prefix = "pai-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
