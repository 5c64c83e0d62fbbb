// Full-size version of simulate.test.ts's wide simulation (`pnpm test:slow`).
import { describe, it } from "vitest";
import { checkWideSimulation } from "./scheduler-checks.js";

describe("simulate at full size", () => {
  it("simulates 150,000 nodes that all finish at once", () => {
    checkWideSimulation(150_000);
  });
});
