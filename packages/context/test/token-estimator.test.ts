import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createTiktokenEstimator } from "../src/index.js";
import { chunkedCount } from "../src/token-estimator.js";
import { realTokens } from "./oracle.js";

const require = createRequire(import.meta.url);

/** Real source files: the TypeScript compiler's own sources are full of `\n//` and `*\/\n/` boundaries. */
function sourceFiles(): string[] {
  const lib = require.resolve("typescript/lib/typescript.js");
  const text = readFileSync(lib, "utf8");
  return Array.from({ length: 8 }, (_, i) => text.slice(i * 350_000, i * 350_000 + 40_000));
}

describe("createTiktokenEstimator", () => {
  const cl100k = createTiktokenEstimator();
  const o200k = createTiktokenEstimator({ encoding: "o200k_base" });
  afterAll(() => [cl100k, o200k].forEach((e) => e.dispose()));

  it("counts with the chosen encoding", () => {
    expect(cl100k.kind).toBe("tiktoken");
    expect(cl100k.encoding).toBe("cl100k_base");
    expect(cl100k.fallback).toBeUndefined();
    expect(cl100k.count("hello world")).toBe(2);
    expect(o200k.count("hello world")).toBe(2);
    expect(cl100k.count("")).toBe(0);
  });

  it("counts special-token strings as ordinary text, as the real encoder does with them disallowed-nothing", () => {
    const text = "end <|endoftext|> and <|fim_prefix|> and <|im_start|>";
    expect(cl100k.count(text)).toBe(realTokens(text));
    expect(o200k.count(text)).toBe(realTokens(text, "o200k_base"));
  });

  it("remembers counts by content: a repeated text is not encoded again", () => {
    let encodes = 0;
    const counting = (encoding: string) => {
      expect(encoding).toBe("cl100k_base");
      return { encode_ordinary: (text: string) => (encodes++, new Uint32Array(text.length)), free() {} };
    };
    const memo = createTiktokenEstimator({ loadEncoding: counting });
    const text = "The same segment again. ".repeat(50);
    expect(memo.count(text)).toBe(text.length);
    expect(memo.count(`${text}`)).toBe(text.length);
    expect(memo.count(text.slice(0))).toBe(text.length);
    expect(encodes).toBe(1);
    memo.count(`${text}!`);
    expect(encodes).toBe(2);
    const off = createTiktokenEstimator({ loadEncoding: counting, memoSize: 0 });
    off.count(text);
    off.count(text);
    expect(encodes).toBe(4);
  });

  it("shares one encoder per encoding and frees it with the last user", () => {
    let loads = 0;
    let frees = 0;
    const fake = () => {
      loads++;
      return { encode_ordinary: (text: string) => new Uint32Array(text.length), free: () => void frees++ };
    };
    const a = createTiktokenEstimator({ loadEncoding: fake, memoSize: 0 });
    expect(a.count("abc")).toBe(3);
    a.dispose();
    a.dispose();
    expect(frees).toBe(1);
    expect(() => a.count("abc")).toThrow(/after dispose/);
    expect(loads).toBe(1);

    const b = createTiktokenEstimator();
    const c = createTiktokenEstimator();
    b.dispose();
    expect(c.count("hello world")).toBe(2); // still alive: c holds the shared encoder
    c.dispose();
    const d = createTiktokenEstimator();
    expect(d.count("hello world")).toBe(2); // a fresh encoder after the last one was freed
    d.dispose();
  });

  it("falls back to the heuristic loudly when WASM cannot load: kind, fallback reason and a process warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const broken = createTiktokenEstimator({
        encoding: "o200k_base",
        loadEncoding: () => {
          throw new Error("WebAssembly unavailable");
        },
      });
      expect(broken.kind).toBe("heuristic");
      expect(broken.fallback).toEqual({ encoding: "o200k_base", reason: expect.stringContaining("WebAssembly unavailable") });
      const code = "export const tokens = estimator.count(text);\n".repeat(30);
      expect(broken.count(code)).toBeGreaterThanOrEqual(realTokens(code, "o200k_base"));
      expect(() => broken.dispose()).not.toThrow();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain("HYBRID_CONTEXT_TOKENIZER_FALLBACK");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("rejects an unknown encoding and a negative memo bound", () => {
    expect(() => createTiktokenEstimator({ encoding: "p50k_base" as "cl100k_base" })).toThrow(/encoding/);
    expect(() => createTiktokenEstimator({ memoBytes: -1 })).toThrow(/memoBytes/);
  });
});

describe("exact counts on the whole text (issue 10, item 7: o200k was not exact)", () => {
  const chunked = { cl100k_base: createTiktokenEstimator(), o200k_base: createTiktokenEstimator({ encoding: "o200k_base" }) };
  afterAll(() => Object.values(chunked).forEach((e) => e.dispose()));

  it("equals gpt-tokenizer on long real source files in both encodings", () => {
    for (const text of sourceFiles()) {
      for (const encoding of ["cl100k_base", "o200k_base"] as const) {
        expect(chunked[encoding].count(text), encoding).toBe(realTokens(text, encoding));
      }
    }
  });

  it("never cuts where o200k continues a piece: punctuation, a newline, then a slash", () => {
    const block = "x".repeat(4090);
    const text = `${block}\`\`\`\n//c and more\n${block}`;
    const pieces: string[] = [];
    chunkedCount(text, (chunk) => (pieces.push(chunk), 0));
    expect(pieces.every((p) => !p.startsWith("/"))).toBe(true);
    expect(chunked.o200k_base.count(text)).toBe(realTokens(text, "o200k_base"));
  });

  it("equals gpt-tokenizer on long mixes of prose, code, newlines and slashes (property)", () => {
    const piece = fc.oneof(
      fc.lorem({ maxCount: 30, mode: "sentences" }),
      fc.constantFrom("\n", "\n\n", " \n", "\r\n", "\n  indented", "'s", "123456", "```", "## H", "é", "🙂", "\t", "\n/", "\n//", ".\n/", "*/\n/", "\n#"),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 200, maxLength: 600 }), (parts) => {
        const text = parts.join(parts.length % 2 ? "\n" : "");
        expect(chunked.cl100k_base.count(text)).toBe(realTokens(text, "cl100k_base"));
        expect(chunked.o200k_base.count(text)).toBe(realTokens(text, "o200k_base"));
      }),
      { numRuns: 25, seed: 777 },
    );
  });
});
