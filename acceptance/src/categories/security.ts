// Security: no planted secret or piece of PII in anything the runs wrote or printed. A seeded corpus
// of real-format secrets and PII is planted in L1 (node text), L2 (trusted comments on the nodes'
// issues, served by the local GitHub server) and L3 (the docs the nodes read); stand-in agents echo
// their prompts, so a redaction missed would flow on into outputs, the ledger and GitHub. Then every
// file of the state directories, every prompt an agent received, everything printed and every
// request body GitHub received is scanned by our redactor, by secretlint, and for the values
// themselves. The scanners are first shown to find every planted kind on the raw input.
import { seededRandom } from "@hybrid/test-utils";
import type { Check, Suite } from "../contract.js";
import { count, ofN } from "../format.js";
import { generateCorpus, generator, KINDS, LAYERS } from "../security/corpus.js";
import { describeDetection, detectKinds } from "../security/detection.js";
import { runSecurityScenario } from "../security/runs.js";
import { scanAll, tally, type Finding, type Needle } from "../security/scan.js";

const LOCATIONS = [
  "journals",
  "ledger",
  "run records",
  "cache",
  "progress",
  "cli.json",
  "saved workflow copies",
  "reports",
  "incidents",
  "other state files",
  "agent prompts",
  "printed (stdout, stderr)",
  "GitHub request bodies",
  "GitHub comments (as stored)",
];

/** Findings grouped by scanner, location and kind, with a count and the first file. Pure. */
export function groupFindings(findings: readonly Finding[]): Array<{ scanner: string; location: string; kind: string; count: number; first: string; around?: string }> {
  const groups = new Map<string, { scanner: string; location: string; kind: string; count: number; first: string; around?: string }>();
  for (const f of findings) {
    const key = `${f.scanner}\0${f.location}\0${f.kind}`;
    const g = groups.get(key) ?? { scanner: f.scanner, location: f.location, kind: f.kind, count: 0, first: f.name, ...(f.around !== undefined ? { around: f.around } : {}) };
    g.count += 1;
    groups.set(key, g);
  }
  return [...groups.values()];
}

const sample = (findings: readonly Finding[]) =>
  groupFindings(findings)
    .slice(0, 30)
    .map((g) => `${g.scanner} ${g.kind} ×${g.count} in ${g.location} (first: ${g.first}${g.around !== undefined ? `, around: "${g.around}"` : ""})`)
    .join("; ");

