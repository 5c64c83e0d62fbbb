// Targeted recall: what an acceptance criterion names reaches the prompt even when the text holding
// it did not fit. The cap is checked with gpt-tokenizer, not with the estimator under test.
import { describe, expect, it } from "vitest";
import { composeContext, createTiktokenEstimator, referencedTerms } from "../src/index.js";
import type { ContextSegment } from "../src/index.js";
import { seg, words } from "./compose-checks.js";
import { realTokens } from "./oracle.js";

const estimator = createTiktokenEstimator({ encoding: "cl100k_base" });
const criteria = ["Respects FACT-e7f248 and ADR-0007", "the retry budget is documented"];
const task = seg("work-item", `Task: tighten retries.\nAcceptance criteria:\n${criteria.map((c) => `- ${c}`).join("\n")}`, { tier: "L1", pinned: true, priority: 100 });

/** Ten fat handoffs ranked above a far one that holds the fact, and a doc that holds the ADR's rule. */
function segments(): ContextSegment[] {
  const handoffs = Array.from({ length: 10 }, (_, i) => seg(`handoff:near${i}`, words(900, `near${i}w`), { priority: 2000 - i }));
  const far = seg("handoff:far", `${words(600, "farw")}\nFACT-e7f248: the retry budget is seven attempts, never more.\n${words(600, "tail")}`, { priority: 1000 });
  const doc = seg("docs/adr/0007.md", `${words(2000, "adrw")}\nADR-0007 decides: retries back off exponentially from 200 ms.\n`, { tier: "L3", priority: 10 });
  return [task, ...handoffs, far, doc];
}

