import { describe, expect, it } from "vitest";
import { runChain } from "./long-chain.js";

describe("a 50-node chain with ~3,000-token outputs", () => {
  it("keeps every hybrid prompt under the cap while the baseline passes 100,000 tokens, and planted facts survive", async () => {
    const { lastFull, checkedFacts } = await runChain(50, 20);
    expect(checkedFacts).toBeGreaterThanOrEqual(6);
    expect(lastFull).toBeGreaterThan(100_000);
  });
});
