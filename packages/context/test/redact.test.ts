import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTION_KINDS, createRedactor, isContextOptionsError, redact, redactSecrets } from "../src/index.js";
import { countFindings } from "../src/redact.js";
import { entropy, looksLikePassword, looksRandom, passesLuhn } from "../src/redact/classify.js";
import { keyRole } from "../src/redact/rules-generic.js";
import { contextSamples } from "./context-corpus.js";
import { generators, seeded, type Sample } from "./secret-corpus.js";

// Fixed seeds: a failure names its sample and replays exactly.
const SEED = 20_251;
const corpus = contextSamples(seeded(SEED));
const tokenSamples = generators(seeded(SEED + 1)).tokens();

/** The sample's secret is gone, one finding covers exactly it, and the rest of the text is intact. */
function expectRedacted(sample: Sample, expectedKind: string | null = sample.kind) {
  const result = redactSecrets(sample.text);
  expect(result.text, sample.text).not.toContain(sample.secret);
  expect(result.findings.map((f) => f.kind), sample.text).toHaveLength(1);
  const [finding] = result.findings;
  if (expectedKind !== null) expect(finding!.kind).toBe(expectedKind);
  expect(sample.text.slice(finding!.start, finding!.end)).toBe(sample.secret);
  const at = sample.text.indexOf(sample.secret);
  expect(result.text).toBe(`${sample.text.slice(0, at)}[REDACTED:${finding!.kind}]${sample.text.slice(at + sample.secret.length)}`);
}

describe("redactSecrets: token formats", () => {
  it.each(tokenSamples.map((s) => [s.source, s] as const))("redacts %s whole", (_, sample) => expectRedacted(sample));

  it.each(corpus.structural().map((s) => [s.source, s] as const))("redacts %s whole", (_, sample) => expectRedacted(sample));

  it.each(corpus.pii().map((s) => [s.source, s] as const))("redacts %s", (_, sample) => expectRedacted(sample));

  it.each(corpus.keyed().map((s) => [s.source, s] as const))("redacts %s under its provider's key, not as a generic secret", (_, sample) => {
    expectRedacted(sample, null);
    const [finding] = redactSecrets(sample.text).findings;
    expect(finding!.kind).not.toBe("generic-secret");
    expect(REDACTION_KINDS).toContain(finding!.kind);
  });

  it("reports every kind it can produce in REDACTION_KINDS, sorted, including the ones the issue found missing", () => {
    expect([...REDACTION_KINDS]).toEqual([...REDACTION_KINDS].sort());
    for (const sample of [...tokenSamples, ...corpus.structural(), ...corpus.pii()]) expect(REDACTION_KINDS).toContain(sample.kind);
    for (const kind of ["cloudflare-api-token", "tailscale-key", "vercel-token", "grafana-token", "1password-token", "hex-private-key", "github-token", "us-ssn", "iban", "telegram-bot-token", "mailgun-key", "age-secret-key", "google-oauth-token", "azure-sas-signature", "curl-credentials"]) {
      expect(REDACTION_KINDS).toContain(kind);
    }
  });

  it("redacts a 600-character AWS session token and a 520-character stateless ghs_ token in full", () => {
    const session = tokenSamples.find((s) => s.kind === "aws-session-token")!;
    expect(session.secret.length).toBe(600);
    expectRedacted(session);
    const ghs = tokenSamples.find((s) => s.source === "github:stateless-installation-token")!;
    expect(ghs.secret.split(".")).toHaveLength(3);
    expectRedacted(ghs);
  });

  it("redacts a PEM block of any size, and an unterminated one through the end of its body", () => {
    const huge = corpus.pem("RSA ", 2000);
    expect(huge.length).toBeGreaterThan(130_000);
    expect(redactSecrets(`a\n${huge}\nb`).text).toBe("a\n[REDACTED:private-key]\nb");
    const cut = huge.slice(0, 5000);
    expect(redactSecrets(`${cut}\n\nnext paragraph`).text).toBe("[REDACTED:private-key]\n\nnext paragraph");
    expect(redactSecrets("docs mention -----BEGIN RSA PRIVATE KEY----- headers").findings).toEqual([]);
  });
});

