import { readdirSync, existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Tests run on src/ through the custom export condition. Vitest 4 resolves Node-side imports
// with ssr.resolve.conditions; setting only resolve.conditions silently tests dist/.
const sourceConditions = ["@hybrid/source", "node", "development|production"];

// Coverage is enforced per package so that a well-covered package cannot hide a poorly covered one.
const packages = readdirSync(new URL("./packages", import.meta.url)).filter((name) =>
  existsSync(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
);
const perPackageThresholds = Object.fromEntries(
  packages
    .filter((name) => name !== "test-utils")
    .map((name) => [`packages/${name}/src/**`, { lines: 90, branches: 90 }]),
);

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/*.slow.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
    coverage: {
      provider: "v8",
      include: ["packages/*/src/**/*.ts"],
      exclude: ["packages/test-utils/**", "**/*.d.ts"],
      reporter: ["text-summary", "json-summary"],
      thresholds: perPackageThresholds,
    },
  },
});
