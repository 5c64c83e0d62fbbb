// The long runs of the composition properties (pnpm test:slow): wide joins of thousands of segments,
// pinned-heavy inputs and tiny caps, every cap checked with gpt-tokenizer on the final prompt.
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { createHeuristicEstimator, createTiktokenEstimator, type ContextSegment } from "../src/index.js";
import { checkComposition, segmentsArb, wideJoinArb } from "./compose-checks.js";

const cl100k = createTiktokenEstimator();
const o200k = createTiktokenEstimator({ encoding: "o200k_base" });
afterAll(() => [cl100k, o200k].forEach((e) => e.dispose()));
const estimatorFor = (encoding: "cl100k_base" | "o200k_base" | undefined) =>
  encoding === undefined ? createHeuristicEstimator() : encoding === "o200k_base" ? o200k : cl100k;
const encodings = fc.constantFrom("cl100k_base" as const, "o200k_base" as const, undefined);

describe("composeContext at length (real tokenizer as the oracle)", () => {
  it("wide joins: 100 to 3,000 segments under caps from 1 to 30,000 tokens", () => {
    fc.assert(
      fc.property(wideJoinArb, fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 30_000 })), encodings, (segments, hardCap, encoding) => {
        checkComposition(segments, { hardCap, estimator: estimatorFor(encoding) }, encoding);
      }),
      { numRuns: 120, seed: 4040 },
    );
  });

  it("pinned-heavy: most segments pinned, caps around what the pinned text needs", () => {
    const pinnedHeavy = segmentsArb.map((segments): ContextSegment[] => segments.map((s, i) => ({ ...s, pinned: i % 4 !== 3 })));
    fc.assert(
      fc.property(pinnedHeavy, fc.integer({ min: 20, max: 3000 }), encodings, (segments, hardCap, encoding) => {
        checkComposition(segments, { hardCap, estimator: estimatorFor(encoding) }, encoding);
      }),
      { numRuns: 300, seed: 5050 },
    );
  });

  it("random segments, tiny and ordinary caps, any reserve", () => {
    fc.assert(
      fc.property(segmentsArb, fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 60, max: 8000 })), fc.integer({ min: 0, max: 200 }), encodings, (segments, cap, reserve, encoding) => {
        checkComposition(segments, { hardCap: cap + reserve, reserve, estimator: estimatorFor(encoding) }, encoding);
      }),
      { numRuns: 600, seed: 6060 },
    );
  });
});