describe("redactSecrets: ordinary text stays", () => {
  it("leaves the near-miss corpus untouched", () => {
    for (let round = 0; round < 5; round++) {
      for (const text of contextSamples(seeded(SEED + 10 + round)).nearMisses()) {
        expect(redactSecrets(text), text).toEqual({ text, findings: [] });
      }
    }
  });

  it.each([
    ["DB_PASSWORD", "password"],
    ["apiKey", "secret"],
    ["AWS_SECRET_ACCESS_KEY", "secret"],
    ["x-api-key", "secret"],
    ["--token", "secret"],
    ["PRIVATE_KEY", "private-key"],
    ["apiKeyV2", "secret"],
    ["tokenizer", null],
    ["secretName", null],
    ["maxTokens", null],
    ["nextPageToken", null],
    ["publicKey", null],
    ["needsSecondPassForFixAll", null],
    ["GITHUB_TOKEN_FILE", null],
  ])("reads key %s as %s", (key, role) => expect(keyRole(key)).toBe(role));

  it("judges values by their shape, never by the key alone", () => {
    expect(looksRandom("o200k_base")).toBe(false);
    expect(looksRandom("estimator.count")).toBe(false);
    expect(looksRandom("VeryLongDescriptiveIdentifierName2")).toBe(false);
    expect(looksRandom("Xy7pQ2mN9vR4kL8sZt3W")).toBe(true);
    expect(looksLikePassword("hashedPassword")).toBe(false);
    expect(looksLikePassword("Tr0ub4dor&3")).toBe(true);
    expect(redactSecrets("password=aaaaaaaaaa").findings).toEqual([]);
    expect(redactSecrets("secret: <your-secret-here>").findings).toEqual([]);
    expect(redactSecrets("card 4111 1111 1111 1112").findings).toEqual([]);
  });

  it("computes entropy and Luhn", () => {
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
    expect(passesLuhn("79927398713")).toBe(true);
    expect(passesLuhn("79927398710")).toBe(false);
  });
});

// Text built from pieces that interact: secrets, markers, keywords, separators and noise.
const pieceArb = fc.oneof(
  fc.constantFrom(...tokenSamples.slice(0, 40).map((s) => s.secret), ...corpus.pii().map((s) => s.secret)),
  fc.constantFrom("[REDACTED:github-token]", "[REDACTED:email]", "[REDACTED:x]", "[REDACTED:"),
  fc.constantFrom("token=", "password: ", '"apiKey": "', "https://", "@", ":", "=", "-", ".", "\n", " ", '"', "curl -u ", "Authorization: Bearer "),
  fc.string({ unit: fc.constantFrom(..."aZ9_-.:@=+/ \n"), maxLength: 12 }),
);
const textArb = fc.array(pieceArb, { maxLength: 12 }).map((pieces) => pieces.join(""));

describe("redactSecrets: invariants", () => {
  it("is idempotent and keeps every marker of its input intact", () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const once = redact(text);
        expect(redact(once)).toBe(once);
        const markers = text.match(/\[REDACTED:[a-z0-9-]+\]/g) ?? [];
        const kept = once.match(/\[REDACTED:[a-z0-9-]+\]/g) ?? [];
        for (const marker of new Set(markers)) expect(kept.filter((m) => m === marker).length).toBeGreaterThanOrEqual(markers.filter((m) => m === marker).length);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("reports findings in order, without overlap, each replaced by its marker", () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const { text: out, findings } = redactSecrets(text);
        let rebuilt = "";
        let cursor = 0;
        for (const f of findings) {
          expect(f.start).toBeGreaterThanOrEqual(cursor);
          expect(f.end).toBeGreaterThan(f.start);
          rebuilt += `${text.slice(cursor, f.start)}[REDACTED:${f.kind}]`;
          cursor = f.end;
        }
        expect(out).toBe(rebuilt + text.slice(cursor));
      }),
      { seed: SEED + 1, numRuns: 300 },
    );
  });

  it("redacts a secret embedded in arbitrary prose, keeping the prose", () => {
    fc.assert(
      fc.property(fc.constantFrom(...tokenSamples), fc.lorem({ maxCount: 8 }), fc.lorem({ maxCount: 8 }), (sample, a, b) => {
        const result = redactSecrets(`${a}\n${sample.text}\n${b}`);
        expect(result.text).not.toContain(sample.secret);
        expect(result.text.startsWith(`${a}\n`)).toBe(true);
        expect(result.text.endsWith(`\n${b}`)).toBe(true);
      }),
      { seed: SEED + 2, numRuns: 150 },
    );
  });
});

