import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  composeContext,
  composeFullContext,
  createHeuristicEstimator,
  createTiktokenEstimator,
  isBudgetExceededError,
  isContextOptionsError,
  redact,
  type BudgetExceededError,
  type ContextEvent,
  type ContextSegment,
} from "../src/index.js";
import { checkComposition, checkProvenanceBlock, seg, segmentsArb, thrown, words } from "./compose-checks.js";
import { realTokens } from "./oracle.js";

const estimator = createTiktokenEstimator();
const o200k = createTiktokenEstimator({ encoding: "o200k_base" });
afterAll(() => [estimator, o200k].forEach((e) => e.dispose()));

describe("composeContext", () => {
  it("puts pinned segments first, verbatim, and orders the rest by tier weight, priority and recency", () => {
    const result = composeContext(
      [
        seg("l3", "cold doc", { tier: "L3", priority: 100 }),
        seg("old", "older handoff", { createdAt: "2025-01-01T00:00:00Z" }),
        // Later as an instant (01:30Z) although its text sorts first: offsets are compared as times.
        seg("new", "newer handoff", { createdAt: "2025-01-01T02:30:00+01:00" }),
        seg("hi", "important handoff", { priority: 5 }),
        seg("acc", "Acceptance: ship it", { tier: "L1", pinned: true }),
        seg("scope", "Scope: x", { tier: "L1", priority: 1 }),
      ],
      { estimator },
    );
    expect(result.included).toEqual(["acc", "scope", "hi", "new", "old", "l3"]);
    expect(result.truncated).toEqual([]);
    expect(result.pruned).toEqual([]);
    const body = result.prompt.slice(result.prompt.indexOf("## [L1]"));
    expect(body.indexOf("Acceptance: ship it")).toBeLessThan(body.indexOf("Scope: x"));
    expect(body.indexOf("newer handoff")).toBeLessThan(body.indexOf("older handoff"));
    expect(result.prompt.startsWith("# Context provenance (budget 20000 tokens; 6 segments: 6 included, 0 truncated, 0 pruned)\n")).toBe(true);
    expect(result.tokens).toBe(realTokens(result.prompt));
    expect(result.pinnedTokens).toBe(realTokens("## [L1] acc\nAcceptance: ship it"));
  });

  it("truncates the last segment that partly fits with an explicit marker and summarises what it pruned", () => {
    const segments = [
      seg("a", words(400, "alpha"), { priority: 3 }),
      seg("b", words(400, "beta"), { priority: 2 }),
      seg("c", words(400, "gamma"), { priority: 1 }),
    ];
    const result = composeContext(segments, { hardCap: 1600, estimator });
    expect(result.included).toEqual(["a"]);
    expect(result.truncated).toEqual(["b"]);
    expect(result.pruned).toEqual(["c"]);
    expect(realTokens(result.prompt)).toBeLessThanOrEqual(1600);
    const kept = result.prompt.slice(result.prompt.indexOf("## [L2] b\n"));
    // Cut at a line or sentence boundary: the text before the marker ends a sentence.
    expect(kept).toMatch(/\.\n\[… \d+ tokens truncated\]$/);
    const b = result.provenance.find((p) => p.id === "b")!;
    const c = result.provenance.find((p) => p.id === "c")!;
    expect(b).toMatchObject({ status: "truncated", tier: "L2", source: "node:b" });
    expect(b.keptTokens).toBeLessThan(b.tokens);
    expect(result.prompt).toContain(`- [L2] node:b (b): ${b.tokens} tokens, truncated to ${b.keptTokens} tokens`);
    expect(result.prompt).toContain(`Pruned 1 segment: L2 1 (${c.tokens} tokens)`);
    expect(result.prompt).toContain(`- [L2] node:c: 1 segment pruned (${c.tokens} tokens)`);
    expect(result.prompt).not.toContain("gamma1 ");
  });

  it("cuts at a word boundary when there is no line or sentence boundary, and at a character in a blob", () => {
    const prose = Array.from({ length: 600 }, (_, i) => `word${i}`).join(" ");
    const result = composeContext([seg("p", prose)], { hardCap: 300, estimator });
    expect(result.truncated).toEqual(["p"]);
    expect(result.prompt).toMatch(/word\d+\n\[… \d+ tokens truncated\]/);
    const blob = "x9Qz".repeat(3000);
    const cut = composeContext([seg("blob", blob)], { hardCap: 300, estimator });
    expect(cut.truncated).toEqual(["blob"]);
    expect(realTokens(cut.prompt)).toBeLessThanOrEqual(300);
  });

  it("prunes instead of truncating when too little would remain", () => {
    const result = composeContext([seg("big", words(2000, "w"))], { hardCap: 120, estimator, policy: { minTruncatedTokens: 100 } });
    expect(result.pruned).toEqual(["big"]);
    expect(result.prompt).toMatch(/^# Context provenance \(budget 120 tokens; 1 segment: 0 included, 0 truncated, 1 pruned\)\nPruned 1 segment: L2 1 \(\d+ tokens\)/);
  });

  it("throws BudgetExceededError naming each pinned segment with the tokens it costs, only when pinned text alone does not fit", () => {
    const segments = [
      seg("acc", words(300, "must"), { tier: "L1", pinned: true }),
      seg("blk", words(200, "blocked"), { tier: "L1", pinned: true }),
      // 600 unpinned segments: they degrade, they are not blamed.
      ...Array.from({ length: 600 }, (_, i) => seg(`h${i}`, words(30, `h${i}x`))),
    ];
    const pinnedText = `## [L1] acc\n${segments[0]!.text}\n\n## [L1] blk\n${segments[1]!.text}`;
    const e = thrown(() => composeContext(segments, { hardCap: 400, estimator })) as BudgetExceededError;
    expect(isBudgetExceededError(e)).toBe(true);
    expect(e.code).toBe("budget-exceeded");
    expect(e.budget).toBe(400);
    expect(e.required).toBe(realTokens(pinnedText));
    expect(e.pinned).toEqual([
      { id: "acc", source: "node:acc", tokens: realTokens(`## [L1] acc\n${segments[0]!.text}`) },
      { id: "blk", source: "node:blk", tokens: realTokens(`## [L1] blk\n${segments[1]!.text}`) },
    ]);
    expect(e.message).toBe(
      `[context] pinned segments need ${e.required} tokens but the budget is 400: acc (node:acc, ${e.pinned[0]!.tokens} tokens), blk (node:blk, ${e.pinned[1]!.tokens} tokens)`,
    );
    // The same pinned text fits a budget its blocks fit, with the 600 others around it.
    const fits = composeContext(segments, { hardCap: e.required, estimator });
    expect(fits.included.slice(0, 2)).toEqual(["acc", "blk"]);
    expect(realTokens(fits.prompt)).toBeLessThanOrEqual(e.required);
  });

  it("applies the cap to hardCap - reserve and rejects a reserve that leaves nothing", () => {
    const result = composeContext([seg("a", words(500, "a"))], { hardCap: 500, reserve: 200, estimator });
    expect(result.budget).toBe(300);
    expect(realTokens(result.prompt)).toBeLessThanOrEqual(300);
    const error = thrown(() => composeContext([], { hardCap: 100, reserve: 100, estimator }));
    expect(isContextOptionsError(error)).toBe(true);
    expect((error as { problems: unknown }).problems).toEqual([{ path: "reserve", message: "reserve (100) must be below hardCap (100)" }]);
  });

  it("rejects duplicate ids and malformed segments with paths", () => {
    const error = thrown(() => composeContext([seg("a", "x"), seg("a", "y")], { estimator }));
    expect(isContextOptionsError(error)).toBe(true);
    expect((error as { problems: unknown }).problems).toEqual([{ path: "[1].id", message: 'duplicate segment id "a"' }]);
    expect(() => composeContext([{ ...seg("a", "x"), tier: "L4" as "L1" }], { estimator })).toThrow(/\[0\]\.tier/);
    expect(() => composeContext([seg("a", "x", { createdAt: "2025-01-01 10:00" })], { estimator })).toThrow(/\[0\]\.createdAt/);
  });

  it("is deterministic: the same segments in any order give the same prompt", () => {
    const segments = Array.from({ length: 30 }, (_, i) =>
      seg(`s${i}`, words(50 + i * 7, `t${i}`), { priority: i % 4, tier: (["L1", "L2", "L3"] as const)[i % 3] }),
    );
    const a = composeContext(segments, { hardCap: 2500, estimator });
    const b = composeContext([...segments].reverse(), { hardCap: 2500, estimator });
    expect(b.prompt).toBe(a.prompt);
    expect(b.provenance).toEqual(a.provenance);
  });
});

describe("composeContext redaction", () => {
  const token = ["ghp", "_", "x7Kq2Lm9Vd4Rt8Wn3Yb6Hc1Pz5Jf0Ga2Se7Uo4"].join("");
  const email = `${"dev"}.${"ops"}@${"corp"}.example-mail.io`;

  it("redacts text, ids and sources before counting, everywhere they appear, and reports findings by field", () => {
    const segments = [
      seg(`doc:${token}`, `contact ${email}`, { pinned: true, source: `https://example.com/a?access_token=${token}` }),
      seg("b", `cc ${email}`),
    ];
    const result = composeContext(segments, { estimator });
    for (const text of [result.prompt, JSON.stringify(result.provenance), result.included.join(" ")]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(email);
    }
    expect(result.findingsByKind.email).toBe(2);
    expect(result.findings.filter((f) => f.field === "id")).toHaveLength(1);
    expect(result.findings.filter((f) => f.field === "source").length).toBeGreaterThan(0);
    const error = thrown(() => composeContext(segments, { hardCap: 5, estimator })) as BudgetExceededError;
    expect(isBudgetExceededError(error)).toBe(true);
    expect(JSON.stringify({ message: error.message, pinned: error.pinned })).not.toContain(token);
    const raw = composeContext([seg("a", `contact ${email}`)], { estimator, policy: { redact: false } });
    expect(raw.prompt).toContain(email);
  });

  it("takes a (text) => string redactor, and rejects redactSecrets at the option boundary with a clear message", async () => {
    const custom = composeContext([seg("a", "the codename is bluebird")], { estimator, policy: { redact: (t) => t.replaceAll("bluebird", "[X]") } });
    expect(custom.prompt).toContain("the codename is [X]");
    expect(custom.findings).toEqual([]);
    const { redactSecrets } = await import("../src/index.js");
    const error = thrown(() => composeContext([], { estimator, policy: { redact: redactSecrets as unknown as (t: string) => string } }));
    expect(isContextOptionsError(error)).toBe(true);
    expect((error as { problems: { path: string; message: string }[] }).problems).toEqual([
      { path: "policy.redact", message: expect.stringContaining("pass redact instead") },
    ]);
    const wrapped = thrown(() => composeContext([], { estimator, policy: { redact: ((t: string) => redactSecrets(t)) as unknown as (t: string) => string } }));
    expect((wrapped as Error).message).toMatch(/policy\.redact: .*pass redact instead/);
  });

  it("uses the findings of a redactor that carries its own redactSecrets", async () => {
    const { createRedactor } = await import("../src/index.js");
    const result = composeContext([seg("a", `mail ${email}`)], { estimator, policy: { redact: createRedactor() } });
    expect(result.prompt).not.toContain(email);
    expect(result.findingsByKind).toEqual({ email: 1 });
  });
});

describe("composeContext properties (cap checked with gpt-tokenizer, not our estimator)", () => {
  const heuristic = createHeuristicEstimator();
  it("random segments under random caps, with cl100k, o200k and the heuristic fallback", () => {
    fc.assert(
      fc.property(
        segmentsArb,
        fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 150, max: 6000 })),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom("cl100k_base" as const, "o200k_base" as const, undefined),
        (segments, cap, reserve, encoding) => {
          const hardCap = cap + reserve;
          const used = encoding === undefined ? heuristic : encoding === "o200k_base" ? o200k : estimator;
          checkComposition(segments, { hardCap, reserve, estimator: used }, encoding);
        },
      ),
      { numRuns: 50, seed: 1010 },
    );
  });

  it("keeps pinned segments, provenance and the cap in every order of the same input", () => {
    fc.assert(
      fc.property(segmentsArb, fc.integer({ min: 100, max: 4000 }), (segments, hardCap) => {
        const a = checkComposition(segments, { hardCap, estimator }, "cl100k_base");
        const b = checkComposition([...segments].reverse(), { hardCap, estimator }, "cl100k_base");
        expect(b?.prompt).toBe(a?.prompt);
      }),
      { numRuns: 40, seed: 2020 },
    );
  });
});

describe("composeFullContext", () => {
  it("sends every segment whole, by tier, with no cap, redacted", () => {
    const segments = [seg("d", words(3000, "doc"), { tier: "L3" }), seg("h", words(3000, "handoff")), seg("w", "work item", { tier: "L1", pinned: true })];
    const full = composeFullContext(segments, { estimator });
    expect(full.prompt.indexOf("work item")).toBeLessThan(full.prompt.indexOf("handoff0"));
    expect(full.prompt.indexOf("handoff0")).toBeLessThan(full.prompt.indexOf("doc0"));
    expect(full.tokens).toBe(realTokens(full.prompt));
    expect(full.tokens).toBeGreaterThan(composeContext(segments, { hardCap: 2000, estimator }).tokens);
    expect(composeFullContext(segments).tokens).toBe(full.tokens);
    const email = `${"a"}lice@${"b"}ob.org`;
    expect(composeFullContext([seg("x", email)], { estimator, redact: false }).prompt).toContain(email);
    expect(composeFullContext([seg(`x ${email}`, email)], { estimator }).prompt).toBe(`## [L2] x ${redact(email)}\n${redact(email)}`);
  });
});
