// The join resolver on crafted outputs: structure extraction, each policy with conflicting
// structured outputs, the text layout, and malformed input.
import { thrown } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { isJoinInputError, resolveJoin, type JoinInput } from "../src/index.js";
import { keyPath } from "../src/joins/merge.js";
import { splitOutput } from "../src/joins/structured.js";

const fence = (json: string, before = "", after = "") => `${before}\n\`\`\`json\n${json}\n\`\`\`\n${after}`;
const input = (nodeId: string, priority: JoinInput["priority"], output: string): JoinInput => ({ nodeId, priority, output });

describe("splitOutput", () => {
  it("takes the first ```json block holding an object, keeping the prose around it", () => {
    const output = fence('{"a": 1}', "Summary first.", "Then notes.\n```json\n{\"b\": 2}\n```");
    expect(splitOutput(output)).toEqual({ structured: { a: 1 }, text: 'Summary first.\n\nThen notes.\n```json\n{"b": 2}\n```' });
    expect(splitOutput("```JSON  \r\n{\"a\":1}\r\n```  \r\nafter")).toEqual({ structured: { a: 1 }, text: "after" });
    expect(splitOutput('before\n```json\n{"a":1}\n```')).toEqual({ structured: { a: 1 }, text: "before" });
  });

  it("reads a whole output that is a JSON object (once trimmed) as all structure", () => {
    expect(splitOutput('  \n{"a": {"b": [1, 2]}}\n')).toEqual({ structured: { a: { b: [1, 2] } }, text: "" });
  });

  it("treats malformed, non-object, unclosed, indented or uncomparable JSON as text, never throwing", () => {
    const cases = [
      fence("{not json}", "x"),
      fence("[1, 2]"),
      fence("null"),
      "```json\n{\"a\": 1}\n",
      "```json",
      "    ```json\n    {\"a\": 1}\n    ```",
      fence('{"a": "\\ud800"}'),
      fence('{"a": 1e400}'),
      `{"a": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
      "[1]",
      '{"a": 1} trailing',
    ];
    for (const output of cases) expect(splitOutput(output).structured, output.slice(0, 40)).toBeUndefined();
    expect(splitOutput("\n\n  indented first line\n\n").text).toBe("  indented first line");
  });
});

describe("keyPath", () => {
  it("writes bare keys with dots and quotes the rest", () => {
    expect(keyPath(["a", "b-c", "d_e"])).toBe("a.b-c.d_e");
    expect(keyPath(["files", "a.ts", ""])).toBe('files["a.ts"][""]');
    expect(keyPath(["x y"])).toBe('["x y"]');
  });
});

describe("resolveJoin", () => {
  const conflicting = [
    input("impl", "implementation", fence('{"auth": "token", "rate": 10, "owner": "impl"}', "Built it.")),
    input("sec", "security", '{"auth": "mtls", "rate": 10}'),
    input("arch", "architecture", fence('{"auth": "oauth", "limits": {"burst": 5}}')),
  ];

  it("fail-fast: a conflict on any key ends as conflict, listing each input's value in priority order", () => {
    const result = resolveJoin({ policy: "fail-fast" }, conflicting);
    expect(result.status).toBe("conflict");
    expect(result.merged).toBeUndefined();
    expect(result.conflicts).toEqual([
      {
        key: "auth",
        values: [
          { nodeId: "sec", value: "mtls" },
          { nodeId: "arch", value: "oauth" },
          { nodeId: "impl", value: "token" },
        ],
      },
    ]);
    expect(result.text).toContain("## Conflicts (unresolved: fail-fast)\n\n- `auth`: the values from sec, arch, impl differ");
    expect(result.text).not.toContain("```json");
  });

  it("merge-with-rules: the highest class wins, merged keys sorted, rules shown to the agent", () => {
    const result = resolveJoin({ policy: "merge-with-rules", rules: ["security wins on auth", "keep the lowest rate"] }, conflicting);
    expect(result.status).toBe("resolved");
    expect(result.conflicts).toEqual([expect.objectContaining({ key: "auth", winner: "sec" })]);
    expect(result.merged).toEqual({ auth: "mtls", limits: { burst: 5 }, owner: "impl", rate: 10 });
    expect(result.text).toBe(
      [
        "## sec (security)\n\n(structured output only)",
        "## arch (architecture)\n\n(structured output only)",
        "## impl (implementation)\n\nBuilt it.",
        "## Join rules\n\n- security wins on auth\n- keep the lowest rate",
        "## Conflicts settled by priority\n\n- `auth`: sec's value kept (values from sec, arch, impl)",
        '## Merged structured output\n\n```json\n{\n  "auth": "mtls",\n  "limits": {\n    "burst": 5\n  },\n  "owner": "impl",\n  "rate": 10\n}\n```',
      ].join("\n\n"),
    );
  });

  it("merge-with-rules: a tie in class goes to the lowest id (code units, not locale)", () => {
    const result = resolveJoin({ policy: "merge-with-rules" }, [input("b", "docs", '{"k": 2}'), input("B", "docs", '{"k": 1}'), input("a", "docs", '{"k": 3}')]);
    expect(result.conflicts[0]).toMatchObject({ winner: "B", values: [{ nodeId: "B" }, { nodeId: "a" }, { nodeId: "b" }] });
    expect(result.merged).toEqual({ k: 1 });
  });

  it("manual-escalation: a conflict escalates; no conflict resolves", () => {
    expect(resolveJoin({ policy: "manual-escalation" }, conflicting).status).toBe("escalate");
    const agreeing = [input("a", "docs", '{"x": {"p": 1, "q": [1, 2]}}'), input("b", "security", '{"x": {"q": [1, 2], "p": 1.0}}')];
    expect(resolveJoin({ policy: "manual-escalation" }, agreeing)).toMatchObject({ status: "resolved", conflicts: [], merged: { x: { p: 1, q: [1, 2] } } });
  });

  it("merges nested objects key by key, compares arrays whole and reports nested paths", () => {
    const a = input("a", "architecture", '{"cfg": {"retry": {"max": 3}, "tags": ["x"]}, "mode": {"on": true}}');
    const b = input("b", "implementation", '{"cfg": {"retry": {"max": 5, "base": 10}, "tags": ["x", "y"]}, "mode": "off"}');
    const result = resolveJoin({ policy: "merge-with-rules" }, [b, a]);
    expect(result.conflicts.map((c) => c.key)).toEqual(["cfg.retry.max", "cfg.tags", "mode"]);
    expect(result.merged).toEqual({ cfg: { retry: { base: 10, max: 3 }, tags: ["x"] }, mode: { on: true } });
  });

  it("compares objects nested deeper than the merge depth as whole values, by canonical JSON", () => {
    const deep = (inner: string) => `${'{"k":'.repeat(40)}${inner}${"}".repeat(40)}`;
    const same = resolveJoin({ policy: "fail-fast" }, [input("a", "docs", deep('{"p":1,"q":2}')), input("b", "docs", deep('{"q":2,"p":1}'))]);
    expect(same.status).toBe("resolved");
    const differ = resolveJoin({ policy: "fail-fast" }, [input("a", "docs", deep('{"p":1}')), input("b", "docs", deep('{"p":2}'))]);
    expect(differ.conflicts).toHaveLength(1);
    expect(differ.conflicts[0]!.key.split(".")).toHaveLength(32);
  });

  it("keeps a __proto__ key as data, polluting nothing", () => {
    const result = resolveJoin({ policy: "merge-with-rules" }, [input("a", "docs", '{"__proto__": {"polluted": 1}}'), input("b", "docs", '{"__proto__": {"x": 2}}')]);
    expect(Object.keys(result.merged!)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.text).toContain('"__proto__": {\n    "polluted": 1,\n    "x": 2\n  }');
  });

  it("concatenates text outputs under headings, security first, then architecture, implementation, docs", () => {
    const result = resolveJoin({ policy: "fail-fast" }, [input("z-docs", "docs", "Docs.\n"), input("api", "implementation", "  API notes\n\n"), input("threat", "security", ""), input("adr", "architecture", "ADR.")]);
    expect(result).toEqual({
      policy: "fail-fast",
      status: "resolved",
      text: "## threat (security)\n\n(no output)\n\n## adr (architecture)\n\nADR.\n\n## api (implementation)\n\n  API notes\n\n## z-docs (docs)\n\nDocs.",
      conflicts: [],
    });
    expect(resolveJoin({ policy: "manual-escalation" }, [])).toEqual({ policy: "manual-escalation", status: "resolved", text: "", conflicts: [] });
  });

  it("refuses an unknown policy, bad rules and malformed or duplicate inputs, naming each path", () => {
    const error = thrown(() =>
      resolveJoin({ policy: "vote" as never, rules: [1] as never }, [input("a", "docs", "x"), input("a", "urgent" as never, 5 as never), null as never, input("", "docs", "")]),
    );
    expect(isJoinInputError(error) && error.problems.map((p) => p.path)).toEqual([
      "join.policy",
      "join.rules",
      "inputs[1].nodeId",
      "inputs[1].priority",
      "inputs[1].output",
      "inputs[2].nodeId",
      "inputs[2].priority",
      "inputs[2].output",
      "inputs[3].nodeId",
    ]);
    expect((error as Error).message).toMatch(/^\[hybrid\] invalid join input:\n {2}- join\.policy: /);
    expect(isJoinInputError(thrown(() => resolveJoin({ policy: "fail-fast" }, "x" as never)))).toBe(true);
    expect(isJoinInputError(new Error("x"))).toBe(false);
  });
});
