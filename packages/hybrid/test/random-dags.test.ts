// Both orchestrators on random DAGs of every shape (the reduced run; random-dags.slow.test.ts runs
// 200): dependencies and caps respected, the same statuses and gate decisions in both modes, every
// failure reported. The properties are in random-dags-fixtures.ts.
import { describe, expect, it } from "vitest";
import { checkSuite } from "./random-dags-fixtures.js";

describe("both orchestrators on random DAGs", () => {
  it("20 DAGs of up to 14 nodes, random caps, a few failing nodes", async () => {
    const stats = await checkSuite(20_251_115, 20, 14);
    expect(stats).toHaveLength(20);
  });
});
