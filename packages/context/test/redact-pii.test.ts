import { describe, expect, it } from "vitest";
import { redact, redactSecrets } from "../src/index.js";
import { toOriginal, type Ranked } from "../src/redact/engine.js";

const kinds = (text: string) => redactSecrets(text).findings.map((f) => f.kind);

describe("emails", () => {
  it.each([
    ["write to jane.roe@acme-corp.io today", "write to [REDACTED:email] today"],
    ["mailto:ops@acme.io", "mailto:[REDACTED:email]"],
    ["<First.Last+tag@sub.acme.co.uk>", "<[REDACTED:email]>"],
  ])("redacts %s", (text, out) => expect(redact(text)).toBe(out));

  it.each([
    "git clone git@github.com:acme/agents.git",
    "deploy@server.acme.io:/var/www",
    "![x](img/logo@2x.png) and icon@3x.webp",
    "docs use jane@example.com, bob@test.example, a@b.invalid",
    "npm i @types/node@20.11.0 and pkg@^1.2.3",
    "https://user:pw@host@evil is not an email after a colon",
    "x@y has no dot; a@b.c1 has a numeric tld",
    `${"a".repeat(65)}@acme.io is longer than a local part may be`,
  ])("leaves %s", (text) => expect(kinds(text).filter((k) => k === "email")).toEqual([]));
});

describe("phone numbers", () => {
  it.each([
    ["call me at 415-555-2671.", "call me at [REDACTED:phone]."],
    ["+14155552671", "[REDACTED:phone]"],
    ["office: +44 20 7946 0958", "office: [REDACTED:phone]"],
    ["(212) 555-0188 or 415.555.2671", "[REDACTED:phone] or [REDACTED:phone]"],
    ["tel 4155552671", "tel [REDACTED:phone]"],
    ["call 415 555 2671 212 555 0188", "call [REDACTED:phone] [REDACTED:phone]"],
  ])("redacts %s", (text, out) => expect(redact(text)).toBe(out));

  it.each([
    "buffer sizes 512 256 1024",
    "released 2022-10-13 09:52:31",
    "host 192.168.1.100, version 1.13.16",
    "epoch 1640995200123 and id 4155552671",
    "order 415-555-2671-2 in a path",
    "+1 234 567 890 is not a valid number",
    "1 1 1 1 1 1 1 1 1 1 1 1",
    "if (x < -2147483648 || x > 2147483647) return INVALID;",
  ])("leaves %s", (text) => expect(kinds(text).filter((k) => k === "phone")).toEqual([]));
});

describe("SSNs, IBANs and cards", () => {
  it("redacts valid SSNs, with dashes anywhere and with spaces after a label", () => {
    expect(redact("SSN 536-22-8130")).toBe("SSN [REDACTED:us-ssn]");
    expect(redact("social security number: 536 22 8130")).toBe("social security number: [REDACTED:us-ssn]");
    expect(redact("ssn=536228130")).toBe("ssn=[REDACTED:us-ssn]");
  });

  it.each(["000-12-3456", "666-12-3456", "912-12-3456", "536-00-8130", "536-22-0000", "x-536-22-8130"])("leaves the invalid SSN %s", (ssn) => {
    expect(kinds(`id ${ssn}`)).not.toContain("us-ssn");
  });

  it("redacts IBANs with a valid checksum only", () => {
    expect(redact("IBAN GB82 WEST 1234 5698 7654 32.")).toBe("IBAN [REDACTED:iban].");
    expect(redact("IBAN DE89370400440532013000")).toBe("IBAN [REDACTED:iban]");
    expect(kinds("IBAN GB83 WEST 1234 5698 7654 32")).toEqual([]);
  });

  it("redacts Luhn-valid card numbers of real issuers only", () => {
    expect(redact("card 4111-1111-1111-1111")).toBe("card [REDACTED:credit-card]");
    expect(kinds("card 4111 1111 1111 1112")).toEqual([]);
    expect(kinds("card 9111 1111 1111 1111")).toEqual([]);
  });
});

describe("mapping findings in redacted output back to the original", () => {
  // original: "ab" + SECRET(2..8) + "cd…" → output "ab[REDACTED:k]cd…"; the marker is 2..14.
  const findings = [{ kind: "k", start: 2, end: 8 }];
  const span = (start: number, end: number): Ranked => ({ kind: "x", start, end, rank: 0 });

  it("shifts spans after a marker and maps a marker edge to its secret's edge", () => {
    expect(toOriginal([span(14, 16)], findings)).toEqual([span(8, 10)]);
    expect(toOriginal([span(0, 2)], findings)).toEqual([span(0, 2)]);
    expect(toOriginal([span(0, 14)], findings)).toEqual([span(0, 8)]);
    expect(toOriginal([span(2, 16)], findings)).toEqual([span(2, 10)]);
    expect(toOriginal([span(5, 15)], findings)).toEqual([span(2, 9)]);
    expect(toOriginal([span(0, 1), span(15, 16)], findings)).toEqual([span(0, 1), span(9, 10)]);
  });

  it("redacts what a marker uncovers: a `+` glued to a token starts a phone number afterwards", () => {
    const token = `ghp_${"aB3".repeat(12)}`;
    const text = `${token}+1 646 291 8058`;
    const result = redactSecrets(text);
    expect(result.text).toBe("[REDACTED:github-token][REDACTED:phone]");
    expect(result.findings).toEqual([
      { kind: "github-token", start: 0, end: token.length },
      { kind: "phone", start: token.length, end: text.length },
    ]);
    expect(redact(result.text)).toBe(result.text);
  });

  it("redacts other occurrences of a found secret where nothing marks them", () => {
    const key = `0x${"a1b2c3d4".repeat(8)}`;
    expect(redact(`privateKey = "${key}"\nnew Wallet("${key}")`)).toBe(`privateKey = "[REDACTED:hex-private-key]"\nnew Wallet("[REDACTED:hex-private-key]")`);
  });
});
