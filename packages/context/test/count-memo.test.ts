import { describe, expect, it } from "vitest";
import { createCountMemo } from "../src/count-memo.js";
import { chunkedCount } from "../src/token-estimator.js";
import { createTiktokenEstimator } from "../src/index.js";
import { bigText, heapGrowthMb } from "./count-memo-helpers.js";

describe("createCountMemo", () => {
  it("evicts the least recently used entry and re-inserts hits as recent", () => {
    const seen: string[] = [];
    const memo = createCountMemo((text) => (seen.push(text), text.length), 2, 1_000_000);
    memo.count("a");
    memo.count("b");
    memo.count("a");
    memo.count("c"); // evicts b, the least recently used
    memo.count("a");
    memo.count("b");
    expect(seen).toEqual(["a", "b", "c", "b"]);
    expect(memo.size).toBe(2);
  });

  it("bounds the bytes its keys take, and does not keep texts larger than a quarter of the bound", () => {
    const calls: string[] = [];
    const memo = createCountMemo((text) => (calls.push(text[0]!), text.length), 1000, 3000);
    for (const c of "zwvut") memo.count(c.repeat(300)); // 696 bytes each: the fifth passes 3000 and evicts z
    expect(memo.bytes).toBe(4 * 696);
    expect(memo.size).toBe(4);
    memo.count("w".repeat(300));
    memo.count("z".repeat(300));
    memo.count("q".repeat(500)); // 1096 bytes > 3000 / 4: counted, never kept
    memo.count("q".repeat(500));
    expect(calls.join("")).toBe("zwvutzqq");
    const off = createCountMemo((text) => text.length, 0, 1000);
    expect(off.count("abc")).toBe(3);
    expect(off.size).toBe(0);
  });

  it("keeps no large text alive through the pieces it remembers (heap growth over 40 distinct 0.6 MB texts)", () => {
    // What truncation and prompt counting do: count prefixes and chunks of large texts. Each piece is a
    // view into its text in V8; a memo keyed by the pieces themselves kept every text alive.
    const memo = createCountMemo((text) => text.length, 20_000, 4 * 1024 * 1024);
    const growth = heapGrowthMb(() => {
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const text = bigText(i);
        total += memo.count(text.slice(0, 3000)) + chunkedCount(text.slice(0, 20_000), memo.count);
      }
      return total;
    });
    expect(memo.size).toBeGreaterThan(40);
    expect(memo.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    // 24 MB of texts went through and the memo holds under 2 MB of pieces; views would hold all 24 MB.
    expect(growth).toBeLessThan(8);
  });

  it("counts the same with and without a memo", () => {
    const estimator = createTiktokenEstimator({ memoBytes: 64 * 1024 });
    const plain = createTiktokenEstimator({ memoSize: 0 });
    const text = bigText(1, 800);
    expect(estimator.count(text)).toBe(plain.count(text));
    expect(estimator.count(text)).toBe(plain.count(text));
    [estimator, plain].forEach((e) => e.dispose());
  });
});
