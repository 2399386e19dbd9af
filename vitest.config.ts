import { defineConfig } from "vitest/config";

// The main run: `bun --bun vitest run` (bun:sqlite through the "bun" import condition).
export default defineConfig({
  resolve: { conditions: ["bun"] },
  ssr: { resolve: { conditions: ["bun"], externalConditions: ["bun"] } },
  test: {
    pool: "threads",
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx", "packs/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ["tests/helpers/global-setup.ts"],
    // The chat screen's tests render Ink onto a model terminal: Ink must not switch to its CI mode (last frame only)
    // because the suite itself runs under CI=true.
    env: { CI: "false", CONTINUOUS_INTEGRATION: "false" },
  },
});
