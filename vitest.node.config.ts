import { defineConfig } from "vitest/config";

// The Node run: the storage contract (and anything else that must hold under Node) against better-sqlite3.
export default defineConfig({
  test: {
    pool: "forks",
    include: ["tests/kernel/driver.test.ts", "tests/memory/store.test.ts", "tests/memory/threads.test.ts", "tests/memory/vectors.test.ts", "tests/memory/counts.test.ts", "tests/memory/recent-term.test.ts", "tests/memory/import-batch.test.ts"],
    testTimeout: 30_000,
  },
});
