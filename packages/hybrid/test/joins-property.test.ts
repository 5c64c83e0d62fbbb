// Properties of the join resolver against oracles written here: the order of arrival never
// changes the result; merge-with-rules' winner is the highest class, then the lowest id; fail-fast
// reports exactly the keys whose values differ; and it stays fast on many and large inputs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveJoin, type JoinInput } from "../src/index.js";
import { timed } from "./gates-fixtures.js";

const SEED = 20_251_111;
const CLASSES = ["security", "architecture", "implementation", "docs"] as const;
const POLICIES = ["fail-fast", "merge-with-rules", "manual-escalation"] as const;

type Flat = Record<string, number | string | boolean | null | number[]>;

// Small domains, so inputs share keys and often disagree.
const scalar = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom("x", "y"), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 2 }));
const flatObject: fc.Arbitrary<Flat> = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e.f", "g h"), scalar, { maxKeys: 5 });
const nestedObject = fc.dictionary(fc.constantFrom("a", "b", "n"), fc.oneof(scalar, fc.dictionary(fc.constantFrom("p", "q"), scalar, { maxKeys: 2 })), { maxKeys: 3 });
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,5}$/);

/** How an object is written into an output: fenced with prose, or as the whole output. */
function render(value: object, how: number, prose: string): string {
  const json = JSON.stringify(value, null, how % 3);
  return how % 2 === 0 ? `${prose}\n\n\`\`\`json\n${json}\n\`\`\`\n` : json;
}

const structuredInput = <T extends object>(object: fc.Arbitrary<T>) =>
  fc.record({ nodeId: id, priority: fc.constantFrom(...CLASSES), value: object, how: fc.nat(5), prose: fc.constantFrom("Notes.", "", "See ```js\nx\n```") });

/** Inputs with unique ids: structured ones (with their value, for the oracle) and plain or malformed text. */
const mixedInputs = fc
  .uniqueArray(
    fc.oneof(
      structuredInput(nestedObject).map((s) => ({ ...s, output: render(s.value, s.how, s.prose) })),
      fc.record({ nodeId: id, priority: fc.constantFrom(...CLASSES), output: fc.oneof(fc.string({ maxLength: 40 }), fc.constant("```json\n{oops\n```")) }),
    ),
    { selector: (i) => i.nodeId, maxLength: 8 },
  )
  .map((list) => list.map(({ nodeId, priority, output }): JoinInput => ({ nodeId, priority, output })));

const flatInputs = fc.uniqueArray(structuredInput(flatObject), { selector: (i) => i.nodeId, minLength: 1, maxLength: 8 });

/** The oracle's order: class by its place in the list above, then id by code unit. */
const rank = (a: { priority: string; nodeId: string }, b: { priority: string; nodeId: string }) =>
  CLASSES.indexOf(a.priority as (typeof CLASSES)[number]) - CLASSES.indexOf(b.priority as (typeof CLASSES)[number]) || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0);

/** For flat objects of scalars and arrays of numbers, JSON.stringify is canonical. */
const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** The oracle for flat inputs: per key, the holders in order, and whether their values differ. */
function oracle(inputs: ReadonlyArray<{ nodeId: string; priority: string; value: Flat }>) {
  const holders = new Map<string, Array<{ nodeId: string; value: unknown }>>();
  for (const input of [...inputs].sort(rank)) {
    for (const [key, value] of Object.entries(input.value)) holders.set(key, [...(holders.get(key) ?? []), { nodeId: input.nodeId, value }]);
  }
  const differing = [...holders].filter(([, list]) => list.some((h) => !same(h.value, list[0]!.value)));
  return { holders, differing: new Map(differing) };
}

/** A JSON path as the resolver writes it, for the oracle's flat keys. */
const pathOf = (key: string) => (/^[A-Za-z0-9_$-]+$/.test(key) ? key : `[${JSON.stringify(key)}]`);

