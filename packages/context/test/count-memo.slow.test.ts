// The memory bound of the real estimator's memo, at length (pnpm test:slow).
import { describe, expect, it } from "vitest";
import { createTiktokenEstimator } from "../src/index.js";
import { bigText, heapGrowthMb } from "./count-memo-helpers.js";

describe("createTiktokenEstimator memory", () => {
  it("holds its default bound (32 MiB of keys) over 400 distinct 0.6 MB texts, their prefixes and chunks", () => {
    const estimator = createTiktokenEstimator();
    const growth = heapGrowthMb(() => {
      let total = 0;
      for (let i = 0; i < 400; i++) {
        const text = bigText(i);
        total += estimator.count(text.slice(0, 3000)) + estimator.count(text.slice(0, 30_000));
      }
      return total;
    });
    estimator.dispose();
    // 240 MB of texts went through; keys that were views into them held all of it (the ~950 MB of the issue).
    expect(growth).toBeLessThan(80);
  });
});
