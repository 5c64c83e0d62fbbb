// @hybrid/telemetry: run records, OpenTelemetry spans and metrics, the JSONL run store, reports.
// It imports nothing of ours: events from dispatch, context and the orchestrator arrive as data.

export {
  TelemetryEventSchema,
  TELEMETRY_EVENT_TYPES,
  RunStartedEventSchema,
  NodeDispatchedEventSchema,
  NodeSucceededEventSchema,
  NodeFailedEventSchema,
  ContextComposedEventSchema,
  GateEvaluatedEventSchema,
} from "./event-schema.js";
export type { TelemetryEvent, TelemetryEventInput, TelemetryEventOf } from "./event-schema.js";

export { RunRecordSchema, RunMetricsSchema, NodeRecordSchema, REQUIRED_METRICS } from "./run-record.js";
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

export { createTelemetry, createMemoryRunSink, TelemetryOptionsSchema, RunMetadataSchema } from "./telemetry.js";
export type { Telemetry, TelemetryOptions, RunMetadataInput, RunRecordSink } from "./telemetry.js";
export { METRIC_NAMES } from "./otel-bridge.js";
export { actualCriticalPath } from "./run-metrics.js";
export { redactDeep } from "./redact.js";
export type { Redact } from "./redact.js";

export { createJsonlRunStore, JsonlRunStoreOptionsSchema, RunQuerySchema } from "./jsonl-run-store.js";
export type { JsonlRunStore, JsonlRunStoreOptions, RunQuery, RunStoreScan } from "./jsonl-run-store.js";
export { validateRunRecords } from "./validate.js";
export type { RunRecordValidation, RunRecordProblem } from "./validate.js";

export { compareModes, CompareModesOptionsSchema, ThresholdsSchema } from "./compare-modes.js";
export type { ModeComparison, WorkflowComparison, ThresholdCheck, Thresholds, CompareModesOptions } from "./compare-modes.js";
export { trend, periodOf, TrendOptionsSchema, TREND_METRICS } from "./trend.js";
export type { Trend, TrendPoint, TrendMetrics, TrendOptions } from "./trend.js";
export { findDeterminismRegressions } from "./determinism.js";
export type { DeterminismRegression } from "./determinism.js";
export type { Distribution } from "./stats.js";

export { buildReport, renderTerminalTable, renderJsonReport, renderMarkdownReport, ReportOptionsSchema } from "./report.js";
export type { Report, ReportOptions } from "./report.js";
export { renderDashboard, DashboardOptionsSchema } from "./dashboard.js";
export type { DashboardOptions } from "./dashboard.js";
export { escapeHtml } from "./html.js";

export {
  TelemetryOptionsError,
  InvalidRunRecordError,
  RunStoreCorruptError,
  RunNotStartedError,
  RunRecordSinkError,
  isTelemetryOptionsError,
  isInvalidRunRecordError,
  isRunStoreCorruptError,
  isRunNotStartedError,
  isRunRecordSinkError,
} from "./errors.js";
export type { TelemetryProblem, CorruptLine } from "./errors.js";
