// @hybrid/telemetry: run records, OpenTelemetry spans and metrics, the JSONL run store, reports.
// It imports nothing of ours: events from dispatch, context and the orchestrator arrive as data.

// What producers send, and what is recorded.
export { TelemetryEventSchema, TELEMETRY_EVENT_TYPES } from "./event-schema.js";
export type { TelemetryEvent, TelemetryEventInput, TelemetryEventOf } from "./event-schema.js";
export { RunRecordSchema, REQUIRED_METRICS } from "./run-record.js";
export type {
  RunRecord,
  RunRecordInput,
  RunMetrics,
  NodeRecord,
  GateRecord,
  WaveRecord,
  RequiredMetric,
  RunMode,
  RunStatus,
  NodeStatus,
} from "./run-record.js";

// Recording and storing.
export { createTelemetry, createMemoryRunSink } from "./telemetry.js";
export type { Telemetry, TelemetryOptions, RunMetadataInput, RunRecordSink } from "./telemetry.js";
export type { Redact } from "./redact.js";
export { METRIC_NAMES } from "./semconv.js";
export { createJsonlRunStore } from "./jsonl-run-store.js";
export type { JsonlRunStore, JsonlRunStoreOptions, RunQuery, RunStoreScan } from "./jsonl-run-store.js";
export { validateRunRecords } from "./validate.js";
export type { RunRecordValidation, RunRecordProblem } from "./validate.js";

// Comparing and reporting.
export { compareModes } from "./compare-modes.js";
export type { ModeComparison, WorkflowComparison, ThresholdCheck, Thresholds, CompareModesOptions, Verdict } from "./compare-modes.js";
export { estimateMedian } from "./stats.js";
export type { Distribution, Estimate, ConfidenceInterval, EstimateOptions } from "./stats.js";
export { trend } from "./trend.js";
export type { Trend, TrendPoint, TrendMetrics, TrendOptions } from "./trend.js";
export { findDeterminismRegressions } from "./determinism.js";
export type { DeterminismRegression } from "./determinism.js";
export { buildReport, renderTerminalTable, renderJsonReport, renderMarkdownReport } from "./report.js";
export type { Report, ReportOptions } from "./report.js";
export { renderDashboard } from "./dashboard.js";
export type { DashboardOptions } from "./dashboard.js";

export {
  TelemetryOptionsError,
  InvalidRunRecordError,
  RunStoreCorruptError,
  RunStoreLockError,
  RunNotStartedError,
  RunRecordSinkError,
  isTelemetryOptionsError,
  isInvalidRunRecordError,
  isRunStoreCorruptError,
  isRunStoreLockError,
  isRunNotStartedError,
  isRunRecordSinkError,
} from "./errors.js";
export type { TelemetryProblem, CorruptLine } from "./errors.js";
