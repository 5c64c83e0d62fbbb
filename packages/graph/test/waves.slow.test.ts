// Full-size versions of waves.test.ts's property and scale tests (`pnpm test:slow`).
import { arbitraryDag } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, it } from "vitest";
import { checkChain, checkRandomDag, checkWaves } from "./wave-checks.js";

describe("planWaves at full size", () => {
  it("holds on 220 random DAGs of up to 2,000 nodes: edges go forward, waves are minimal, order does not matter", () => {
    fc.assert(fc.property(arbitraryDag(2000), fc.integer(), checkWaves), { numRuns: 220, seed: 20261124 });
  });

  it("plans a 100,000-node chain without recursion and finds the cycle that closes it", () => {
    checkChain(100_000);
  });

  it("plans 100,000 nodes and about 1,000,000 edges", () => {
    checkRandomDag(100_000, 20);
  });
});
