export { thrown } from "@hybrid/test-utils";
// Invariants of composeContext, checked against an independent tokenizer, shared by the default and
// the slow property suites.
import fc from "fast-check";
import { expect } from "vitest";
import {
  composeContext,
  isBudgetExceededError,
  redact,
  type ComposeOptions,
  type ComposedContext,
  type ContextSegment,
  type TokenEstimator,
} from "../src/index.js";
import { realTokens } from "./oracle.js";

export type Encoding = "cl100k_base" | "o200k_base";

/** A segment for tests: L2, unpinned, priority 0, sourced `node:<id>` unless `extra` says otherwise. */
export const seg = (id: string, text: string, extra: Partial<ContextSegment> = {}): ContextSegment => ({
  id,
  tier: "L2",
  source: `node:${id}`,
  text,
  priority: 0,
  pinned: false,
  ...extra,
});

/** `n` numbered words with sentence and line breaks, so truncation has boundaries to cut at. */
export const words = (n: number, tag: string): string =>
  Array.from({ length: n }, (_, i) => `${tag}${i}${i % 12 === 11 ? ".\n" : i % 5 === 4 ? ". " : " "}`).join("");



/** The real tokens of a text: for a heuristic (encoding undefined) the worse of both encodings. */
export const oracle = (text: string, encoding: Encoding | undefined) =>
  encoding ? realTokens(text, encoding) : Math.max(realTokens(text, "cl100k_base"), realTokens(text, "o200k_base"));

const block = (s: ContextSegment) => `## [${s.tier}] ${redact(s.id)}\n${redact(s.text)}`;

/**
 * Composes and checks every promise: the real token count of the final prompt (provenance included)
 * is within the budget; pinned segments are all there, verbatim after redaction; the call throws only
 * when the pinned blocks alone exceed the budget, and then names exactly the pinned segments; every
 * segment is accounted for once; the provenance block's counts and lines match what the prompt holds.
 */
export function checkComposition(
  segments: readonly ContextSegment[],
  options: ComposeOptions & { estimator: TokenEstimator },
  encoding: Encoding | undefined,
): ComposedContext | undefined {
  const budget = (options.hardCap ?? 20_000) - (options.reserve ?? 0);
  const pinned = segments.filter((s) => s.pinned);
  let result: ComposedContext;
  try {
    result = composeContext(segments, options);
  } catch (error) {
    expect(isBudgetExceededError(error), String(error)).toBe(true);
    const e = error as import("../src/index.js").BudgetExceededError;
    expect(e.budget).toBe(budget);
    expect(e.pinned.map((p) => p.id).sort()).toEqual(pinned.map((s) => redact(s.id)).sort());
    // The pinned blocks alone, in input order: the composer's order may differ by a boundary token each.
    const pinnedText = pinned.map(block).join("\n\n");
    expect(Math.abs(e.required - options.estimator.count(pinnedText))).toBeLessThanOrEqual(pinned.length);
    expect(e.required).toBeGreaterThan(budget);
    return undefined;
  }
  expect(result.tokens).toBe(options.estimator.count(result.prompt));
  expect(result.tokens).toBeLessThanOrEqual(budget);
  expect(oracle(result.prompt, encoding)).toBeLessThanOrEqual(budget);
  for (const s of pinned) {
    expect(result.included).toContain(redact(s.id));
    expect(result.prompt).toContain(block(s));
  }
  const all = [...result.included, ...result.truncated, ...result.pruned];
  expect(all.length).toBe(segments.length);
  expect(result.provenance.length).toBe(segments.length);
  expect(result.truncated.length).toBeLessThanOrEqual(3);
  checkProvenanceBlock(result);
  return result;
}

