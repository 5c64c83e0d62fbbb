// G10's heuristic on realistic outputs, and the output-scanning gates (G7, G10) in linear time on
// adversarial outputs of 100 KB and more.
import { redact } from "@hybrid/context";
import { describe, expect, it } from "vitest";
import { assessAcceptance, createDefinitionOfDoneGate, createGateRegistry, createOutputDeclaredGate, type GateVerdict } from "../src/index.js";
import { stem } from "../src/gates/text-match.js";
import { contextAt, nodeOf, timed } from "./gates-fixtures.js";

const CRITERIA = [
  "100,000 nodes and 1,000,000 edges planned without recursion",
  "Every validation problem reported with its path",
  "No secrets are written to the journal",
];

const addressed = (criteria: readonly string[], output: string) => assessAcceptance(criteria, output).map((a) => [a.addressed, a.by]);

describe("assessAcceptance on realistic outputs", () => {
  it("finds criteria addressed in prose, in other word forms and order", () => {
    const output = [
      "## Handoff: graph",
      "",
      "The planner is iterative (no recursion anywhere): a benchmark planned 100,000 nodes with 1,000,000 edges in 1.4 s.",
      "Validation reports every problem at once, each with the path where it was found.",
      "Journal writes go through the redactor, so no secret is ever written there.",
    ].join("\n");
    expect(addressed(CRITERIA, output)).toEqual([
      [true, "words"],
      [true, "words"],
      [true, "words"],
    ]);
  });

  it("finds criteria ticked in a checklist, with bullets, numbers or marks, and extra words after them", () => {
    const output = [
      "Checklist:",
      "1. [x] 100,000 nodes and 1,000,000 edges planned without recursion (bench/graph.ts)",
      "  * [X] every validation problem reported with its path.",
      "✅ No secrets are written to the journal",
    ].join("\r\n");
    expect(addressed(CRITERIA, output).map(([ok, by]) => `${ok}:${by}`)).toEqual(["true:checklist", "true:checklist", "true:checklist"]);
  });

  it("counts a criterion left unticked as not addressed, even when its words occur elsewhere", () => {
    const output = [
      "- [x] 100,000 nodes and 1,000,000 edges planned without recursion",
      "- [ ] Every validation problem reported with its path",
      "☐ No secrets are written to the journal",
      "Notes: every validation problem is reported with its path; no secrets are written to the journal.",
    ].join("\n");
    expect(addressed(CRITERIA, output)).toEqual([
      [true, "checklist"],
      [false, "open"],
      [false, "open"],
    ]);
  });

  it("misses a criterion whose words are absent, naming them; negations count", () => {
    const output = "Planned 100,000 nodes and 1,000,000 edges iteratively. Problems are reported. Secrets are written to the journal.";
    const [edges, problems, secrets] = assessAcceptance(CRITERIA, output);
    expect(edges!.missing).toEqual(["without", "recursion"]);
    expect(problems).toEqual({ criterion: CRITERIA[1], addressed: false, by: "missing-words", missing: ["validation", "path"] });
    expect(secrets!.missing).toEqual(["no"]);
    // Any negation stands for another: "never" addresses "no".
    expect(assessAcceptance([CRITERIA[2]!], `${output} Tokens never are.`)[0]!.addressed).toBe(true);
  });

  it("keeps every word of a criterion made only of stop-words, and matches one without words verbatim", () => {
    expect(addressed(["It is done"], "it is done")).toEqual([[true, "words"]]);
    expect(addressed(["It is done"], "it is")).toEqual([[false, "missing-words"]]);
    expect(addressed(["→ ✓"], "status: →   ✓ green")).toEqual([[true, "words"]]);
    expect(assessAcceptance(["→ ✓"], "status: ✓")[0]!.missing).toEqual(["→ ✓"]);
  });

  it("does not let a ticked line that only contains part of a criterion tick it", () => {
    expect(addressed(["rate limiting returns 429"], "- [x] rate limiting\n")).toEqual([[false, "missing-words"]]);
    expect(addressed(["rate limit"], "- [x] rate limiting returns 429\n")).toEqual([[true, "words"]]);
  });

  it("stems word forms onto one stem", () => {
    const groups = [
      ["pass", "passes", "passed", "passing"],
      ["validate", "validates", "validated", "validating", "validation"],
      ["handle", "handles", "handled"],
      ["policy", "policies"],
      ["status", "statuses"],
      ["stop", "stopped"],
      ["class", "classes"],
      ["run", "running"],
    ];
    for (const group of groups) expect(new Set(group.map(stem)).size, group.join(",")).toBe(1);
    expect(["log", "lot", "it"].map(stem)).toEqual(["log", "lot", "it"]);
    expect(stem("will")).toBe("will");
    expect(["no", "not", "never", "without", "cannot"].map(stem)).toEqual(["no", "no", "no", "no", "no"]);
    expect(stem("notes")).not.toBe("no");
  });
});

describe("G7 and G10 scan adversarial outputs in linear time", () => {
  const SIZE = 200_000;
  const node = { ...nodeOf("api"), outputs: ["aa", "a-a", "design doc", "@hybrid/limiter"], acceptance: ["aa a", "[x] a", "rate limiting returns 429"] };
  const adversarial: Record<string, string> = {
    "one letter": "a".repeat(SIZE),
    "letters and hyphens": "a-".repeat(SIZE / 2),
    "white space then a letter": `${" \t".repeat(SIZE / 2)}x`,
    "only white space": " \n".repeat(SIZE / 2),
    "checkbox runs on one line": "- [x] ".repeat(SIZE / 6),
    "checkbox lines": "- [x] a\n".repeat(SIZE / 8),
    "open boxes with long tails": `- [ ] ${"a ".repeat(SIZE / 2)}\n`.repeat(2),
    "digits before a bullet": `${"1".repeat(SIZE)}. [x] a`,
    "blanks before a box": `${" ".repeat(SIZE)}[x] a`,
    "combining marks": "e\u0301".repeat(SIZE / 2),
    "surrogate pairs": "😀a".repeat(SIZE / 3),
    "repeated near-misses of an output name": "design do ".repeat(SIZE / 10),
  };

  for (const [name, output] of Object.entries(adversarial)) {
    it(`${name} (${Math.round(output.length / 1000)} KB)`, async () => {
      const context = contextAt("output", { node, output });
      const ms = timed(() => {
        createOutputDeclaredGate().check(context);
        createDefinitionOfDoneGate().check(context);
      });
      // Linear work is a few ms here; anything quadratic in 200 KB takes minutes.
      expect(ms).toBeLessThan(2_000);
      const result = await createGateRegistry({ redact }).evaluate("output", context);
      expect(result.entries).toHaveLength(3);
    });
  }

  it("a 2 MB realistic output with a checklist at its end", () => {
    const body = "Implemented the limiter; see the design doc and @hybrid/limiter.\n".repeat(32_000);
    const output = `${body}- [x] Rate limiting returns 429 when over quota\n- [x] No secrets are logged\n`;
    let verdicts: GateVerdict[] = [];
    const ms = timed(() => {
      const context = contextAt("output", { node: nodeOf("api"), output });
      verdicts = [createOutputDeclaredGate().check(context), createDefinitionOfDoneGate().check(context)] as GateVerdict[];
    });
    expect(verdicts.map((v) => v.passed)).toEqual([true, true]);
    expect(ms).toBeLessThan(5_000);
  });
});
