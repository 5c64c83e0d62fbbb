// Full-size version of wave-scheduler.test.ts's release property (`pnpm test:slow`).
import { arbitraryDag } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, it } from "vitest";
import { checkReleases } from "./scheduler-checks.js";

describe("WaveScheduler at full size", () => {
  it("releases every node exactly once, never before its dependencies (200 random DAGs of up to 2,000 nodes, both modes)", () => {
    fc.assert(fc.property(arbitraryDag(2000), fc.integer(), checkReleases), { numRuns: 200, seed: 99 });
  });
});
