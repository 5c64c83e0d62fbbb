import { describe, expect, it } from "vitest";
import { createHeuristicEstimator } from "../src/index.js";
import { checkOvercounts, identifier } from "./heuristic-corpus.js";
import { realTokens } from "./oracle.js";

describe("createHeuristicEstimator (the fallback when WASM does not load)", () => {
  const heuristic = createHeuristicEstimator();
  checkOvercounts(25);

  it("counts a digit run as one token per three digits: every 1–3 digit string is one token in both encoders", () => {
    for (const width of [1, 2, 3]) {
      for (let n = 0; n < 10 ** width; n++) {
        const text = String(n).padStart(width, "0");
        expect(realTokens(text, "cl100k_base"), text).toBe(1);
        expect(realTokens(text, "o200k_base"), text).toBe(1);
      }
    }
    expect(heuristic.count("123456789")).toBe(4); // three pieces, plus the one-token floor
    expect(heuristic.count("")).toBe(0);
  });

  it("overcounts identifier-like text that the old estimate undercounted by 40–53%", () => {
    const text = Array.from({ length: 400 }, identifier).join(" ");
    expect(heuristic.count(text)).toBeGreaterThan(realTokens(text, "cl100k_base"));
    expect(heuristic.count(text)).toBeGreaterThan(realTokens(text, "o200k_base"));
  });
});
