// The sequential regression suite (packages/hybrid/test/sequential-regression.test.ts) run as a
// child vitest with a JSON reporter: its one copy of the golden logic, nothing re-implemented here.
// Parsing its report and reading the golden files are pure functions, so their oracles are tested.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { childEnv } from "../cli.js";

export const SUITE_FILE = "packages/hybrid/test/sequential-regression.test.ts";
export const GOLDEN_DIR = "packages/hybrid/test/__golden__/sequential";

/** One test of the suite as vitest reported it. */
export interface TestVerdict {
  title: string;
  /** The golden's scenario name, from the title ("bugfix-release.conflict"), when it is a golden test. */
  scenario?: string;
  status: string;
  failure?: string;
}

/** The part of vitest's JSON report read here. */
interface VitestJson {
  success?: boolean;
  numFailedTests?: number;
  snapshot?: { added?: number; updated?: number; unmatched?: number; filesAdded?: number; filesUpdated?: number };
  testResults?: Array<{ assertionResults?: Array<{ title?: string; fullName?: string; status?: string; failureMessages?: string[] }> }>;
}

/** The verdicts and the snapshot counters of a vitest JSON report; throws when it is not one. */
export function parseVitestReport(text: string): { tests: TestVerdict[]; written: number; success: boolean } {
  const report = JSON.parse(text) as VitestJson;
  if (!Array.isArray(report.testResults)) throw new Error("not a vitest JSON report (no testResults)");
  const tests = report.testResults.flatMap((file) =>
    (file.assertionResults ?? []).map((t): TestVerdict => {
      const title = t.title ?? t.fullName ?? "?";
      const scenario = /^'?([\w.-]+)'?: prompts, outputs and gate log/.exec(title)?.[1];
      return { title, status: t.status ?? "unknown", ...(scenario ? { scenario } : {}), ...(t.failureMessages?.length ? { failure: t.failureMessages.join("\n").slice(0, 400) } : {}) };
    }),
  );
  const s = report.snapshot ?? {};
  // Any written snapshot means the run changed goldens instead of comparing them.
  const written = (s.added ?? 0) + (s.updated ?? 0) + (s.filesAdded ?? 0) + (s.filesUpdated ?? 0);
  return { tests, written, success: report.success === true };
}

/** What a golden file pins: its bytes, and how many prompts, outputs and gate-log lines it holds. */
export function goldenContents(text: string): { bytes: number; prompts: number; outputs: number; gateLines: number } {
  const gateLog = /## Gate log\n\n([\s\S]*?)\n\n## /.exec(text)?.[1] ?? "";
  return {
    bytes: Buffer.byteLength(text),
    prompts: text.match(/^### Prompt$/gm)?.length ?? 0,
    outputs: text.match(/^### Output$/gm)?.length ?? 0,
    gateLines: gateLog.split("\n").filter((l) => /^\d+\. G\d+ /.test(l)).length,
  };
}

/** vitest on the suite as a child process, CI mode (a missing golden fails instead of being written). */
export function runSuite(repoRoot: string, reportFile: string, options: { goldenDir?: string; only?: string } = {}): Promise<{ code: number; report: string; stderr: string }> {
  const args = ["vitest", "run", SUITE_FILE, "--reporter=json", `--outputFile=${reportFile}`, ...(options.only ? ["-t", options.only] : [])];
  const env = childEnv({ CI: "1", ...(options.goldenDir ? { HYBRID_SEQUENTIAL_GOLDEN_DIR: options.goldenDir } : {}) });
  // Without a scratch directory the suite must compare against the repository's goldens, whatever our environment says.
  if (!options.goldenDir) delete env.HYBRID_SEQUENTIAL_GOLDEN_DIR;
  return new Promise((done) => {
    execFile("npx", args, { cwd: repoRoot, env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      readFile(reportFile, "utf8").then(
        (report) => done({ code, report, stderr }),
        () => done({ code, report: "", stderr }),
      );
    });
  });
}
