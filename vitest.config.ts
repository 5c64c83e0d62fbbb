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
    include: ["packages/*/test/**/*.test.ts", "examples/test/**/*.test.ts", "acceptance/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/*.slow.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
    coverage: {
      provider: "v8",
      include: ["packages/*/src/**/*.ts"],
      // The CLI's command modules run only as child processes of the built bin in their tests
      // (cli-*.test.ts, view-pty.test.ts), which V8 coverage of this process cannot see; the
      // view and the model-runner wiring are imported by their tests and stay measured.
      exclude: ["packages/test-utils/**", "**/*.d.ts", "packages/hybrid/src/cli/!(model-runner).ts"],
      reporter: ["text-summary", "json-summary"],
      thresholds: perPackageThresholds,
    },
  },
});
