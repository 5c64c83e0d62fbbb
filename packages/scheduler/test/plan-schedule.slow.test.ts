// Full-size versions of plan-schedule.test.ts's determinism and scale tests (`pnpm test:slow`).
import { arbitraryDag } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, it } from "vitest";
import { checkDeclarationOrder, checkScale } from "./plan-checks.js";

describe("planSchedule at full size", () => {
  it("plans the same, hash included, for every declaration order of 200 random DAGs of up to 2,000 nodes", () => {
    fc.assert(fc.property(arbitraryDag(2000), fc.array(fc.integer(), { minLength: 5, maxLength: 5 }), checkDeclarationOrder), {
      numRuns: 200,
      seed: 424242,
    });
  });

  it("plans 100,000 nodes", () => {
    checkScale(100_000);
  });
});
