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
  },
});
