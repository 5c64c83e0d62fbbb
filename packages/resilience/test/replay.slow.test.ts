// The property of replay.property.test.ts with more and bigger multi-process histories.
import fc from "fast-check";
import { describe, it } from "vitest";
import { replayHistoryProperty } from "./replay-model.js";

describe("planReplay over multi-process histories (slow)", () => {
  it("reuses exactly the outputs produced from the current versions of all their ancestors (closed under dependencies), lets only current failures stand, and lets a clean resume finish", () => {
    fc.assert(replayHistoryProperty({ maxInitialNodes: 10, maxProcesses: 8, maxEditsPerProcess: 3 }), { seed: 20_261_130, numRuns: 2_500, endOnFailure: true });
  });
});
