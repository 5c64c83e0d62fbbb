import { thrown } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import {
  buildReport,
  createJsonlRunStore,
  createTelemetry,
  isTelemetryOptionsError,
  renderDashboard,
  renderJsonReport,
  renderMarkdownReport,
  renderTerminalTable,
  type TelemetryProblem,
} from "../src/index.js";
import { handCheckedStream } from "./fixtures/hand-checked.js";
import { makeRecord } from "./fixtures/records.js";

// @hybrid/context's redactSecrets, as a user might wrongly pass it: it returns { text, findings }.
const redactSecrets = (text: string) => ({ text: text.replaceAll("hunter2", "[REDACTED]"), findings: [] as string[] });


const problemsOf = (error: unknown): TelemetryProblem[] => (error as { problems: TelemetryProblem[] }).problems;

const writers: [string, (redact: unknown) => unknown][] = [
  ["createTelemetry", (redact) => createTelemetry({ redact } as never)],
  ["createJsonlRunStore", (redact) => createJsonlRunStore({ dir: "/nonexistent-never-written", redact } as never)],
  ["buildReport", (redact) => buildReport([], { redact } as never)],
  ["renderDashboard", (redact) => renderDashboard([], { redact } as never)],
];

describe("every writer of an artifact requires a redactor", () => {
  it.each(writers)("%s refuses a missing redact with our typed error naming the option", (name, make) => {
    const error = thrown(() => make(undefined));
    expect(isTelemetryOptionsError(error)).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^\\[telemetry\\] invalid ${name} options:\\n  - redact: required: a function`));
    expect(problemsOf(error)).toEqual([{ path: "redact", message: expect.stringMatching(/^required: a function \(text: string\) => string/) }]);
  });

  it.each(writers)("%s refuses redactSecrets (returns { text, findings }) when it is created, naming the fix", (_name, make) => {
    const error = thrown(() => make(redactSecrets));
    expect(isTelemetryOptionsError(error)).toBe(true);
    expect(error).not.toHaveProperty("issues"); // not a raw ZodError
    expect(problemsOf(error)).toEqual([
      { path: "redact", message: expect.stringContaining("returned an object, not a string (it looks like { text, findings }: pass `redact`, not `redactSecrets`") },
    ]);
  });

  it.each(writers)("%s accepts an explicit identity function", (_name, make) => {
    expect(make((text: string) => text)).toBeDefined();
  });

  it("a redactor that stops returning strings later fails loudly where it is used", async () => {
    const sneaky = (text: string) => (text === "odd reason" ? (42 as unknown as string) : text);
    const telemetry = createTelemetry({ redact: sneaky, onWarning: () => undefined });
    telemetry.startRun({ strategyReason: "odd reason" });
    for (const event of handCheckedStream()) telemetry.handle(event);
    const error = await telemetry.finish().then(
      () => expect.unreachable("finish wrote a record through a broken redactor"),
      (e: unknown) => e,
    );
    expect(isTelemetryOptionsError(error)).toBe(true);
    expect(problemsOf(error)).toEqual([{ path: "redact", message: "returned a number, not a string" }]);
  });

  it("the redactor is applied to the records a report is built from", () => {
    const records = [
      makeRecord({ runId: "s", mode: "sequential", workflowId: "wf-hunter2" }),
      makeRecord({ runId: "h", mode: "hybrid", workflowId: "wf-hunter2" }),
    ];
    const report = buildReport(records, { redact: (text) => text.replaceAll("hunter2", "[REDACTED]") });
    expect(report.comparison.workflows.map((w) => w.workflowId)).toEqual(["wf-[REDACTED]"]);
    expect(JSON.stringify(report)).not.toContain("hunter2");
  });
});

describe("nothing a renderer writes escapes the redactor", () => {
  it("report renderers and the dashboard show no secret from any field of the records", () => {
    const S = "hunter2";
    const redactS = (text: string) => text.replaceAll(S, "[REDACTED]");
    const node = makeRecord().nodes[0]!;
    const records = ["sequential", "hybrid"].flatMap((mode, m) =>
      Array.from({ length: 6 }, (_, i) =>
        makeRecord({
          runId: `run-${S}-${m}-${i}`,
          mode: mode as "sequential" | "hybrid",
          workflowId: `wf-${S}`,
          taskType: `type-${S}`,
          strategyReason: `because ${S}`,
          seeded: true,
          dispatchOrder: [i % 2 ? `n-${S}` : "other"],
          nodes: [{ ...node, id: `n-${S}`, agent: `agent-${S}`, error: { message: `failed with ${S}` } }],
          criticalPath: [`n-${S}`],
          startedAt: Date.UTC(2025, 2, 3 + i),
        }),
      ),
    );
    const report = buildReport(records, { redact: redactS });
    expect(report.determinismRegressions.length).toBeGreaterThan(0); // run ids are in the report
    for (const text of [renderTerminalTable(report), renderMarkdownReport(report), renderJsonReport(report)]) {
      expect(text).toContain("[REDACTED]");
      expect(text).not.toContain(S);
    }
    const html = renderDashboard(records, { redact: redactS, title: `dash ${S}`, runId: `run-${S}-1-0` });
    expect(html).toContain(`data-run-id="run-[REDACTED]-1-0"`);
    expect(html).not.toContain(S);
    expect(renderDashboard(records, { redact: redactS, runId: `missing-${S}` })).not.toContain(S);
  });
});
