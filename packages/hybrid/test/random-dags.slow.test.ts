// The full run of random-dags.test.ts: 200 random DAGs of every shape, up to 48 nodes, random caps
// and maxParallel, a few failing nodes, both orchestrators on each.
import { describe, expect, it } from "vitest";
import { checkSuite } from "./random-dags-fixtures.js";

describe("both orchestrators on 200 random DAGs", () => {
  it("dependencies and caps respected, same statuses and gate decisions, every failure reported", async () => {
    const stats = await checkSuite(7_000_003, 200, 48);
    expect(stats).toHaveLength(200);
    expect(stats.reduce((sum, s) => sum + s.nodes, 0)).toBeGreaterThan(200 * 15);
  });
});
