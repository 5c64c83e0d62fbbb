// @hybrid/telemetry: the cost of recording one event (parse + fold + no-op OTel spans), of
// finishing a 20,000-node chain, and of building a report (compareModes with its bootstrap
// intervals + trend + dashboard render) over 10,000 run records.
import {
  TelemetryEventSchema,
  compareModes,
  createTelemetry,
  renderDashboard,
  trend,
  type RunRecord,
} from "@hybrid/telemetry";
import { chainRun } from "../packages/telemetry/test/fixtures/chain.js";
import { generateRunEvents } from "../packages/telemetry/test/fixtures/event-stream.js";
import { measure, printSuite, seededRandom, writeResults, type SuiteResult } from "./harness.js";

const STREAMS = 200;
const RECORDS = 10_000;
const CHAIN = 20_000;
// The bench measures, it does not redact: an explicit identity is the visible choice.
const redact = (text: string) => text;

function streams(): Record<string, unknown>[][] {
  const out: Record<string, unknown>[][] = [];
  for (let i = 0; i < STREAMS; i++) {
    const mode = (["wave", "eager", "sequential"] as const)[i % 3]!;
    out.push(generateRunEvents({ seed: i + 1, nodeCount: 12, mode, retryRate: 0.1, failRate: 0.02, runId: `bench-${i}` }).events);
  }
  return out;
}

async function recordAll(all: Record<string, unknown>[][]): Promise<RunRecord[]> {
  const telemetry = createTelemetry({ redact, onWarning: () => undefined });
  const records: RunRecord[] = [];
  for (const events of all) {
    telemetry.startRun({ workflowContentHash: `sha256:${events.length % 7}` });
    for (const event of events) telemetry.handle(event);
    records.push(await telemetry.finish());
  }
  return records;
}

/** 10,000 records spread over 90 days, 4 task types, 20 workflows, both modes. */
function manyRecords(seedRecords: RunRecord[]): RunRecord[] {
  const random = seededRandom(42);
  const start = Date.UTC(2025, 0, 1);
  const taskTypes = ["feature", "bugfix", "refactor", "docs"];
  return Array.from({ length: RECORDS }, (_, i) => {
    const base = seedRecords[i % seedRecords.length]!;
    const workflow = i % 20;
    const mode = i % 2 === 0 ? "sequential" : "hybrid";
    const scale = mode === "sequential" ? 1 : 0.55 + random() * 0.2;
    return {
      ...base,
      runId: `r-${i}`,
      workflowId: `wf-${workflow}`,
      workflowContentHash: `sha256:wf-${workflow}`,
      taskType: taskTypes[workflow % 4]!,
      mode,
      startedAt: start + Math.floor(random() * 90 * 86_400_000),
      seeded: i % 5 === 0,
      runnerSeed: i % 3,
      metrics: {
        ...base.metrics,
        duration_ms: Math.round(5_000 * scale * (0.8 + random() * 0.4)),
        token_input: Math.round(20_000 * (mode === "sequential" ? 1 : 0.5 + random() * 0.2)),
      },
    } satisfies RunRecord;
  });
}

export async function runTelemetryBench(): Promise<void> {
  const all = streams();
  const eventCount = all.reduce((n, events) => n + events.length, 0);
  const recording: SuiteResult = {
    suite: "telemetry",
    case: `record ${STREAMS} runs, ${eventCount} events (12-node DAGs, no-op OTel)`,
    baseline: "zod parse only",
    measurements: [
      await measure("zod parse only", () => {
        for (const events of all) for (const event of events) TelemetryEventSchema.safeParse(event);
      }),
      await measure("createTelemetry handle+finish", () => recordAll(all)),
    ],
  };
  for (const m of recording.measurements) {
    if (m.medianMs !== null) m.extra = { "µs/event": ((m.medianMs * 1000) / eventCount).toFixed(2) };
  }
  printSuite(recording);

  const chain = [...chainRun(CHAIN)];
  const deep: SuiteResult = {
    suite: "telemetry",
    case: `finish() of a ${CHAIN.toLocaleString("en")}-node chain (${chain.length.toLocaleString("en")} events)`,
    baseline: "handle+finish",
    measurements: [
      await measure("handle+finish", async () => {
        const telemetry = createTelemetry({ redact, onWarning: () => undefined });
        for (const event of chain) telemetry.handle(event);
        await telemetry.finish();
      }),
    ],
  };
  printSuite(deep);

  const records = manyRecords(await recordAll(all.slice(0, 60)));
  const report: SuiteResult = {
    suite: "telemetry",
    case: `report over ${RECORDS.toLocaleString("en")} records`,
    baseline: "compareModes",
    measurements: [
      await measure("compareModes", () => compareModes(records)),
      await measure("compareModes, no interval (100 resamples)", () => compareModes(records, { bootstrap: { resamples: 100 } })),
      await measure("trend (day, taskType)", () => trend(records, { by: "day", groupBy: "taskType" })),
      await measure("renderDashboard", () => renderDashboard(records, { redact, by: "week" })),
      await measure("compareModes + renderDashboard (which compares and trends)", () => {
        compareModes(records);
        renderDashboard(records, { redact, by: "week" });
      }),
    ],
    notes: [
      `dashboard size: ${(renderDashboard(records, { redact, by: "week" }).length / 1024).toFixed(0)} KiB`,
      "compareModes draws 2,000 bootstrap resamples of both modes for each of its two medians",
    ],
  };
  printSuite(report);
  writeResults("telemetry", [recording, deep, report], { "report over 10k records": "< 1000 ms" });
}

// Run directly: node --conditions=@hybrid/source --import tsx bench/telemetry.bench.ts
if (import.meta.url === `file://${process.argv[1]}`) await runTelemetryBench();
