import { createHash } from "node:crypto";
import { buildGraph, validateWorkflow, type NodeSpec } from "@hybrid/graph";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../src/canonical.js";
import { planSchedule } from "../src/index.js";

/**
 * The hand-written serialiser every plan and spec hash was made with before `canonicalize`
 * replaced it: the reference the new one must match, so no `specHash` of a journaled run changes.
 */
function handWritten(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Strings over all of Unicode (astral planes and controls included), without unpaired surrogates. */
const text = fc.string({ unit: "binary", maxLength: 12 }).filter((s) => !LONE_SURROGATE.test(s));
const key = text.filter((k) => k !== "__proto__");
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(-0, 0.1 + 0.2, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 2 ** 53),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 5 }),
    // Objects with keys in any order, some fields undefined (left out by both).
    fc.dictionary(key, fc.oneof(tie("value"), fc.constant(undefined)), { maxKeys: 6 }),
  ),
}));

describe("canonical JSON (RFC 8785, `canonicalize`)", () => {
  it("matches the hand-written serialiser on numbers, Unicode, undefined fields and key order", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(handWritten(v));
      }),
      { numRuns: 2000, seed: 8785 },
    );
  });

  it("sorts keys by UTF-16 code units, as RFC 8785 says (an astral character before U+FFFF)", () => {
    const v = { "\uffff": 1, "😀": 2, a: 3, "\u00e9": 4 };
    expect(canonicalJson(v)).toBe('{"a":3,"é":4,"😀":2,"\uffff":1}');
    expect(handWritten(v)).toBe(canonicalJson(v));
  });

  it("differs on unpaired surrogates, NaN, Infinity and own __proto__ keys, which the workflow schema refuses", () => {
    const node = { id: "a", agent: "x", priority: "docs", scope: "s", acceptance: [], dependsOn: [] };
    const refused = [{ ...node, scope: "\ud800" }, { ...node, estimateMs: Number.NaN }, { ...node, estimateMs: Number.POSITIVE_INFINITY }, JSON.parse('{"__proto__":1}')];
    for (const bad of refused) expect(validateWorkflow({ nodes: [{ ...node, ...bad }] })).toHaveLength(1);
    expect(() => canonicalJson({ a: "\ud800" })).toThrow(/Lone surrogate/);
    expect(handWritten({ a: "\ud800" })).toBe('{"a":"\\ud800"}');
    expect(() => canonicalJson([Number.NaN])).toThrow();
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow();
    const withProto = JSON.parse('{"__proto__":1,"b":2}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":1,"b":2}');
    expect(handWritten(withProto)).toBe('{"b":2}');
  });

  it("gives every node of random workflows with Unicode text the specHash the hand-written one gave", () => {
    const field = text.filter((s) => s.trim().length > 0);
    const spec = fc.record(
      {
        agent: field,
        scope: field,
        acceptance: fc.array(field, { maxLength: 3 }),
        docs: fc.array(field, { maxLength: 2 }),
        estimateMs: fc.double({ min: 0, max: 1e12, noNaN: true }),
        maxAttempts: fc.integer({ min: 1, max: 100 }),
        issue: fc.record({ owner: field, repo: field, number: fc.integer({ min: 1, max: 2 ** 31 }) }),
      },
      { requiredKeys: ["agent", "scope", "acceptance"] },
    );
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 8 }), (nodes) => {
        const workflow = { id: "wf", nodes: nodes.map((n, i) => ({ id: `n${i}`, priority: "docs", dependsOn: i > 0 ? [`n${i - 1}`] : [], ...n })) };
        const plan = planSchedule(buildGraph(workflow));
        for (const node of Object.values(plan.nodes)) {
          const expected = createHash("sha256").update(handWritten(node.spec satisfies NodeSpec)).digest("hex");
          expect(node.specHash).toBe(expected);
        }
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });
});
