import { seededRandom } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { estimateMedian } from "../src/index.js";

describe("estimateMedian", () => {
  it("is null for no values and a point for one value", () => {
    expect(estimateMedian([])).toBeNull();
    expect(estimateMedian([7])).toMatchObject({ n: 1, median: 7, ci: { low: 7, high: 7 } });
  });

  it("gives the same interval for the same values and seed, another for another seed", () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 40 }, () => random() * 100);
    expect(estimateMedian(values, { seed: 5 })).toEqual(estimateMedian(values, { seed: 5 }));
    expect(estimateMedian(values, { seed: 5 })!.ci).not.toEqual(estimateMedian(values, { seed: 6 })!.ci);
  });

  it("covers the true median of a known distribution about as often as it claims (200 experiments)", () => {
    // Exponential(1): true median ln 2. A 95% interval from 41 draws should cover it in roughly 95% of
    // experiments; a broken bootstrap (too narrow, or centred elsewhere) lands far from that.
    const random = seededRandom(11);
    let covered = 0;
    for (let e = 0; e < 200; e++) {
      const values = Array.from({ length: 41 }, () => -Math.log(1 - random()));
      const { ci, median } = estimateMedian(values, { seed: e, resamples: 500 })!;
      expect(ci!.low).toBeLessThanOrEqual(median);
      expect(ci!.high).toBeGreaterThanOrEqual(median);
      if (ci!.low <= Math.LN2 && Math.LN2 <= ci!.high) covered += 1;
    }
    expect(covered).toBeGreaterThanOrEqual(176);
    expect(covered).toBeLessThanOrEqual(199);
  });
});