/** The provenance block says what the prompt holds: header counts, listed lines and summary. */
export function checkProvenanceBlock(result: ComposedContext): void {
  if (!result.prompt.startsWith("# Context provenance")) {
    expect(result.provenanceTokens).toBe(0);
    return;
  }
  const [head] = result.prompt.split("\n\n## [", 1);
  const lines = head!.split("\n");
  const kept = result.included.length + result.truncated.length;
  expect(lines[0]).toContain(
    `: ${result.included.length} included, ${result.truncated.length} truncated, ${result.pruned.length} pruned)`,
  );
  const byId = new Map(result.provenance.map((p) => [p.id, p]));
  for (const line of lines.slice(1)) {
    const listed = /^- \[(L[123])\] .* \((.+)\): (\d+) tokens, (included|truncated|pruned)/.exec(line);
    if (listed) {
      const entry = byId.get(listed[2]!);
      expect(entry, line).toBeDefined();
      expect(entry!.status, line).toBe(listed[4]);
      expect(entry!.tokens, line).toBe(Number(listed[3]));
      expect(result.prompt, line).toContain(`\n## [${listed[1]}] ${listed[2]}\n`);
    }
    const pruned = /^Pruned (\d+) segments?:/.exec(line);
    if (pruned) expect(Number(pruned[1])).toBe(result.pruned.length);
  }
  expect(result.prompt.split("\n## [").length - (result.prompt.startsWith("## [") ? 0 : 1)).toBe(kept);
}

const textArb = fc.oneof(
  { weight: 3, arbitrary: fc.lorem({ maxCount: 300, mode: "sentences" }) },
  { weight: 2, arbitrary: fc.lorem({ maxCount: 40, mode: "words" }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom("const x = 1;", "\n", "//", "```", "\n/", "}", "  ", "ab_cd", "éé", "日本", "🙂"), { maxLength: 200 }).map((p) => p.join("")),
  },
);

/** A small set of random segments: any tier, any text, some pinned, some dated with offsets. */
export const segmentsArb = fc
  .array(
    fc.record({
      tier: fc.constantFrom("L1" as const, "L2" as const, "L3" as const),
      text: textArb,
      priority: fc.integer({ min: -5, max: 5 }),
      pinned: fc.boolean(),
      createdAt: fc.option(
        fc
          .tuple(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }), fc.constantFrom("Z", "+02:00", "-05:30"))
          .map(([d, zone]) => d.toISOString().slice(0, 19) + zone),
        { nil: undefined },
      ),
    }),
    { maxLength: 25 },
  )
  .map((raw) =>
    raw.map(
      (r, i): ContextSegment => ({
        id: `seg-${i}`,
        source: `src/${i}.md`,
        tier: r.tier,
        text: r.text,
        priority: r.priority,
        pinned: r.pinned && i % 3 === 0,
        ...(r.createdAt === undefined ? {} : { createdAt: r.createdAt }),
      }),
    ),
  );

/** A wide join: hundreds to thousands of short handoffs and comments, a few docs, maybe pinned text. */
export const wideJoinArb = fc
  .record({
    handoffs: fc.integer({ min: 100, max: 3000 }),
    docs: fc.integer({ min: 0, max: 8 }),
    pinnedWords: fc.integer({ min: 0, max: 400 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map(({ handoffs, docs, pinnedWords, seed }): ContextSegment[] => {
    const word = (i: number) => ["module", "test", "cache", "port", "retry", "schema", "ok", "done"][(i * 7 + seed) % 8]!;
    const out: ContextSegment[] = Array.from({ length: handoffs }, (_, i) => ({
      id: `handoff:n${i}`,
      tier: "L2",
      source: `run:r${seed}/node:n${i}`,
      text: `Output of n${i}:\n${Array.from({ length: 5 + ((i * seed) % 40) }, (_, w) => word(i + w)).join(" ")}.`,
      priority: 2000 - i,
      pinned: false,
      createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i % 3600)).toISOString(),
    }));
    for (let d = 0; d < docs; d++) {
      out.push({ id: `doc:${d}`, tier: "L3", source: `docs/${d}.md`, text: `# Doc ${d}\n${Array.from({ length: 300 }, (_, w) => word(d + w)).join(" ")}`, priority: 1000 - d, pinned: false });
    }
    if (pinnedWords > 0) {
      out.push({ id: "n:acceptance", tier: "L1", source: "work-item:n", text: `Acceptance criteria:\n- ${Array.from({ length: pinnedWords }, (_, w) => word(w)).join(" ")}`, priority: 0, pinned: true });
    }
    return out;
  });
