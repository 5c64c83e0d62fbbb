import { randomInt } from "node:crypto";
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTION_KINDS, countFindings, createRedactor, redact, redactSecrets } from "../src/index.js";
import { entropy, passesLuhn } from "../src/redact-rules.js";
import { generators, seeded } from "./secret-corpus.js";

async function secretlint(content: string) {
  const result = await lintSource({
    source: { filePath: "/virtual/context.md", content, ext: ".md", contentType: "text" },
    options: {
      config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] },
      noPhysicFilePath: true,
    },
  });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const seed = randomInt(2 ** 31);
const { secrets, nearMisses } = generators(seeded(seed));

describe(`redactSecrets (corpus seed ${seed})`, () => {
  it("knows at least 20 secret kinds plus PII", () => {
    const secretKinds = REDACTION_KINDS.filter((k) => !["email", "phone", "credit-card"].includes(k));
    expect(secretKinds.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(23);
    expect(Object.keys(secrets).every((kind) => REDACTION_KINDS.includes(kind))).toBe(true);
  });

  for (const kind of Object.keys(secrets)) {
    it(`redacts ${kind}`, () => {
      for (let i = 0; i < 5; i++) {
        const { text, secret } = secrets[kind]!();
        const result = redactSecrets(text);
        expect(result.findings.map((f) => f.kind), text).toEqual([kind]);
        expect(result.text).toContain(`[REDACTED:${kind}]`);
        expect(result.text).not.toContain(secret);
        const finding = result.findings[0]!;
        expect(text.slice(finding.start, finding.end)).toBe(secret);
      }
    });
  }

  it("leaves nothing secretlint can find in a redacted corpus that secretlint flags before", async () => {
    const parts = Object.values(secrets).flatMap((make) => [make().text, make().text]);
    const corpus = parts.join("\n\nSome prose between findings.\n\n");
    const before = await secretlint(corpus);
    expect(before.length).toBeGreaterThanOrEqual(15);
    const { text, findings } = redactSecrets(corpus);
    expect(findings.length).toBe(parts.length);
    expect(await secretlint(text)).toEqual([]);
  });

  it("leaves the near-miss corpus untouched", async () => {
    for (let round = 0; round < 5; round++) {
      for (const text of nearMisses()) {
        const result = redactSecrets(text);
        expect(result.findings, text).toEqual([]);
        expect(result.text).toBe(text);
      }
    }
  });

  it("redacts a secret embedded in arbitrary prose, keeping the prose", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(secrets)), fc.lorem({ maxCount: 8 }), fc.lorem({ maxCount: 8 }), (kind, a, b) => {
        const { text, secret } = secrets[kind]!();
        const result = redactSecrets(`${a}\n${text}\n${b}`);
        expect(result.text).not.toContain(secret);
        expect(result.text.startsWith(`${a}\n`)).toBe(true);
        expect(result.text.endsWith(`\n${b}`)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("is idempotent and counts findings by kind", () => {
    const a = secrets["github-token"]!();
    const b = secrets.email!();
    const text = `${a.text} ${b.text} ${secrets["github-token"]!().text}`;
    const once = redactSecrets(text);
    expect(redactSecrets(once.text)).toEqual({ text: once.text, findings: [] });
    expect(countFindings(once.findings)).toEqual({ email: 1, "github-token": 2 });
    expect(redact(text)).toBe(once.text);
    expect(createRedactor()(text)).toBe(once.text);
  });

  it("ignores low-entropy and placeholder assignments and invalid card numbers", () => {
    expect(redactSecrets("password=aaaaaaaaaa").findings).toEqual([]);
    expect(redactSecrets("secret: <your-secret-here>").findings).toEqual([]);
    expect(redactSecrets("card 4111 1111 1111 1112").findings).toEqual([]);
    expect(redactSecrets("card 9111 1111 1111 1111").findings).toEqual([]);
    const value = secrets["generic-secret"]!().secret;
    expect(redactSecrets(`api_key="${value}"`).findings.map((f) => f.kind)).toEqual(["generic-secret"]);
  });

  it("computes entropy and Luhn", () => {
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
    expect(passesLuhn("79927398713")).toBe(true);
    expect(passesLuhn("79927398710")).toBe(false);
  });
});
