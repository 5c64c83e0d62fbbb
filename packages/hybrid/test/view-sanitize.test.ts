import { describe, expect, it } from "vitest";
import { displayWidth, ELLIPSIS, fit, sanitize } from "../src/cli/view/sanitize.js";
import { formatDuration, formatElapsed, formatTokens, plural } from "../src/cli/view/format.js";
import { HOSTILE } from "./fixtures/view/events.js";

// Nothing a terminal would act on: C0, DEL, C1, bidi overrides, line separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe("sanitize", () => {
  it("drops every escape sequence and control character and keeps the words", () => {
    expect(sanitize(HOSTILE, 500)).toBe("red title dcs C1 evil next line end");
  });

  it("swallows an unterminated string escape (as a terminal would) and a lone ESC", () => {
    expect(sanitize("ok \u001b]8;;http://evil", 100)).toBe("ok");
    expect(sanitize("a\u001b", 100)).toBe("a");
    expect(sanitize("a\u001b[12;3", 100)).toBe("a");
    expect(sanitize("a\u001b[1\u0007b", 100)).toBe("ab");
    expect(sanitize("a\u001b(Bb", 100)).toBe("aBb");
  });

  it("bounds the text to max code points, an ellipsis marking the cut", () => {
    expect(sanitize("x".repeat(1_000_000), 10)).toBe(`${"x".repeat(9)}${ELLIPSIS}`);
    expect(sanitize("exactly10!", 10)).toBe("exactly10!");
    expect(sanitize("ab cd ef", 4)).toBe(`ab${ELLIPSIS}`);
    expect(sanitize("abc def", 4)).toBe(`abc${ELLIPSIS}`);
    expect(sanitize("anything", 0)).toBe("");
    expect(sanitize("😀😀😀😀", 3)).toBe(`😀😀${ELLIPSIS}`);
  });

  it("reads non-strings safely and collapses whitespace", () => {
    expect(sanitize(undefined, 10)).toBe("");
    expect(sanitize(null, 10)).toBe("");
    expect(sanitize(42, 10)).toBe("42");
    expect(sanitize("  a \n\n\t b  ", 10)).toBe("a b");
    // Our own laid-out text keeps its indentation and runs of spaces, still without escapes.
    expect(sanitize("  hybrid resume \u001b[31mx\u001b[0m  --force ", 100, true)).toBe("  hybrid resume x  --force ");
  });

  it("stays linear on pathological input (megabytes of unterminated escapes finish within the test timeout)", () => {
    const inputs = [
      "\u001b[".repeat(500_000),
      `\u001b[${"1;".repeat(1_000_000)}`,
      "\u001b]".repeat(500_000),
      `${"\u001b]0;".repeat(200_000)}x`,
      "\u009b".repeat(1_000_000),
      "\u0000 ".repeat(1_000_000),
    ];
    for (const input of inputs) {
      const out = sanitize(input, 200);
      expect(out.length).toBeLessThanOrEqual(200);
      expect(out).not.toMatch(UNSAFE);
    }
  });

  it("never lets an unsafe character through, whatever the mix", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = ["\u001b", "[", "]", "\u0007", "\\", "P", "m", "1", ";", "a", " ", "\n", "\u009b", "\u009d", "\u202e", "é", "😀", "\u0000"];
    for (let round = 0; round < 500; round++) {
      const input = Array.from({ length: next() % 60 }, () => alphabet[next() % alphabet.length]).join("");
      const out = sanitize(input, 40);
      expect(out).not.toMatch(UNSAFE);
      expect(Array.from(out).length).toBeLessThanOrEqual(40);
    }
  });
});

describe("fit and displayWidth", () => {
  it("cuts to the terminal's columns, counting wide characters twice and marks as nothing", () => {
    expect(fit("hello world", 20)).toBe("hello world");
    expect(fit("hello world", 8)).toBe(`hello w${ELLIPSIS}`);
    expect(displayWidth("日本語")).toBe(6);
    expect(fit("日本語です", 6)).toBe(`日本${ELLIPSIS}`);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("a\u0483b")).toBe(2);
    expect(displayWidth("👍🏽")).toBe(4);
    expect(fit("cafe\u0301 ok", 7)).toBe("cafe\u0301 ok");
    expect(fit("cafe\u0301 ok", 6)).toBe(`cafe\u0301 ${ELLIPSIS}`);
    expect(fit("anything", 0)).toBe("");
    for (const columns of [1, 2, 5, 13]) {
      expect(displayWidth(fit("日本語 and ascii 😀 mixed", columns))).toBeLessThanOrEqual(columns);
    }
  });
});

describe("format", () => {
  it("keeps durations and token counts short", () => {
    expect(formatDuration(-5)).toBe("0.0s");
    expect(formatDuration(Number.NaN)).toBe("0.0s");
    expect(formatDuration(1234)).toBe("1.2s");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe("2h 03m");
    expect(formatElapsed(42.4)).toBe("42ms");
    expect(formatElapsed(4200)).toBe("4.2s");
    expect(formatTokens(950)).toBe("950");
    expect(formatTokens(12_345)).toBe("12.3k");
    expect(formatTokens(4_500_000)).toBe("4.5M");
    expect(plural(1, "node")).toBe("1 node");
    expect(plural(2, "wave")).toBe("2 waves");
  });
});
