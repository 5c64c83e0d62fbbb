import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  composeContext,
  composeFullContext,
  createHeuristicEstimator,
  createTiktokenEstimator,
  isBudgetExceededError,
  isContextOptionsError,
  redactSecrets,
  type ContextSegment,
} from "../src/index.js";

const estimator = createTiktokenEstimator();
afterAll(() => estimator.dispose());

const seg = (id: string, text: string, extra: Partial<ContextSegment> = {}): ContextSegment => ({
  id,
  tier: "L2",
  source: `node:${id}`,
  text,
  priority: 0,
  pinned: false,
  ...extra,
});

const words = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `${tag}${i}${i % 12 === 11 ? ".\n" : i % 5 === 4 ? ". " : " "}`).join("");

describe("composeContext", () => {
  it("puts pinned segments first, verbatim, and orders the rest by tier weight, priority and recency", () => {
    const result = composeContext(
      [
        seg("l3", "cold doc", { tier: "L3", priority: 100 }),
        seg("old", "older handoff", { createdAt: "2025-01-01T00:00:00Z" }),
        seg("new", "newer handoff", { createdAt: "2025-02-01T00:00:00Z" }),
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
    expect(result.prompt.startsWith("# Context provenance (budget 20000 tokens, 6 segments)")).toBe(true);
    expect(result.tokens).toBe(estimator.count(result.prompt));
  });

  it("truncates the last segment that partly fits with an explicit marker and prunes the rest", () => {
    const segments = [
      seg("a", words(400, "alpha"), { priority: 3 }),
      seg("b", words(400, "beta"), { priority: 2 }),
      seg("c", words(400, "gamma"), { priority: 1 }),
    ];
    const result = composeContext(segments, { hardCap: 1600, estimator });
    expect(result.included).toEqual(["a"]);
    expect(result.truncated).toEqual(["b"]);
    expect(result.pruned).toEqual(["c"]);
    expect(result.tokens).toBeLessThanOrEqual(1600);
    expect(result.prompt).toMatch(/\[… \d+ tokens truncated\]/);
    const kept = result.prompt.slice(result.prompt.indexOf("## [L2] b\n"));
    // Cut at a line or sentence boundary: the text before the marker ends a sentence.
    expect(kept).toMatch(/\.\n\[… \d+ tokens truncated\]$/);
    const entry = result.provenance.find((p) => p.id === "b")!;
    expect(entry).toMatchObject({ status: "truncated", tier: "L2", source: "node:b" });
    expect(entry.keptTokens).toBeLessThan(entry.tokens);
    expect(result.prompt).toContain(`- [L2] node:b (b): ${entry.tokens} tokens, truncated to ${entry.keptTokens} tokens`);
    expect(result.prompt).toContain("- [L2] node:c (c):");
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
    expect(cut.tokens).toBeLessThanOrEqual(300);
  });

  it("prunes instead of truncating when too little would remain", () => {
    const result = composeContext([seg("big", words(2000, "w"))], {
      hardCap: 120,
      estimator,
      policy: { minTruncatedTokens: 100 },
    });
    expect(result.pruned).toEqual(["big"]);
    expect(result.prompt).toMatch(/\(big\): \d+ tokens, pruned/);
  });

  it("throws BudgetExceededError naming the pinned segments when they alone exceed the cap", () => {
    const segments = [
      seg("acc", words(300, "must"), { tier: "L1", pinned: true }),
      seg("blk", words(200, "blocked"), { tier: "L1", pinned: true }),
      seg("x", "small"),
    ];
    try {
      composeContext(segments, { hardCap: 400, estimator });
      expect.unreachable();
    } catch (error) {
      expect(isBudgetExceededError(error)).toBe(true);
      const e = error as import("../src/index.js").BudgetExceededError;
      expect(e.code).toBe("budget-exceeded");
      expect(e.pinned.map((p) => p.id)).toEqual(["acc", "blk"]);
      expect(e.message).toContain("acc");
      expect(e.message).toContain("blk");
      expect(e.required).toBeGreaterThan(e.budget);
    }
  });

  it("applies the cap to hardCap - reserve and rejects a reserve that leaves nothing", () => {
    const result = composeContext([seg("a", words(500, "a"))], { hardCap: 500, reserve: 200, estimator });
    expect(result.budget).toBe(300);
    expect(result.tokens).toBeLessThanOrEqual(300);
    expect(() => composeContext([], { hardCap: 100, reserve: 100, estimator })).toThrow(/reserve/);
  });

  it("rejects duplicate ids and malformed segments with paths", () => {
    try {
      composeContext([seg("a", "x"), seg("a", "y")], { estimator });
      expect.unreachable();
    } catch (error) {
      expect(isContextOptionsError(error)).toBe(true);
      expect((error as { problems: { path: string }[] }).problems[0]!.path).toBe("[1].id");
    }
    expect(() => composeContext([{ ...seg("a", "x"), tier: "L4" as "L1" }], { estimator })).toThrow(/\[0\]\.tier/);
  });

  it("redacts every segment before counting and reports findings by kind", () => {
    const email = `${"dev"}.${"ops"}@${"corp"}.example-mail.io`;
    const result = composeContext([seg("a", `contact ${email}`, { pinned: true }), seg("b", `cc ${email}`)], { estimator });
    expect(result.prompt).not.toContain(email);
    expect(result.findingsByKind).toEqual({ email: 2 });
    expect(result.findings.map((f) => f.segmentId)).toEqual(["a", "b"]);
    const raw = composeContext([seg("a", `contact ${email}`)], { estimator, policy: { redact: false } });
    expect(raw.prompt).toContain(email);
  });

  it("uses the default estimator when none is given and works with the heuristic one", () => {
    const a = composeContext([seg("a", "hello world")]);
    expect(a.tokens).toBeGreaterThan(0);
    const h = composeContext([seg("a", words(3000, "h"))], { hardCap: 1000, estimator: createHeuristicEstimator() });
    expect(createHeuristicEstimator().count(h.prompt)).toBeLessThanOrEqual(1000);
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

const segmentArb = fc.record({
  tier: fc.constantFrom("L1" as const, "L2" as const, "L3" as const),
  text: fc.oneof(
    fc.lorem({ maxCount: 400, mode: "sentences" }),
    fc.lorem({ maxCount: 60, mode: "words" }),
    fc.string({ maxLength: 300 }),
    fc.string({ unit: "grapheme", maxLength: 200 }),
  ),
  priority: fc.integer({ min: -5, max: 5 }),
  pinned: fc.boolean(),
  createdAt: fc.option(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined }),
});

describe("composeContext properties", () => {
  it("never exceeds the cap, keeps every pinned segment verbatim or throws, and lists exactly the segments", () => {
    fc.assert(
      fc.property(
        fc.array(segmentArb, { maxLength: 25 }),
        fc.integer({ min: 150, max: 6000 }),
        fc.integer({ min: 0, max: 100 }),
        (raw, hardCap, reserve) => {
          const segments: ContextSegment[] = raw.map((r, i) => ({
            id: `seg-${i}`,
            source: `src/${i}.md`,
            ...r,
            pinned: r.pinned && i % 3 === 0,
            ...(r.createdAt === undefined ? {} : { createdAt: r.createdAt }),
          }));
          let result;
          try {
            result = composeContext(segments, { hardCap, reserve, estimator });
          } catch (error) {
            expect(isBudgetExceededError(error)).toBe(true);
            return;
          }
          expect(result.tokens).toBe(estimator.count(result.prompt));
          expect(result.tokens).toBeLessThanOrEqual(hardCap - reserve);
          for (const s of segments.filter((x) => x.pinned)) {
            expect(result.included).toContain(s.id);
            expect(result.prompt).toContain(redactSecrets(s.text).text);
          }
          expect(result.provenance.map((p) => p.id).sort()).toEqual(segments.map((s) => s.id).sort());
          expect([...result.included, ...result.truncated, ...result.pruned].sort()).toEqual(segments.map((s) => s.id).sort());
          expect(result.truncated.length).toBeLessThanOrEqual(1);
          for (const p of result.provenance) {
            expect(result.prompt).toContain(`(${p.id}): ${p.tokens} tokens`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("composeFullContext", () => {
  it("sends every segment whole, by tier, with no cap", () => {
    const segments = [seg("d", words(3000, "doc"), { tier: "L3" }), seg("h", words(3000, "handoff")), seg("w", "work item", { tier: "L1", pinned: true })];
    const full = composeFullContext(segments, { estimator });
    expect(full.prompt.indexOf("work item")).toBeLessThan(full.prompt.indexOf("handoff0"));
    expect(full.prompt.indexOf("handoff0")).toBeLessThan(full.prompt.indexOf("doc0"));
    expect(full.tokens).toBe(estimator.count(full.prompt));
    expect(full.tokens).toBeGreaterThan(composeContext(segments, { hardCap: 2000, estimator }).tokens);
    expect(composeFullContext(segments).tokens).toBe(full.tokens);
    const email = `${"a"}lice@${"b"}ob.org`;
    expect(composeFullContext([seg("x", email)], { estimator, redact: false }).prompt).toContain(email);
    expect(composeFullContext([seg("x", email)], { estimator }).prompt).not.toContain(email);
  });
});
