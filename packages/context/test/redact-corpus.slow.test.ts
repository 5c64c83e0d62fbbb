// The full false-positive corpus (~21 MB of real source) and 1 MB adversarial inputs.
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/index.js";
import { adversarialInputs, cpuMs } from "./adversarial-corpus.js";
import { seeded } from "./secret-corpus.js";
import { fullSources, readSource } from "./source-corpus.js";

const PII = new Set(["email", "phone", "credit-card", "us-ssn", "iban"]);

describe("redaction on the full source corpus", () => {
  for (const { name, files } of fullSources()) {
    it(`finds no secret and no PII in ${name}`, () => {
      let chars = 0;
      const found: string[] = [];
      for (const file of files) {
        const text = readSource(file);
        chars += text.length;
        for (const f of redactSecrets(text).findings) found.push(`${PII.has(f.kind) ? "pii" : "secret"} ${f.kind}: ${JSON.stringify(text.slice(f.start - 30, f.end + 10))}`);
      }
      expect(chars).toBeGreaterThan(250_000);
      expect(found).toEqual([]);
    });
  }
});

describe("redaction on 1 MB adversarial inputs", () => {
  const small = adversarialInputs(100_000, seeded(43));
  const large = adversarialInputs(1_000_000, seeded(43));

  it.each(large.map((input) => [input.name, input] as const))("redacts 1 MB of %s in under 20 s", (_, { text }) => {
    expect(cpuMs(() => redactSecrets(text))).toBeLessThan(20_000);
  });

  it("takes about ten times as long for ten times the input, not a hundred", () => {
    const time = (inputs: typeof small) => inputs.reduce((sum, { text }) => sum + cpuMs(() => redactSecrets(text)), 0);
    time(small);
    const ratio = time(large) / time(small);
    expect(ratio).toBeLessThan(30);
  });
});
