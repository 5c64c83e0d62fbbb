// Phone numbers written in their country's usual grouping after a country code: France writes
// mobiles as `+33 6 12 34 56 78` (a single digit after the code, then pairs), the Netherlands as
// `+31 6 1234 5678`. Before, the detector took at most five chunks, a single digit only as the
// country code, and a last group of 3+, so these passed through unredacted.
import { describe, expect, it } from "vitest";
import { redact } from "../src/index.js";

describe("international numbers in national groupings", () => {
  it.each(["+33 6 12 34 56 78", "+33 1 42 68 53 00", "+31 6 1234 5678", "+32 4 70 12 34 56", "+33 6 80 70 40 34"])("redacts %s", (number) => {
    expect(redact(`portable ${number} le soir`)).toBe("portable [REDACTED:phone] le soir");
  });
  it("still leaves digits that are no phone number alone", () => {
    for (const text of ["versions 1 2 3 4 5 6", "2022-10-13 09 12", "+1 2 3 4 5 6", "sizes 512 256 1024 64 32 16"]) expect(redact(text)).toBe(text);
  });
});
