// Redaction runs synchronously inside composeContext on text anyone can write into an issue, so it
// must stay linear on hostile input. The bound is generous on purpose (the machine is shared):
// it catches a quadratic rule, which needs seconds for what takes milliseconds here, not noise.
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/index.js";
import { adversarialInputs, cpuMs } from "./adversarial-corpus.js";
import { seeded } from "./secret-corpus.js";

describe("redaction on adversarial input", () => {
  const inputs = adversarialInputs(100_000, seeded(41));

  it("has at least 20 inputs of 100 KB", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(20);
    for (const { text } of inputs) expect(text.length).toBe(100_000);
  });

  it.each(inputs.map((input) => [input.name, input] as const))("redacts 100 KB of %s in under 2 s", (_, { text }) => {
    let findings = -1;
    const ms = cpuMs(() => {
      findings = redactSecrets(text).findings.length;
    });
    expect(findings).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(2000);
  });

  it("handles the issue's reproductions (1.6 s, 34 s and 132 s before) in milliseconds", () => {
    for (const size of [1000, 2000, 4000]) {
      const ms = cpuMs(() => redactSecrets("token.".repeat(size)));
      expect(ms).toBeLessThan(500);
    }
    const dotted = Array.from({ length: 700 }, (_, i) => `app.service${i}.token.secret.timeout`).join(", ");
    expect(dotted.length).toBeGreaterThan(14_000);
    expect(cpuMs(() => redactSecrets(dotted))).toBeLessThan(500);
  });

  it("still finds a secret placed after 100 KB of adversarial text", () => {
    const tail = `\nAWS key AKIA${"Z".repeat(16)} end`;
    for (const { text } of inputs.slice(0, 6)) {
      const result = redactSecrets(text + tail);
      expect(result.text.endsWith("\nAWS key [REDACTED:aws-access-key-id] end")).toBe(true);
    }
  });
});
