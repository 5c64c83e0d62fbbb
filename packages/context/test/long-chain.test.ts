import { describe, expect, it } from "vitest";
import { runChain } from "./long-chain.js";

describe("a 10-node chain with ~3,000-token outputs (long-chain.slow.test.ts runs 50)", () => {
  it("keeps every hybrid prompt under the cap while the baseline passes 25,000 tokens, and planted facts survive", async () => {
    const { lastFull, checkedFacts } = await runChain(10, 5);
    expect(checkedFacts).toBeGreaterThanOrEqual(2);
    expect(lastFull).toBeGreaterThan(25_000);
  });
});
