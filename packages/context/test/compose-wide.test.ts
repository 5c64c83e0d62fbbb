// Wide joins, tier shares and tiny budgets (issue 10, item 5), and a reduced wide-join property;
// compose.slow.test.ts runs the properties at length.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  composeContext,
  createHeuristicEstimator,
  createTiktokenEstimator,
  type ContextEvent,
  type ContextSegment,
} from "../src/index.js";
import { checkComposition, checkProvenanceBlock, seg, thrown, wideJoinArb, words } from "./compose-checks.js";
import { realTokens } from "./oracle.js";

const cl100k = createTiktokenEstimator();
const o200k = createTiktokenEstimator({ encoding: "o200k_base" });
const estimator = cl100k;
afterAll(() => [cl100k, o200k].forEach((e) => e.dispose()));

describe("composeContext wide joins and tiny budgets (issue 10, item 5)", () => {
  const handoffs = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      seg(`handoff:node-${i}`, `Output of node-${i} (agent):\nDone: module ${i} builds and its tests pass; see the report.`, { priority: 2000 - i, source: `run:r1/node:node-${i}` }),
    );
  const acceptance = seg("x:acceptance", "Acceptance criteria:\n- ADR merged\n- all handoffs read and reconciled", { tier: "L1", pinned: true });

  it("keeps the provenance block small when 400 upstream handoffs all fit", () => {
    const result = composeContext([acceptance, ...handoffs(400)], { hardCap: 20_000, estimator });
    expect(result.included).toHaveLength(401);
    expect(result.provenanceTokens).toBeLessThanOrEqual(2000);
    expect(result.provenanceTokens / result.tokens).toBeLessThan(0.15);
    expect(result.prompt).toMatch(/- … \d+ more kept segments \(\d+ tokens\), each under its heading below/);
    checkProvenanceBlock(result);
  });

  it("degrades instead of blaming a 37-token pinned segment when 600 handoffs do not fit", () => {
    const result = composeContext([acceptance, ...handoffs(600)], { hardCap: 20_000, estimator });
    expect(result.included[0]).toBe("x:acceptance");
    expect(result.pruned.length).toBeGreaterThan(0);
    expect(realTokens(result.prompt)).toBeLessThanOrEqual(20_000);
    expect(result.prompt).toContain(`Pruned ${result.pruned.length} segments: L2 ${result.pruned.length} (`);
    checkProvenanceBlock(result);
  });

  it("composes 1,500 short comments with nothing pinned, and a hardCap of 10 with no segments", () => {
    const comments = Array.from({ length: 1500 }, (_, i) => seg(`comment:${i}`, `lgtm ${i}`, { source: `https://github.com/a/b/issues/1#issuecomment-${i}` }));
    const wide = composeContext(comments, { hardCap: 2000, estimator });
    expect(realTokens(wide.prompt)).toBeLessThanOrEqual(2000);
    expect(wide.included.length + wide.pruned.length + wide.truncated.length).toBe(1500);
    expect(composeContext([], { hardCap: 10, estimator })).toMatchObject({ prompt: "", tokens: 0, provenanceTokens: 0 });
    const one = composeContext([seg("a", "hello there")], { hardCap: 10, estimator });
    expect(one.included).toEqual(["a"]);
    expect(one.prompt).toBe("## [L2] a\nhello there");
  });

  it("guarantees each tier its share of what pinned text leaves, says so, and lets unused shares flow", () => {
    const l2 = Array.from({ length: 40 }, (_, i) => seg(`h${i}`, words(300, `h${i}w`), { priority: 100 - i }));
    const docs = Array.from({ length: 5 }, (_, i) => seg(`d${i}`, words(600, `d${i}w`), { tier: "L3", priority: 10 - i }));
    const both = composeContext([acceptance, ...l2, ...docs], { hardCap: 8000, estimator });
    const remaining = both.budget - both.pinnedTokens - both.provenanceTokens;
    expect(both.tiers.L3.used).toBeGreaterThanOrEqual(Math.floor(0.25 * remaining) - 80);
    expect(both.tiers.L2.used).toBeGreaterThanOrEqual(Math.floor(0.5 * remaining) - 80);
    expect(both.tiers.L2.cutToShare).toBe(true);
    expect(both.prompt).toMatch(/L2 was cut to its share: \d+ of \d+ tokens kept \(guaranteed shares: L3 25%\)/);
    // Without L3 content, L2 takes the room L3 would have had.
    const alone = composeContext([acceptance, ...l2], { hardCap: 8000, estimator });
    expect(alone.tiers.L2.used).toBeGreaterThan(both.tiers.L2.used + 1000);
    expect(alone.tiers.L2.cutToShare).toBe(false);
    // Shares are configurable; more than 1 in total is refused.
    const docsFirst = composeContext([acceptance, ...l2, ...docs], { hardCap: 8000, estimator, policy: { tierShares: { L1: 0, L2: 0.2, L3: 0.7 } } });
    expect(docsFirst.tiers.L3.used).toBeGreaterThan(both.tiers.L3.used * 2);
    // A tier that stopped (its first segment too big and not worth truncating) claims nothing more.
    const giant = seg("giant", words(20_000, "g"), { priority: 1000 });
    const released = composeContext([acceptance, giant, ...docs], { hardCap: 8000, estimator, policy: { minTruncatedTokens: 10_000 } });
    expect(released.pruned).toContain("giant");
    expect(released.tiers.L3.used).toBeGreaterThan(0.6 * (released.budget - released.pinnedTokens - released.provenanceTokens));
    const error = thrown(() => composeContext([], { estimator, policy: { tierShares: { L1: 0.5, L2: 0.5, L3: 0.25 } } }));
    expect((error as { problems: unknown }).problems).toEqual([{ path: "policy.tierShares", message: "the shares add up to more than 1" }]);
  });

  it("emits context.estimator-fallback with the run and node when counting with the fallback", () => {
    const events: ContextEvent[] = [];
    const broken = createTiktokenEstimator({ loadEncoding: () => { throw new Error("no WebAssembly here"); } });
    const result = composeContext([seg("a", words(200, "x"))], { hardCap: 100, estimator: broken, events: { runId: "r1", nodeId: "n1", onEvent: (e) => events.push(e) } });
    expect(Math.max(realTokens(result.prompt), realTokens(result.prompt, "o200k_base"))).toBeLessThanOrEqual(100);
    expect(events).toEqual([
      { type: "context.estimator-fallback", runId: "r1", nodeId: "n1", encoding: "cl100k_base", reason: expect.stringContaining("no WebAssembly here"), at: expect.any(String) },
    ]);
    composeContext([seg("a", "x")], { estimator, events: { runId: "r1", nodeId: "n1", onEvent: (e) => events.push(e) } });
    expect(events).toHaveLength(1);
  });
});

describe("wide joins under the real tokenizer (reduced)", () => {
  it("hundreds to thousands of handoffs, docs and pinned text, under caps from tiny to large", () => {
    fc.assert(
      fc.property(
        wideJoinArb,
        fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 30_000 })),
        fc.constantFrom("cl100k_base" as const, "o200k_base" as const, undefined),
        (segments, hardCap, encoding) => {
          const estimator = encoding === undefined ? createHeuristicEstimator() : encoding === "o200k_base" ? o200k : cl100k;
          checkComposition(segments, { hardCap, estimator }, encoding);
        },
      ),
      { numRuns: 6, seed: 3030 },
    );
  });
});
