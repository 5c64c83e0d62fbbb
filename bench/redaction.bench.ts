// Redaction: time per MB on ordinary prose and source code, on ~35 adversarial inputs at 100 KB and
// 1 MB (each built to make one rule backtrack), false positives per MB on ~25 MB of real source,
// and recall on generated secrets. secretlint's recommended preset is the named peer: it scans for
// fewer kinds (no PII, no generic assignments) and reports instead of rewriting.
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { redactSecrets } from "@hybrid/context";
import { adversarialInputs } from "../packages/context/test/adversarial-corpus.js";
import { contextSamples } from "../packages/context/test/context-corpus.js";
import { realisticItems } from "../packages/context/test/realistic-corpus.js";
import { generators } from "../packages/context/test/secret-corpus.js";
import { fixtureSources, fullSources, quickSources, readSource } from "../packages/context/test/source-corpus.js";
import { measure, printSuite, seededRandom, writeResults, type Measurement, type SuiteResult } from "./harness.js";

const PII = new Set(["email", "phone", "credit-card", "us-ssn", "iban"]);
const MB = 1_000_000;

async function secretlint(content: string): Promise<number> {
  const result = await lintSource({
    source: { filePath: "/virtual/bench.md", content, ext: ".md", contentType: "text" },
    options: { config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] }, noPhysicFilePath: true },
  });
  return result.messages.length;
}

const perMb = (m: Measurement, chars: number) => (m.medianMs === null ? "—" : (m.medianMs / (chars / MB)).toFixed(1));

function prose(random: () => number, size: number): string {
  const words = "the agent reads the issue and plans a change to the scheduler, then writes tests for the retry policy and asks the reviewer to merge it before the release on friday".split(" ");
  let out = "";
  for (let i = 0; out.length < size; i++) out += words[Math.floor(random() * words.length)] + (i % 17 === 16 ? ".\n" : " ");
  return out.slice(0, size);
}

function sourceCode(size: number): string {
  let out = "";
  for (const { files } of quickSources()) {
    for (const file of files) {
      out += `${readSource(file)}\n`;
      if (out.length >= size) return out.slice(0, size);
    }
  }
  return out;
}

async function ordinarySuite(): Promise<SuiteResult[]> {
  const results: SuiteResult[] = [];
  for (const [name, text] of [
    ["prose, 1 MB", prose(seededRandom(3), MB)],
    ["source code (this repo + TypeScript lib.d.ts), 1 MB", sourceCode(MB)],
  ] as const) {
    const ours = await measure("@hybrid/context redactSecrets", () => redactSecrets(text), { runs: 7, warmup: 2 });
    const peer = await measure("secretlint (recommended preset)", () => secretlint(text), { runs: 5, warmup: 1 });
    const findings = redactSecrets(text).findings.length;
    results.push({
      suite: "redaction",
      case: `ordinary text: ${name}`,
      measurements: [ours, peer].map((m) => ({ ...m, extra: { "ms/MB": perMb(m, text.length) } })),
      baseline: "@hybrid/context redactSecrets",
      notes: [`${findings} findings`],
    });
  }
  return results;
}

async function adversarialSuite(size: number, runs: number): Promise<SuiteResult> {
  const measurements: Measurement[] = [];
  let worst = { name: "", msPerMb: 0 };
  for (const { name, text } of adversarialInputs(size, seededRandom(41))) {
    const m = await measure(name, () => redactSecrets(text), { runs, warmup: 1 });
    const peer = size <= 100_000 ? await measure("secretlint", () => secretlint(text), { runs, warmup: 1 }) : null;
    const msPerMb = (m.medianMs ?? 0) / (size / MB);
    if (msPerMb > worst.msPerMb) worst = { name, msPerMb };
    measurements.push({ ...m, extra: { "ms/MB": perMb(m, size), findings: redactSecrets(text).findings.length, ...(peer ? { "secretlint ms/MB": perMb(peer, size) } : {}) } });
  }
  return {
    suite: "redaction",
    case: `adversarial inputs, ${size / 1000} KB each`,
    measurements,
    baseline: measurements[0]!.name,
    notes: [`worst: ${worst.name} at ${worst.msPerMb.toFixed(0)} ms/MB`],
  };
}

function falsePositiveSuite(): SuiteResult {
  const measurements: Measurement[] = [];
  let total = 0;
  let secretTotal = 0;
  const notes: string[] = [];
  for (const { name, files } of [...quickSources(), ...fullSources(), ...fixtureSources()]) {
    let chars = 0;
    let secrets = 0;
    let pii = 0;
    const start = performance.now();
    for (const file of files) {
      const text = readSource(file);
      chars += text.length;
      for (const f of redactSecrets(text).findings) {
        if (PII.has(f.kind)) pii++;
        else secrets++;
      }
    }
    const ms = performance.now() - start;
    const fixtures = name.includes("fixtures");
    if (!fixtures) {
      total += chars;
      secretTotal += secrets;
    } else notes.push(`${name}: ${secrets} secret-format and ${pii} PII-format findings are real-format test data, not false positives`);
    measurements.push({
      name,
      medianMs: ms,
      runsMs: [ms],
      extra: { MB: (chars / MB).toFixed(2), "ms/MB": (ms / (chars / MB)).toFixed(1), "secret findings": secrets, "secret/MB": (secrets / (chars / MB)).toFixed(2), "PII findings": pii },
    });
  }
  notes.unshift(`false positives: ${secretTotal} secret-kind findings in ${(total / MB).toFixed(1)} MB of source (target 0)`);
  return { suite: "redaction", case: "false positives on real source code", measurements, baseline: measurements[0]!.name, notes };
}

async function recallSuite(): Promise<SuiteResult> {
  const random = seededRandom(7);
  const corpus = contextSamples(random);
  const samples = [...generators(random).tokens(), ...corpus.keyed(), ...corpus.structural(), ...corpus.pii()];
  const caught = samples.filter((s) => !redactSecrets(s.text).text.includes(s.secret)).length;
  const items = realisticItems(random);
  const itemsCaught = items.filter(({ text, secrets }) => secrets.every((s) => !redactSecrets(text).text.includes(s))).length;
  let flagged = 0;
  let leftAfter = 0;
  for (const s of samples) {
    if ((await secretlint(s.text)) === 0) continue;
    flagged++;
    leftAfter += await secretlint(redactSecrets(s.text).text);
  }
  return {
    suite: "redaction",
    case: "recall",
    measurements: [
      { name: "format samples (every gitleaks rule, secretlint preset rule, PII kind)", medianMs: null, runsMs: [], extra: { caught, of: samples.length } },
      { name: "realistic items (prose, config, shell, JSON)", medianMs: null, runsMs: [], extra: { caught: itemsCaught, of: items.length } },
      { name: "secretlint on the same samples", medianMs: null, runsMs: [], extra: { "flagged before": flagged, "findings left after our redaction": leftAfter } },
    ],
    baseline: "format samples (every gitleaks rule, secretlint preset rule, PII kind)",
  };
}

export async function runRedactionBench(): Promise<void> {
  const results = [...(await ordinarySuite()), await adversarialSuite(100_000, 5), await adversarialSuite(MB, 3), falsePositiveSuite(), await recallSuite()];
  for (const result of results) printSuite(result);
  writeResults("redaction", results, {
    "adversarial input": "linear: every 1 MB input in seconds, not minutes",
    "false positives": "0 secret-kind findings per MB of real source",
    recall: "every sample and realistic item redacted; nothing left for secretlint",
  });
}
