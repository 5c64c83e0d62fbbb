// False positives on real source code: redaction must leave ordinary code and identifiers alone.
// The full corpus (TypeScript's compiler, zod, yaml: ~21 MB) is in
// redact-corpus.slow.test.ts; this suite scans this repository and TypeScript's lib.*.d.ts.
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/index.js";
import { quickSources, readSource } from "./source-corpus.js";

const PII = new Set(["email", "phone", "credit-card", "us-ssn", "iban"]);

function scan(files: readonly string[]) {
  let chars = 0;
  const secrets: string[] = [];
  const pii: string[] = [];
  for (const file of files) {
    const text = readSource(file);
    chars += text.length;
    for (const f of redactSecrets(text).findings) {
      const where = `${f.kind} in ${file.split("/").slice(-3).join("/")}: ${JSON.stringify(text.slice(Math.max(0, f.start - 30), f.end + 10))}`;
      (PII.has(f.kind) ? pii : secrets).push(where);
    }
  }
  return { chars, secrets, pii };
}

describe("redaction on real source code", () => {
  for (const { name, files } of quickSources()) {
    it(`finds no secret and no PII in ${name}`, () => {
      const { chars, secrets, pii } = scan(files);
      expect(chars).toBeGreaterThan(500_000);
      expect(secrets).toEqual([]);
      expect(pii).toEqual([]);
    });
  }
});
