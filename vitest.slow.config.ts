import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// The slow suites: long property runs, real kill -9 rounds, real rate-limit waits. CI runs them
// after the default suite (`pnpm test:slow`); the default suite stays fast. Built from the base
// config by hand: mergeConfig would concatenate `exclude` and keep excluding `*.slow.test.ts`.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["packages/*/test/**/*.slow.test.ts", "examples/test/**/*.slow.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    coverage: { enabled: false },
  },
});
