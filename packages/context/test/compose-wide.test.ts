// Reduced wide-join properties for the default suite; compose.slow.test.ts runs them at length.
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { createHeuristicEstimator, createTiktokenEstimator } from "../src/index.js";
import { checkComposition, wideJoinArb } from "./compose-checks.js";

const cl100k = createTiktokenEstimator();
const o200k = createTiktokenEstimator({ encoding: "o200k_base" });
afterAll(() => [cl100k, o200k].forEach((e) => e.dispose()));

describe("wide joins under the real tokenizer (reduced)", () => {
  it("hundreds to thousands of handoffs, docs and pinned text, under caps from tiny to large", () => {
    fc.assert(
      fc.property(
        wideJoinArb,
        fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 30_000 })),
        fc.constantFrom("cl100k_base" as const, "o200k_base" as const, undefined),
        (segments, hardCap, encoding) => {
          const estimator = encoding === undefined ? createHeuristicEstimator() : encoding === "o200k_base" ? o200k : cl100k;
          checkComposition(segments, { hardCap, estimator }, encoding);
        },
      ),
      { numRuns: 6, seed: 3030 },
    );
  });
});
