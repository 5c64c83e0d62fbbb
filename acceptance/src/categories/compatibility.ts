// Compatibility: sequential mode unaffected. The sequential regression suite runs as it is (a child
// vitest, JSON reporter, CI mode so it can only compare, never write); per example workflow its
// golden (prompts, outputs, gate log, statuses, post-mortem) must match byte for byte. Then the
// same suite is pointed at a scratch copy of the goldens with one byte changed: it must fail there.
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { seededRandom } from "@hybrid/test-utils";
import type { Check, Suite } from "../contract.js";
import { count, ofN } from "../format.js";
import { GOLDEN_DIR, goldenContents, parseVitestReport, runSuite } from "../governance/golden.js";

/** The scenario whose golden is mutated: the quickest of the suite, so the second run stays short. */
const MUTATED = "security-docs-audit";

export const compatibilitySuite: Suite = {
  name: "compatibility",
  categories: ["compatibility"],
  async run(ctx) {
    const goldenDir = join(ctx.repoRoot, GOLDEN_DIR);
    const files = (await readdir(goldenDir)).filter((f) => f.endsWith(".golden.md")).sort();
    const before = new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(goldenDir, f), "utf8")] as const)));

    ctx.log("the sequential regression suite (vitest, child process)");
    const run = await runSuite(ctx.repoRoot, join(ctx.workDir, "regression.json"));
    const parsed = run.report ? parseVitestReport(run.report) : { tests: [], written: 0, success: false };
    const golden = parsed.tests.filter((t) => t.scenario !== undefined);
    const passed = golden.filter((t) => t.status === "passed");
    const untested = files.filter((f) => !golden.some((t) => `${t.scenario}.golden.md` === f));
    const after = await Promise.all(files.map(async (f) => (await readFile(join(goldenDir, f), "utf8")) === before.get(f)));
    const contents = files.map((f) => ({ file: f, ...goldenContents(before.get(f)!) }));
    const total = contents.reduce((a, c) => ({ bytes: a.bytes + c.bytes, prompts: a.prompts + c.prompts, outputs: a.outputs + c.outputs, gateLines: a.gateLines + c.gateLines }), { bytes: 0, prompts: 0, outputs: 0, gateLines: 0 });
    const comparedBytes = contents.filter((c) => passed.some((t) => `${t.scenario}.golden.md` === c.file)).reduce((a, c) => a + c.bytes, 0);

    // Non-vacuity: one seeded byte of one golden changed in a scratch copy; the suite must fail that scenario only.
    const seed = ctx.seed * 1000 + 101;
    const scratch = join(ctx.workDir, "golden-mutated");
    await cp(goldenDir, scratch, { recursive: true });
    const target = `${MUTATED}.golden.md`;
    const text = before.get(target) ?? "";
    const at = Math.floor(seededRandom(seed)() * text.length);
    await writeFile(join(scratch, target), `${text.slice(0, at)}${text[at] === "x" ? "y" : "x"}${text.slice(at + 1)}`);
    ctx.log(`the same suite against a scratch golden with byte ${at} of ${target} changed`);
    const mutated = await runSuite(ctx.repoRoot, join(ctx.workDir, "regression-mutated.json"), { goldenDir: scratch, only: `${MUTATED}': prompts` });
    const mParsed = mutated.report ? parseVitestReport(mutated.report) : { tests: [], written: 0, success: true };
    const mTarget = mParsed.tests.find((t) => t.scenario === MUTATED);
    const caught = mutated.code !== 0 && mTarget?.status === "failed";
    const scratchIntact = (await readFile(join(scratch, target), "utf8")) !== text;

    const checks: Check[] = [
      {
        name: "example-workflow scenarios whose recorded prompts, outputs and gate log are byte-identical to the golden",
        measured: `${ofN(passed.length, files.length, "goldens")} (${count(comparedBytes)} of ${count(total.bytes)} bytes; ${count(total.prompts)} prompts, ${count(total.outputs)} outputs, ${count(total.gateLines)} gate-log lines pinned)`,
        threshold: "all, byte for byte",
        pass: files.length > 0 && passed.length === files.length && untested.length === 0 && run.code === 0,
        n: files.length,
        unit: "golden files",
        value: comparedBytes,
      },
      {
        name: "the suite's other tests (a scenario for every example workflow)",
        measured: ofN(parsed.tests.filter((t) => !t.scenario && t.status === "passed").length, parsed.tests.filter((t) => !t.scenario).length, "tests"),
        threshold: "all",
        pass: parsed.tests.some((t) => !t.scenario) && parsed.tests.filter((t) => !t.scenario).every((t) => t.status === "passed"),
        n: parsed.tests.filter((t) => !t.scenario).length,
        unit: "tests",
      },
      {
        name: "goldens written or changed by the run (CI mode: compare only)",
        measured: `${count(parsed.written)} reported by vitest, ${count(after.filter((same) => !same).length)} files changed on disk`,
        threshold: "0",
        pass: parsed.written === 0 && after.every(Boolean),
        n: files.length,
        unit: "golden files",
      },
      {
        name: "non-vacuity: one byte changed in a scratch copy of a golden is detected",
        measured: caught ? `detected (${MUTATED}, byte ${at}: vitest exit ${mutated.code}, test failed)` : `NOT detected (exit ${mutated.code}, test ${mTarget?.status ?? "not run"})`,
        threshold: "detected",
        pass: caught && scratchIntact && mParsed.written === 0,
        n: 1,
        unit: "mutated goldens",
      },
    ];
    return {
      compatibility: {
        checks,
        seeds: [seed],
        notes: [
          "The suite is packages/hybrid/test/sequential-regression.test.ts, run by `npx vitest run <file> --reporter=json` with CI=1 (a missing golden fails instead of being written); its results are parsed per test. Its one change for this: the golden directory can be overridden (HYBRID_SEQUENTIAL_GOLDEN_DIR), default the repository's, what it asserts unchanged. Its own determinism: a seeded checklist agent with no latency (seed 7), a fixed run id and clock, a fresh state directory whose path is the only thing normalised (ledger URLs); each scenario is also re-run 40 days later in another directory and must render the same text.",
          "A golden holds, per node in dispatch order, the exact prompt and output, attempts, token counts, status and handoff, the whole gate log with reasons, and for failing runs the post-mortem and escalation. Compared as one text per scenario; the prompt/output/gate-line counts above are read from the golden files.",
          ...contents.map((c) => {
            const t = golden.find((g) => `${g.scenario}.golden.md` === c.file);
            return `${c.file}: ${t?.status ?? "not run"} — ${count(c.bytes)} bytes, ${c.prompts} prompts, ${c.outputs} outputs, ${c.gateLines} gate-log lines compared byte for byte.`;
          }),
          `Non-vacuity: the goldens are copied to a scratch directory, byte ${at} (seeded) of ${target} replaced, and the suite run on that scenario with HYBRID_SEQUENTIAL_GOLDEN_DIR pointing at the copy.`,
          ...(untested.length ? [`Problem: goldens no test compared: ${untested.join(", ")}`] : []),
          ...golden.filter((t) => t.status !== "passed").map((t) => `Problem: ${t.scenario}: ${t.status}: ${t.failure ?? ""}`),
          ...(run.report ? [] : [`Problem: no vitest report: ${run.stderr.slice(-400)}`]),
        ],
        stateDirs: [],
        data: { goldens: contents.map((c) => ({ ...c, passed: passed.some((t) => `${t.scenario}.golden.md` === c.file) })), mutated: { file: target, byte: at, exitCode: mutated.code, status: mTarget?.status } },
      },
    };
  },
};
