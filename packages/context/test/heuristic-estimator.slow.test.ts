// The long run of the fallback estimator's overcount check (pnpm test:slow).
import { describe } from "vitest";
import { checkOvercounts } from "./heuristic-corpus.js";

describe("createHeuristicEstimator at length", () => {
  checkOvercounts(400);
});
