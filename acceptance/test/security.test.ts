// The security suite's oracles catch what they are there to catch: a planted secret in a journal
// line, a value re-cased on its way (as G10's missing words once were), a kind no scanner knows;
// and the corpus holds real-format values with valid checksums.
import { startGitHubServer } from "@hybrid/test-utils";
import { redact } from "@hybrid/context";
import { describe, expect, it } from "vitest";
import { groupFindings } from "../src/categories/security.js";
import { generateCorpus, ibanRemainder, KINDS, luhnDigit, luhnValid, type PlantedAt } from "../src/security/corpus.js";
import { detectKinds } from "../src/security/detection.js";
import { issueComments, workflowDocument, docsFiles } from "../src/security/plant.js";
import { startRecordingProxy } from "../src/security/recorder.js";
import { locationOf, scanAll, tally, verbatimScan, type Needle } from "../src/security/scan.js";

const corpus = generateCorpus(4242, 1);
const value = (kind: string): PlantedAt => corpus.find((p) => p.kind === kind)!;
const needles: Needle[] = corpus.flatMap((p) => p.cores.map((core) => ({ kind: p.kind, core })));

describe("the corpus", () => {
  it("has at least 20 kinds in every layer, fresh for each seed and the same for the same seed", () => {
    expect(KINDS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(corpus.map((p) => `${p.layer}:${p.kind}`)).size).toBe(KINDS.length * 3);
    expect(generateCorpus(4242, 1)).toEqual(corpus);
    const other = generateCorpus(4243, 1);
    expect(other.filter((p, i) => p.text === corpus[i]!.text).length).toBe(0);
  });
  it("has Luhn-valid cards and mod-97-valid IBANs (and the checks reject a changed digit)", () => {
    for (const p of corpus.filter((c) => c.kind === "pii:credit-card")) expect(luhnValid(p.cores[0]!)).toBe(true);
    for (const p of corpus.filter((c) => c.kind === "pii:iban")) expect(ibanRemainder(p.cores[0]!)).toBe(1);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnDigit("411111111111111")).toBe(1);
    expect(ibanRemainder("DE89370400440532013001")).not.toBe(1);
  });
  it("plants every value of each layer somewhere: L1 in node text, L2 in comments, L3 in docs", () => {
    const l1 = JSON.stringify(workflowDocument(corpus));
    const l2 = [...issueComments(corpus).values()].flat().join("\n");
    const l3 = Object.values(docsFiles(corpus)).join("\n");
    for (const p of corpus) expect({ tag: p.tag, in: (p.layer === "L1" ? l1 : p.layer === "L2" ? l2 : l3).includes(`${p.tag}: `) }).toEqual({ tag: p.tag, in: true });
  });
});

describe("the scanners", () => {
  const aws = value("aws-access-key-id");
  const pat = value("github-pat-classic");
  const line = `{"type":"node.failed","nodeId":"api","error":"refused: ${pat.text}"}`;

  it("all three report a planted key in a journal line, and none its redacted form", async () => {
    const leaked = await scanAll([{ location: "journals", name: "runs/r/journal.jsonl", text: line }], needles);
    expect(new Set(leaked.map((f) => f.scanner))).toEqual(new Set(["ours", "secretlint", "verbatim"]));
    expect(leaked.every((f) => !JSON.stringify(f).includes(pat.cores[0]!))).toBe(true);
    expect(await scanAll([{ location: "journals", name: "runs/r/journal.jsonl", text: redact(line) }], needles)).toEqual([]);
  });
  it("the verbatim oracle sees a value lower-cased on its way, which the redactor no longer recognises", async () => {
    const lowered = `G10: 1 of 2 criteria not addressed (missing: ${aws.cores[0]!.toLowerCase()})`;
    expect(verbatimScan(lowered, needles).map((n) => n.kind)).toEqual(["aws-access-key-id"]);
    const found = await scanAll([{ location: "journals", name: "j.jsonl", text: lowered }], needles);
    expect(found.map((f) => f.scanner)).toEqual(["verbatim"]);
  });
  it("counts findings per location and scanner, and groups them without the found text", () => {
    const findings = [
      { scanner: "ours", location: "ledger", name: "ledger.jsonl", kind: "phone", around: "call [FOUND]" },
      { scanner: "ours", location: "ledger", name: "ledger.jsonl", kind: "phone" },
      { scanner: "verbatim", location: "cache", name: "cache/x.json", kind: "pii:phone-us" },
    ] as const;
    expect(tally(findings, ["ledger", "cache", "journals"])).toEqual({
      ledger: { ours: 2, secretlint: 0, verbatim: 0 },
      cache: { ours: 0, secretlint: 0, verbatim: 1 },
      journals: { ours: 0, secretlint: 0, verbatim: 0 },
    });
    expect(groupFindings(findings).map((g) => [g.scanner, g.location, g.count])).toEqual([["ours", "ledger", 2], ["verbatim", "cache", 1]]);
  });
  it("names each state file's location", () => {
    expect(["runs/r/journal.jsonl", "ledger.jsonl", "runs.jsonl", "cache/ab.json", "runs/r/progress.md", "runs/r/cli.json", "runs/r/workflow.json", "reports/dashboard.html", "rollout.json"].map(locationOf)).toEqual([
      "journals", "ledger", "run records", "cache", "progress", "cli.json", "saved workflow copies", "reports", "other state files",
    ]);
  });
});

describe("detection on the raw input", () => {
  it("credits each scanner with what it finds, and reports a kind neither finds", async () => {
    const made = (kind: string, text: string, core: string): PlantedAt => ({ kind, text, cores: [core], layer: "L1", variant: 0, tag: `t-${kind}` });
    const rows = await detectKinds([value("github-pat-classic"), value("pii:email"), made("plain-words", "the deploy phrase is purple monkey dishwasher", "purple monkey dishwasher")]);
    const by = Object.fromEntries(rows.map((r) => [r.kind, r]));
    expect(by["github-pat-classic"]).toMatchObject({ ours: 1, secretlint: 1, either: 1 });
    expect(by["pii:email"]).toMatchObject({ ours: 1, secretlint: 0, either: 1 });
    expect(by["plain-words"]).toMatchObject({ ours: 0, secretlint: 0, either: 0 });
  });
});

describe("the recording proxy", () => {
  it("keeps every request body, edits included, and forwards the answer", async () => {
    const server = await startGitHubServer();
    const proxy = await startRecordingProxy(server.url);
    try {
      const post = await fetch(`${proxy.url}/repos/o/r/issues/1/comments`, { method: "POST", headers: { authorization: "token t", "content-type": "application/json" }, body: JSON.stringify({ body: "first" }) });
      const { id } = (await post.json()) as { id: number };
      await fetch(`${proxy.url}/repos/o/r/issues/comments/${id}`, { method: "PATCH", headers: { authorization: "token t", "content-type": "application/json" }, body: JSON.stringify({ body: "second" }) });
      expect(proxy.bodies.map((b) => [b.method, JSON.parse(b.body).body])).toEqual([["POST", "first"], ["PATCH", "second"]]);
      expect(server.comments.get("o/r#1")!.map((c) => c.body)).toEqual(["second"]);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
