import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// @fer/cli's tests use this configuration too (its vitest.config.ts re-exports it): the global setup is found from
// this file, not from the folder vitest runs in.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: [fileURLToPath(new URL("./test/global-setup.ts", import.meta.url))],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
