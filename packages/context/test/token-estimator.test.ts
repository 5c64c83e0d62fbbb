import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createHeuristicEstimator, createTiktokenEstimator, getDefaultEstimator } from "../src/index.js";
import { memoiseEstimator } from "../src/token-estimator.js";

describe("createTiktokenEstimator", () => {
  const cl100k = createTiktokenEstimator();
  const o200k = createTiktokenEstimator({ encoding: "o200k_base" });
  afterAll(() => {
    cl100k.dispose?.();
    o200k.dispose?.();
  });

  it("counts with the chosen encoding", () => {
    expect(cl100k.kind).toBe("tiktoken");
    expect(cl100k.encoding).toBe("cl100k_base");
    expect(cl100k.count("hello world")).toBe(2);
    expect(o200k.count("hello world")).toBe(2);
    expect(cl100k.count("")).toBe(0);
  });

  it("counts special-token strings as ordinary text instead of throwing", () => {
    const text = "end <|endoftext|> and <|fim_prefix|> and <|im_start|>";
    expect(cl100k.count(text)).toBeGreaterThan(10);
    expect(o200k.count(text)).toBeGreaterThan(10);
  });

  it("memoises by content: repeated texts give the same count", () => {
    const long = "The same segment again. ".repeat(200);
    const first = cl100k.count(long);
    expect(cl100k.count(`${long}`)).toBe(first);
    expect(cl100k.count(long.slice(0))).toBe(first);
  });

  it("shares one encoder per encoding and frees it with the last user", () => {
    let loads = 0;
    let frees = 0;
    const fake = (encoding: string) => {
      loads++;
      expect(encoding).toBe("cl100k_base");
      return { encode_ordinary: (text: string) => new Uint32Array(text.length), free: () => void frees++ };
    };
    const a = createTiktokenEstimator({ loadEncoding: fake, memoSize: 0 });
    expect(a.count("abc")).toBe(3);
    a.dispose?.();
    a.dispose?.();
    expect(frees).toBe(1);
    expect(() => a.count("abc")).toThrow(/after dispose/);
    expect(loads).toBe(1);

    const b = createTiktokenEstimator();
    const c = createTiktokenEstimator();
    b.dispose?.();
    expect(c.count("hello world")).toBe(2); // still alive: c holds the shared encoder
    c.dispose?.();
    const d = createTiktokenEstimator();
    expect(d.count("hello world")).toBe(2); // a fresh encoder after the last one was freed
    d.dispose?.();
  });

  it("falls back to the heuristic estimator when WASM cannot load", () => {
    const broken = createTiktokenEstimator({
      loadEncoding: () => {
        throw new Error("WebAssembly unavailable");
      },
    });
    expect(broken.kind).toBe("heuristic");
    expect(broken.count("hello world")).toBeGreaterThan(0);
    expect(() => broken.dispose()).not.toThrow();
  });

  it("rejects an unknown encoding", () => {
    expect(() => createTiktokenEstimator({ encoding: "p50k_base" as "cl100k_base" })).toThrow(/encoding/);
  });

  it("has a process-wide default", () => {
    expect(getDefaultEstimator()).toBe(getDefaultEstimator());
  });
});

describe("memoiseEstimator", () => {
  it("evicts the least recently used entry", () => {
    let calls = 0;
    const count = memoiseEstimator((text) => (calls++, text.length), 2);
    count("a");
    count("b");
    count("a");
    count("c"); // evicts b
    expect(calls).toBe(3);
    count("a");
    expect(calls).toBe(3);
    count("b");
    expect(calls).toBe(4);
    const big = "y".repeat(1000);
    count(big);
    count(big);
    expect(calls).toBe(5);
    const small = memoiseEstimator((text) => (calls++, text.length), 10, 100);
    small("z".repeat(60));
    small("w".repeat(60)); // evicts the first: over 100 characters
    small("z".repeat(60));
    small("q".repeat(500)); // too big to keep
    small("q".repeat(500));
    expect(calls).toBe(10);
  });
});

describe("createHeuristicEstimator", () => {
  const heuristic = createHeuristicEstimator();
  const exact = createTiktokenEstimator({ memoSize: 0 });
  const o200k = createTiktokenEstimator({ encoding: "o200k_base", memoSize: 0 });
  afterAll(() => {
    exact.dispose?.();
    o200k.dispose?.();
  });
  const random = (n: number, alphabet: string) =>
    Array.from({ length: n }, (_, i) => alphabet[(i * 7919 + (i >> 3) * 104729) % alphabet.length]).join("");

  it("over-counts ordinary content against cl100k and o200k (conservative)", () => {
    const samples = [
      "The quick brown fox jumps over the lazy dog. ".repeat(40),
      "export function f(a: number): Promise<void> {\n  return g(a ?? 0);\n}\n".repeat(20),
      JSON.stringify({ a: [1, 2, 3], nested: { key: "value", n: 12345.678 } }).repeat(20),
      random(2000, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
      random(2000, "0123456789abcdef"),
      "日本語のテキストです。中文文本。한국어 텍스트".repeat(20),
      "🙂🚀👍🏽 ".repeat(50),
      "1234567890 ".repeat(50),
      "## Heading\n\n- item\n\n```ts\nconst x = 1;\n```\n".repeat(20),
    ];
    for (const text of samples) {
      expect(heuristic.count(text), text.slice(0, 40)).toBeGreaterThanOrEqual(exact.count(text));
      expect(heuristic.count(text), text.slice(0, 40)).toBeGreaterThanOrEqual(o200k.count(text));
    }
    expect(heuristic.count("")).toBe(0);
  });
});

describe("chunked counting", () => {
  const chunked = createTiktokenEstimator();
  const direct = createTiktokenEstimator({ memoSize: 0 });
  const chunkedO = createTiktokenEstimator({ encoding: "o200k_base" });
  const directO = createTiktokenEstimator({ encoding: "o200k_base", memoSize: 0 });
  afterAll(() => [chunked, direct, chunkedO, directO].forEach((e) => e.dispose?.()));

  it("is exact: the sum over chunks equals the count of the whole text", () => {
    const piece = fc.oneof(
      fc.lorem({ maxCount: 30, mode: "sentences" }),
      fc.constantFrom("\n", "\n\n", " \n", "\r\n", "\n  indented", "'s", "123456", "```", "## H", "é", "🙂", "\t"),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 50, maxLength: 400 }), (parts) => {
        const text = parts.join(parts.length % 2 ? "\n" : "");
        expect(chunked.count(text)).toBe(direct.count(text));
        expect(chunkedO.count(text)).toBe(directO.count(text));
      }),
      { numRuns: 60 },
    );
  });
});
