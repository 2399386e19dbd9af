import { mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// A test that forgets to pass its own PAI_HOME lands in this empty folder, never in the install's user/
// (which, on a developer's machine, holds their real data).
const sandboxHome = mkdtempSync(join(tmpdir(), "pai-suite-home-"));
process.env.PAI_SUITE_HOME = sandboxHome; // removed by tests/helpers/global-setup.ts when the run ends

// The main run: `bun --bun vitest run` (bun:sqlite through the "bun" import condition).
export default defineConfig({
  resolve: { conditions: ["bun"] },
  ssr: { resolve: { conditions: ["bun"], externalConditions: ["bun"] } },
  test: {
    pool: "threads",
    // Every core (vitest leaves one free by default): most test files wait on the processes they start, so on two
    // cores two files at a time take about four fifths of the time one at a time does.
    maxWorkers: availableParallelism(),
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx", "packs/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ["tests/helpers/global-setup.ts"],
    // The chat screen's tests render Ink onto a model terminal: Ink must not switch to its CI mode (last frame only)
    // because the suite itself runs under CI=true.
    env: { CI: "false", CONTINUOUS_INTEGRATION: "false", PAI_HOME: sandboxHome },
  },
});