describe("redact, createRedactor and the API around them", () => {
  const github = tokenSamples.find((s) => s.kind === "github-token")!;
  const email = corpus.pii().find((s) => s.kind === "email")!;

  it("redact is redactSecrets(text).text and counts findings by kind", () => {
    const text = `${github.text} ${email.text} ${github.text}`;
    const once = redactSecrets(text);
    expect(redact(text)).toBe(once.text);
    expect(redact.redactSecrets(text)).toEqual(once);
    expect(countFindings(once.findings)).toEqual({ email: 1, "github-token": 2 });
  });

  it("refuses a non-string loudly instead of returning garbage", () => {
    expect(() => redact(undefined as unknown as string)).toThrow(/^\[context\] redact\(text\) expects a string, got undefined$/);
    expect(() => redactSecrets({} as unknown as string)).toThrow(/redactSecrets\(text\) expects a string, got object/);
    expect(() => createRedactor()(null as unknown as string)).toThrow(/got null/);
  });

  it("brands redactors and redactSecrets so other packages can tell them apart without importing context", () => {
    const brand = (fn: unknown, name: string) => (fn as Record<symbol, unknown>)[Symbol.for(name)];
    expect(brand(redact, "hybrid.context.redactor")).toBe(true);
    expect(brand(createRedactor(), "hybrid.context.redactor")).toBe(true);
    expect(brand(redactSecrets, "hybrid.context.redactSecrets")).toBe(true);
    expect(brand(redactSecrets, "hybrid.context.redactor")).toBeUndefined();
  });

  it("createRedactor with no options behaves as redact", () => {
    const text = `${github.text}\n${email.text}`;
    expect(createRedactor()(text)).toBe(redact(text));
    expect(createRedactor().kinds).toEqual(REDACTION_KINDS.filter((k) => k !== "known-secret"));
  });

  it("never redacts an allowed literal, and still redacts everything else", () => {
    const allowed = createRedactor({ allow: [github.secret] });
    expect(allowed(`${github.text} ${email.text}`)).toBe(`${github.text} ${redact(email.text)}`);
  });

  it("always redacts known secrets, wherever and however often they occur", () => {
    const known = createRedactor({ secrets: ["hunter2-but-longer"] });
    expect(known("a hunter2-but-longer b (hunter2-but-longer)")).toBe("a [REDACTED:known-secret] b ([REDACTED:known-secret])");
    expect(known.redactSecrets("x").findings).toEqual([]);
  });

  it("turns off disabled kinds only", () => {
    const phone = corpus.pii().find((s) => s.kind === "phone")!;
    const noPhones = createRedactor({ disable: ["phone"] });
    expect(noPhones(`${phone.text} ${email.text}`)).toBe(`${phone.text} ${redact(email.text)}`);
    expect(noPhones.kinds).not.toContain("phone");
  });

  it("reads national phone numbers for the configured region", () => {
    const uk = createRedactor({ phoneCountry: "GB" });
    expect(uk("call 020 7946 0958 today")).toBe("call [REDACTED:phone] today");
    expect(redact("call 020 7946 0958 today")).toBe("call 020 7946 0958 today");
  });

  it("runs extra rules only when a keyword occurs, redacting the chosen group", () => {
    const custom = createRedactor({ rules: [{ kind: "acme-key", keywords: ["acme_"], pattern: /acme_([a-z0-9]{16})\b/, group: 1 }] });
    expect(custom("id acme_0123456789abcdef ok")).toBe("id acme_[REDACTED:acme-key] ok");
    expect(custom("nothing here")).toBe("nothing here");
  });

  it("names every invalid option with its path", () => {
    let error: unknown;
    try {
      createRedactor({ disable: ["no-such-kind"], phoneCountry: "XX", secrets: ["short"], rules: [{ kind: "Bad Kind", keywords: [], pattern: /x/ }] });
    } catch (caught) {
      error = caught;
    }
    expect(isContextOptionsError(error)).toBe(true);
    const paths = (error as { problems: { path: string }[] }).problems.map((p) => p.path).sort();
    expect(paths).toEqual(["disable[0]", "phoneCountry", "rules[0].keywords", "rules[0].kind", "secrets[0]"]);
    expect((error as Error).message).toMatch(/^\[context\] invalid redactor options:/);
  });
});