export const securitySuite: Suite = {
  name: "security",
  categories: ["security"],
  async run(ctx) {
    const corpusSeed = ctx.seed * 1000 + 801;
    const runSeed = ctx.seed * 1000 + 802;
    const variants = ctx.full ? 3 : 1;
    const corpus = generateCorpus(corpusSeed, variants);
    // The CLI's own GitHub token: it must never be written or printed either.
    const token = `ghp_${generator(seededRandom(corpusSeed + 1)).mixed(36)}`;
    const needles: Needle[] = [...corpus.flatMap((p) => p.cores.map((core) => ({ kind: p.kind, core }))), { kind: "the CLI's GitHub token", core: token }];
    ctx.log(`corpus seed ${corpusSeed}: ${count(corpus.length)} values of ${KINDS.length} kinds in ${LAYERS.join(", ")}`);

    let t0 = Date.now();
    const lap = (what: string) => {
      ctx.log(`${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      t0 = Date.now();
    };
    const detection = await detectKinds(corpus);
    const undetected = detection.filter((d) => d.either < d.values);
    lap("raw corpus scanned");

    const runs = await runSecurityScenario({ workDir: ctx.workDir, bin: ctx.bin, corpus, token, seed: runSeed, log: ctx.log });
    lap("runs and commands done");
    const plantedFindings = await scanAll(runs.plantedSources, needles);
    const findings = await scanAll(runs.targets, needles);
    lap(`${count(runs.targets.length)} outputs scanned`);
    const by = (scanner: Finding["scanner"]) => findings.filter((f) => f.scanner === scanner);
    const table = tally(findings, LOCATIONS);
    const files = runs.targets.length;
    const bytes = runs.targets.reduce((n, t) => n + Buffer.byteLength(t.text), 0);
    const scanned = `${count(files)} files and outputs, ${count(bytes)} bytes`;

    // Exposure: a planted value's tag (plain text beside it) in some prompt an agent received.
    const promptText = [...runs.prompts.values()].join("\n");
    const reached = LAYERS.map((layer) => {
      const mine = corpus.filter((p) => p.layer === layer);
      return { layer, planted: mine.length, reached: mine.filter((p) => promptText.includes(`${p.tag}:`)).length };
    });
    const markers = (promptText.match(/\[REDACTED:[a-z0-9-]+\]/g) ?? []).length;
    const badExits = runs.commands.filter((c) => c.result.code !== c.expected);
    const outside = findings.filter((f) => f.location !== "saved workflow copies");

    const zeroCheck = (name: string, scanner: Finding["scanner"]): Check => {
      const found = by(scanner);
      return { name, measured: `${count(found.length)} in ${scanned}`, threshold: "0", pass: found.length === 0 && files > 0, n: files, unit: "files and outputs", value: found.length };
    };
    const checks: Check[] = [
      {
        name: "planted kinds found on the raw input by our redactor or secretlint",
        measured: `${ofN(detection.length - undetected.length, detection.length, "kinds")} (${count(corpus.length)} values; ours ${detection.filter((d) => d.ours === d.values).length} kinds, secretlint ${detection.filter((d) => d.secretlint === d.values).length})`,
        threshold: "every kind",
        pass: undetected.length === 0 && detection.length >= 20,
        n: detection.length,
        unit: "kinds",
      },
      {
        name: "planted values that reached an agent's prompt (redacted), per layer",
        measured: reached.map((r) => `${r.layer} ${r.reached}/${r.planted}`).join(", "),
        threshold: "100% of each layer",
        pass: reached.every((r) => r.planted > 0 && r.reached === r.planted),
        n: corpus.length,
        unit: "values",
      },
      {
        name: "CLI commands that exited as planned",
        measured: ofN(runs.commands.length - badExits.length, runs.commands.length, "commands"),
        threshold: "all",
        pass: badExits.length === 0,
        n: runs.commands.length,
        unit: "commands",
      },
      zeroCheck("our redactor's findings in everything written and printed", "ours"),
      zeroCheck("secretlint (recommended preset) findings in everything written and printed", "secretlint"),
      zeroCheck("planted values (or the CLI's token) found verbatim, case ignored", "verbatim"),
      {
        // The promise names prompts, logs, events, journals, records, ledger, cache and reports; the
        // checks above cover every file. This one says whether the named ones alone are clean.
        name: "findings of any scanner outside the saved workflow copies (prompts, output, journals, records, ledger, cache, reports, GitHub)",
        measured: `${count(outside.length)} in ${count(runs.targets.filter((t) => t.location !== "saved workflow copies").length)} files and outputs`,
        threshold: "0",
        pass: outside.length === 0 && files > 0,
        n: runs.targets.filter((t) => t.location !== "saved workflow copies").length,
        unit: "files and outputs",
        value: outside.length,
      },
    ];

    const plantedBy = (scanner: Finding["scanner"]) => plantedFindings.filter((f) => f.scanner === scanner).length;
    const notes = [
      `Corpus: ${KINDS.length} kinds (${KINDS.filter(([k]) => !k.startsWith("pii:")).length} secret kinds, ${KINDS.filter(([k]) => k.startsWith("pii:")).length} PII kinds), ${variants} value${variants === 1 ? "" : "s"} per kind per layer, generated from seed ${corpusSeed} at run time in each provider's format (Luhn-valid cards, mod-97-valid IBANs); each value planted once, in one layer: L1 in the node scopes and one acceptance criterion per node (the first node's also in the workflow description), L2 in comments by a trusted author (github.authors) on the two nodes' issues of the local GitHub server, L3 in the docs file each node references.`,
      `Runs through the built CLI (seed ${runSeed}), GitHub on (github.enabled, baseUrl the local server behind a recording proxy, token from the environment): \`hybrid run --mode hybrid --json\`, \`hybrid run --mode sequential\`, and \`hybrid run --mode hybrid\` with the api agent failing (its stderr quotes the prompt's tail; a post-mortem goes to the epic issue), at once, each in its own state directory (${runs.stateDirs.map((d) => d.dir).join(", ")}); then \`hybrid report --json\`, \`report --html\` and \`report\` over them, and \`hybrid plan\`. Agents: \`--runner command\` with a stand-in script that saves the prompt it received and answers with it (48 KB cap). No model was called.`,
      `Scanned: every file under the three state directories (journals, ledger, runs.jsonl, cache, progress, cli.json, the workflow copy, the HTML dashboard), every prompt the agents received (saved by the agent process), stdout and stderr of every command, ${count(runs.requestBodies)} request bodies the GitHub server received (every edit of the progress comment included) and the ${count(runs.commentsWritten)} comments the runs left there: ${scanned}. Scanners: @hybrid/context's redactSecrets (public API), @secretlint/core 12.0.0 with @secretlint/secretlint-rule-preset-recommend 12.0.0 in process on Node ${process.versions.node}, and the planted values' cores compared ignoring case.`,
      `Per location (ours / secretlint / verbatim): ${Object.entries(table).map(([loc, t]) => `${loc} ${t.ours}/${t.secretlint}/${t.verbatim}`).join("; ")}.`,
      `Exposure: ${count(markers)} [REDACTED:…] markers in the prompts the agents received; on the planted sources themselves (workflow, docs, seeded comments) our redactor finds ${count(plantedBy("ours"))}, secretlint ${count(plantedBy("secretlint"))}, the verbatim oracle ${count(plantedBy("verbatim"))}.`,
      `Detection on the raw input, per kind: ${detection.map(describeDetection).join("; ")}. secretlint's recommended preset has no rule for PII or for most provider formats here; our redactor is the one that must catch those.`,
      ...(findings.length > 0 ? [`Findings by scanner, location and kind: ${sample(findings)}`] : []),
      ...(findings.some((f) => f.location === "saved workflow copies")
        ? [
            "Product issue (reported, not fixed): the orchestrators save the input workflow verbatim as runs/<runId>/workflow.json (packages/hybrid/src/workflow-store.ts, saveWorkflow), so that `resume` reruns the exact spec; the plan and spec hashes a resume checks against the journal are over that unredacted text, so a redacted copy would be refused as a changed plan. Every secret in node text (L1) is therefore at rest in the state directory, as in the workflow file itself. Fixing it needs a design decision (hash the redacted spec, or keep only the file path and its hash), not a small patch.",
          ]
        : []),
      ...badExits.map((c) => `Unexpected exit: ${c.label} exited ${c.result.code} (expected ${c.expected}): ${c.result.stderr.trim().slice(-400)}`),
      "Left out: the model runner (a real provider's error bodies), `hybrid resume`, the rollout guard's incident bundles (none tripped), and secrets in environment variables other than the GitHub token.",
    ];
    return {
      security: {
        checks,
        seeds: [corpusSeed, runSeed],
        notes,
        stateDirs: runs.stateDirs,
        data: {
          variants,
          values: corpus.length,
          detection,
          reached,
          perLocation: table,
          scanned: { files, bytes },
          findings: groupFindings(findings),
          commands: runs.commands.map((c) => ({ label: c.label, code: c.result.code, expected: c.expected })),
        },
      },
    };
  },
};