describe("resolveJoin properties", () => {
  it("gives the same result whatever the order of arrival, under every policy", () => {
    fc.assert(
      fc.property(
        mixedInputs.chain((inputs) => fc.tuple(fc.constant(inputs), fc.shuffledSubarray(inputs, { minLength: inputs.length, maxLength: inputs.length }))),
        fc.constantFrom(...POLICIES),
        ([inputs, arrived], policy) => {
          const rules = ["rule one"];
          expect(JSON.stringify(resolveJoin({ policy, rules }, arrived))).toBe(JSON.stringify(resolveJoin({ policy, rules }, inputs)));
          expect(resolveJoin({ policy }, arrived)).toEqual(resolveJoin({ policy }, inputs));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("merge-with-rules: every conflict is won by the highest class, then the lowest id, and merged holds its value", () => {
    fc.assert(
      fc.property(flatInputs, (inputs) => {
        const result = resolveJoin({ policy: "merge-with-rules" }, inputs.map((i) => ({ nodeId: i.nodeId, priority: i.priority, output: render(i.value, i.how, i.prose) })));
        const { holders, differing } = oracle(inputs);
        expect(result.status).toBe("resolved");
        expect(new Map(result.conflicts.map((c) => [c.key, c.winner]))).toEqual(new Map([...differing].map(([key, list]) => [pathOf(key), list[0]!.nodeId])));
        for (const [key, list] of holders) expect(result.merged?.[key]).toEqual(list[0]!.value);
        expect(Object.keys(result.merged ?? {}).sort()).toEqual([...holders.keys()].sort());
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("fail-fast: reports exactly the keys whose values differ, with every holder's value, and fails only then", () => {
    fc.assert(
      fc.property(flatInputs, (inputs) => {
        const result = resolveJoin({ policy: "fail-fast" }, inputs.map((i) => ({ nodeId: i.nodeId, priority: i.priority, output: render(i.value, i.how, i.prose) })));
        const { differing } = oracle(inputs);
        expect(result.conflicts.map((c) => c.key).sort()).toEqual([...differing.keys()].map(pathOf).sort());
        for (const conflict of result.conflicts) {
          const key = [...differing.keys()].find((k) => pathOf(k) === conflict.key)!;
          expect(conflict.values).toEqual(differing.get(key));
          expect(conflict.winner).toBeUndefined();
        }
        expect(result.status).toBe(differing.size > 0 ? "conflict" : "resolved");
        expect(result.merged === undefined).toBe(differing.size > 0);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe("resolveJoin on many and large inputs", () => {
  it("500 inputs with 40 keys each, shared and disagreeing", () => {
    const inputs: JoinInput[] = Array.from({ length: 500 }, (_, i) => {
      const value = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`key${(i * 7 + k) % 120}`, { v: (i + k) % 3, list: [i % 2] }]));
      return { nodeId: `n${String(i).padStart(3, "0")}`, priority: CLASSES[i % 4]!, output: render(value, i, `Output of node ${i}.`) };
    });
    let keys: string[] = [];
    const ms = timed(() => (keys = resolveJoin({ policy: "merge-with-rules" }, inputs).conflicts.map((c) => c.key)));
    // keyM is written by node i with 7i + k ≡ M (mod 120), so i + k ≡ M (mod 3): its `v` never
    // differs, while `list` (i's parity) does, for all 120 keys.
    expect(keys).toHaveLength(120);
    expect(keys.every((key) => /^key\d+\.list$/.test(key))).toBe(true);
    expect(ms).toBeLessThan(5_000);
  });

  it("outputs of 1 MB: prose, a fenced object, a whole object and unclosed fences", () => {
    const big = Object.fromEntries(Array.from({ length: 20_000 }, (_, k) => [`k${k}`, `value ${k} ${"x".repeat(30)}`]));
    const inputs: JoinInput[] = [
      { nodeId: "prose", priority: "docs", output: "Lorem ipsum dolor sit amet. ".repeat(40_000) },
      { nodeId: "fenced", priority: "security", output: render(big, 0, "Structured notes.") },
      { nodeId: "whole", priority: "architecture", output: JSON.stringify({ ...big, k0: "other" }) },
      { nodeId: "fences", priority: "implementation", output: "```json\n{\n".repeat(100_000) },
      { nodeId: "braces", priority: "implementation", output: `{${'"a":'.repeat(200_000)}` },
    ];
    expect(inputs.every((i) => i.output.length >= 800_000)).toBe(true);
    let result = resolveJoin({ policy: "merge-with-rules" }, []);
    const ms = timed(() => (result = resolveJoin({ policy: "merge-with-rules" }, inputs)));
    expect(result.conflicts.map((c) => [c.key, c.winner])).toEqual([["k0", "fenced"]]);
    expect(Object.keys(result.merged!)).toHaveLength(20_000);
    expect(ms).toBeLessThan(10_000);
  });
});