describe("referencedTerms", () => {
  it("takes the identifiers a criterion names, not its plain words", () => {
    expect(referencedTerms(criteria)).toEqual(["fact-e7f248", "adr-0007"]);
    expect(referencedTerms(["see CVE-2024-3094, RFC8785, ticket #42, v2 and a-b"])).toEqual(["cve-2024-3094", "rfc8785"]);
  });

  it("keeps at most 64 and stays linear on 100 KB of hostile text", () => {
    expect(referencedTerms([Array.from({ length: 500 }, (_, i) => `ID-${i}`).join(" ")])).toHaveLength(64);
    const hostile = `${"a-".repeat(50_000)}1`;
    const start = performance.now();
    referencedTerms([hostile, "-".repeat(100_000), "a1".repeat(50_000)]);
    // A generous bound that only a catastrophic (super-linear) regression would exceed.
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe("composeContext with recall", () => {
  it("quotes the passages of referenced facts whose segments did not fit, within the cap", () => {
    const hardCap = 4000;
    const without = composeContext(segments(), { hardCap, estimator });
    // The premise: under this cap, ranking alone leaves both facts out.
    expect(without.prompt).not.toContain("seven attempts");
    expect(without.prompt).not.toContain("back off exponentially");
    const recalled = composeContext(segments(), { hardCap, estimator, recall: referencedTerms(criteria) });
    expect(recalled.prompt).toContain("FACT-e7f248: the retry budget is seven attempts, never more.");
    expect(recalled.prompt).toContain("ADR-0007 decides: retries back off exponentially from 200 ms.");
    expect(recalled.recall).toEqual({ held: ["fact-e7f248", "adr-0007"], missing: [] });
    expect(realTokens(recalled.prompt)).toBeLessThanOrEqual(hardCap);
    // Each quote names its segment, and the provenance accounts for the recall blocks.
    expect(recalled.prompt).toContain("From handoff:far:\nFACT-e7f248: the retry budget");
    expect(recalled.prompt).toContain("From docs/adr/0007.md:\nADR-0007 decides");
    expect(recalled.provenance.filter((p) => p.id.startsWith("recall:")).map((p) => [p.id, p.tier, p.pinned])).toEqual([
      ["recall:L2", "L2", true],
      ["recall:L3", "L3", true],
    ]);
  });

  it("adds nothing when the referenced text fits whole, and names what a zero share left out", () => {
    const roomy = composeContext(segments(), { hardCap: 60_000, estimator, recall: referencedTerms(criteria) });
    expect(roomy.provenance.some((p) => p.id.startsWith("recall:"))).toBe(false);
    expect(roomy.recall.missing).toEqual([]);
    const off = composeContext(segments(), { hardCap: 4000, estimator, recall: referencedTerms(criteria), policy: { recallShare: 0 } });
    expect(off.recall.missing).toEqual(["fact-e7f248", "adr-0007"]);
    expect(off.prompt).not.toContain("seven attempts");
  });

  it("does not count the criterion itself as recall, nor a longer identifier that contains the term", () => {
    const decoy = [task, seg("handoff:decoy", `${words(3000, "d")}\nFACT-e7f2489 is another fact.\n`)];
    const result = composeContext(decoy, { hardCap: 1000, estimator, recall: ["fact-e7f248"] });
    expect(result.recall).toEqual({ held: [], missing: [] });
    expect(result.prompt).not.toContain("FACT-e7f2489");
  });

  it("quotes where a fact is stated even when a kept handoff cites its id", () => {
    // A sibling's checklist cites the id; only the far handoff states the fact.
    const citing = seg("handoff:sibling", "Handoff from qa.\n- [x] Respects FACT-e7f248\nAll good.", { priority: 3000 });
    const result = composeContext([...segments(), citing], { hardCap: 4000, estimator, recall: ["fact-e7f248"] });
    expect(result.prompt).toContain("- [x] Respects FACT-e7f248");
    expect(result.prompt).toContain("FACT-e7f248: the retry budget is seven attempts, never more.");
    expect(result.recall.missing).toEqual([]);
  });

  it("stays linear on 100 KB of hostile segments full of the recalled ids", () => {
    const ids = Array.from({ length: 64 }, (_, i) => `ID-${i}x`);
    const hostile = [task, ...Array.from({ length: 8 }, (_, k) => seg(`h${k}`, `${ids.join(" cites ")} `.repeat(140) + "ID-3x= stated"))];
    const start = performance.now();
    const result = composeContext(hostile, { hardCap: 2000, estimator, recall: referencedTerms(ids) });
    // A generous bound that only a super-linear regression would exceed.
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(realTokens(result.prompt)).toBeLessThanOrEqual(2000);
  });

  it("never exceeds the cap however small, quoting only what fits", () => {
    for (const hardCap of [400, 700, 1200, 2500]) {
      const result = composeContext(segments(), { hardCap, estimator, recall: referencedTerms(criteria) });
      expect(realTokens(result.prompt), `cap ${hardCap}`).toBeLessThanOrEqual(hardCap);
      for (const term of result.recall.missing) expect(result.recall.held).toContain(term);
    }
  });
});

describe("a long document cut to its best sections", () => {
  it("keeps the section that holds an identifier a criterion names over sections that share its words", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createDocsProvider } = await import("../src/index.js");
    const root = await mkdtemp(join(tmpdir(), "ctx-recall-"));
    const common = "retry policy backoff budget attempts timeout jitter documented";
    const sections = Array.from({ length: 12 }, (_, i) => `## Notes ${i}\n${common} ${words(100, `s${i}w`)}`);
    sections.splice(7, 0, `## Appendix\nFACT-e7f248: the retry budget is seven attempts.\n${words(100, "apx")}`);
    await writeFile(join(root, "guide.md"), `# Guide\n\n${sections.join("\n\n")}\n`);
    const node = { id: "n", agent: "a", priority: "docs", scope: `Explain the ${common}`, acceptance: ["Respects FACT-e7f248"], dependsOn: [], docs: ["guide.md"] };
    const [doc] = await createDocsProvider({ root, maxTokensPerFile: 1200, redact: (t) => t }).collect({ node, runId: "r" });
    expect(doc!.text).toContain("FACT-e7f248: the retry budget is seven attempts.");
    expect(doc!.text).toContain("sections omitted");
  });
});
