import { describe, expect, it } from "vitest";
import { checkedRedact, isInvalidRedactorError, seededRandom } from "@hybrid/resilience";

const take = (random: () => number, n: number): number[] => Array.from({ length: n }, () => random());

describe("seededRandom", () => {
  it("gives the same stream for the same parts, and another stream for other parts", () => {
    const first = take(seededRandom(42, "build-api", 3), 20);
    expect(take(seededRandom(42, "build-api", 3), 20)).toEqual(first);
    for (const other of [seededRandom(43, "build-api", 3), seededRandom(42, "build-ap", 3), seededRandom(42, "build-api", 4), seededRandom(42, "build-api", "3")]) {
      expect(take(other, 20)).not.toEqual(first);
    }
    // Parts are kept apart: ("ab", "c") is not ("a", "bc").
    expect(take(seededRandom("ab", "c"), 5)).not.toEqual(take(seededRandom("a", "bc"), 5));
  });

  it("draws uniform numbers in [0, 1)", () => {
    const values = take(seededRandom(7), 20_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const deciles = new Array<number>(10).fill(0);
    for (const value of values) deciles[Math.floor(value * 10)]! += 1;
    for (const count of deciles) expect(count).toBeGreaterThan(1_800);
  });

  it("is pinned: the first values of a known seed do not change between versions (replayed delays depend on it)", () => {
    expect(take(seededRandom(42, "build-api", 3), 3).map((value) => value.toFixed(12))).toMatchInlineSnapshot(`
      [
        "0.477366376250",
        "0.937265595806",
        "0.083505575620",
      ]
    `);
  });
});

describe("checkedRedact", () => {
  it("passes strings through the redactor", () => {
    const redact = checkedRedact((text: string) => text.replaceAll("secret", "[x]"), "test redact");
    expect(redact("a secret b")).toBe("a [x] b");
  });

  it.each([
    [undefined, /expected a \(text\) => string function, got undefined/],
    [null, /got null/],
    [{ redact: true }, /got object/],
  ])("refuses %j with InvalidRedactorError", (value, message) => {
    let error: unknown;
    try {
      checkedRedact(value, "my option");
    } catch (caught) {
      error = caught;
    }
    expect(isInvalidRedactorError(error)).toBe(true);
    expect(error).toMatchObject({ code: "invalid-redactor", where: "my option" });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^\[resilience\] invalid my option: /);
  });

  it.each([
    [{ text: "x", findings: [] }, "an object"],
    [null, "null"],
    [undefined, "undefined"],
    [7, "number"],
  ])("fails loudly where the option is given when the redactor returns %j", (result, got) => {
    expect(() => checkedRedact(() => result, "store redact")).toThrow(
      `[resilience] invalid store redact: it returned ${got}, not a string (pass \`redact\`, not \`redactSecrets\`)`,
    );
  });

  it("fails loudly on use when the redactor returns a non-string only for some texts", () => {
    const redact = checkedRedact((text: string) => (text.includes("token") ? ({ text } as unknown as string) : text), "store redact");
    expect(redact("plain")).toBe("plain");
    expect(() => redact("a token")).toThrow(/it returned an object, not a string/);
  });
});
