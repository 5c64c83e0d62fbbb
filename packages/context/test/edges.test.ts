import { afterAll, describe, expect, it } from "vitest";
import {
  composeContext,
  createHandoffProvider,
  createTiktokenEstimator,
  isContextOptionsError,
  type ContextSegment,
  type TokenEstimator,
} from "../src/index.js";
import { selectSections, splitSections, termsOf } from "../src/sections.js";
import { truncateText } from "../src/truncate.js";

const estimator = createTiktokenEstimator();
afterAll(() => estimator.dispose());

describe("truncateText", () => {
  it("never splits a surrogate pair in an unbroken blob", () => {
    const blob = "🙂".repeat(500);
    const cut = truncateText(blob, 80, estimator)!;
    const kept = cut.text.slice(0, cut.text.indexOf("\n["));
    expect(kept.length % 2).toBe(0);
    expect(kept).toBe("🙂".repeat(kept.length / 2));
  });

  it("returns undefined when not even the marker fits", () => {
    expect(truncateText("some words here", 3, estimator)).toBeUndefined();
    const marker = estimator.count("\n[… 9999999 tokens truncated]");
    expect(truncateText("🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂", marker + 1, estimator)).toBeUndefined();
  });
});

describe("selectSections", () => {
  it("keeps the enclosing heading of a chosen section whose parent is left out", () => {
    const doc = [
      "# Guide",
      Array.from({ length: 300 }, (_, i) => `general ${i}.`).join(" "),
      "## Caching",
      "The cache key is path plus mtime plus size.",
      "## Other",
      Array.from({ length: 300 }, (_, i) => `other ${i}.`).join(" "),
    ].join("\n");
    const out = selectSections(doc, termsOf("cache key mtime"), 60, estimator);
    expect(out).toBe(
      "# Guide\n\n[… 1 section omitted]\n\n## Caching\nThe cache key is path plus mtime plus size.\n\n[… 1 section omitted]",
    );
  });

  it("splits at headings outside fences only, keeping a preamble", () => {
    const sections = splitSections("intro\n# A\ntext\n~~~\n# fenced\n~~~\n## B\n");
    expect(sections.map((s) => s.heading)).toEqual([undefined, "# A", "## B"]);
    expect(sections[2]!.parents).toEqual([1]);
    expect(termsOf("The ADR-0007 and a to be")).toEqual(new Set(["adr-0007"]));
  });
});

describe("composeContext with a non-additive estimator", () => {
  it("re-plans until the final prompt fits", () => {
    // Superlinear: the whole prompt costs more than the sum of its parts.
    const superlinear: TokenEstimator = { count: (text) => Math.ceil(text.length / 4) + Math.floor(text.length / 500) * 20 };
    const segments: ContextSegment[] = Array.from({ length: 12 }, (_, i) => ({
      id: `s${i}`,
      tier: "L2",
      source: `node:${i}`,
      text: Array.from({ length: 80 }, (_, w) => `w${i}x${w}`).join(" "),
      priority: 12 - i,
      pinned: false,
      ...(i % 2 ? { createdAt: "2025-01-01T00:00:00Z" } : {}),
    }));
    const result = composeContext(segments, { hardCap: 1500, estimator: superlinear });
    expect(superlinear.count(result.prompt)).toBeLessThanOrEqual(1500);
    expect(result.tokens).toBe(superlinear.count(result.prompt));
  });

  it("shrinks, then leaves out, the provenance block when pinned text leaves no room for it", () => {
    const superlinear: TokenEstimator = { count: (text) => Math.ceil(text.length / 4) + Math.floor(text.length / 500) * 20 };
    const pinnedText = Array.from({ length: 300 }, (_, w) => `must${w}`).join(" ");
    const segments: ContextSegment[] = [
      { id: "acc", tier: "L1", source: "work-item:x", text: pinnedText, priority: 0, pinned: true },
      ...Array.from({ length: 30 }, (_, i): ContextSegment => ({ id: `h${i}`, tier: "L2", source: `node:${i}`, text: `note ${i}`, priority: -i, pinned: false })),
    ];
    const pinnedOnly = superlinear.count(`## [L1] acc\n${pinnedText}`);
    for (const slack of [0, 30, 60, 90]) {
      const result = composeContext(segments, { hardCap: pinnedOnly + slack, estimator: superlinear });
      expect(superlinear.count(result.prompt)).toBeLessThanOrEqual(pinnedOnly + slack);
      expect(result.prompt).toContain(`## [L1] acc\n${pinnedText}`);
      expect(result.provenanceTokens === 0).toBe(!result.prompt.startsWith("# Context provenance"));
    }
    expect(composeContext(segments, { hardCap: pinnedOnly, estimator: superlinear }).prompt).toBe(`## [L1] acc\n${pinnedText}`);
  });

  it("leaves the provenance block out when its share is 0", () => {
    const result = composeContext([{ id: "a", tier: "L2", source: "s", text: "hello world", priority: 0, pinned: false }], { estimator, policy: { provenanceShare: 0 } });
    expect(result.prompt).toBe("## [L2] a\nhello world");
    expect(result.provenanceTokens).toBe(0);
  });

  it("counts with the shared default estimator when none is given", () => {
    const result = composeContext([{ id: "a", tier: "L2", source: "s", text: "hello world", priority: 0, pinned: false }]);
    expect(result.tokens).toBe(estimator.count(result.prompt));
  });

  it("reports a malformed segment list at the root", () => {
    try {
      composeContext("nope" as unknown as ContextSegment[], { estimator });
      expect.unreachable();
    } catch (error) {
      expect(isContextOptionsError(error)).toBe(true);
      expect((error as Error).message).toContain("(root)");
    }
    expect(() => createHandoffProvider(null as unknown as undefined)).not.toThrow();
  });
});
