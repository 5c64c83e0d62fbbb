import { metrics, trace, type Meter, type Tracer } from "@opentelemetry/api";
import { z } from "zod";
import { RunNotStartedError, RunRecordSinkError, TelemetryOptionsError, zodProblems } from "./errors.js";
import { TELEMETRY_EVENT_TYPES, TelemetryEventSchema } from "./event-schema.js";
import { UNKNOWN_WORKFLOW } from "./build-run-record.js";
import { OtelBridge } from "./otel-bridge.js";
import { createInstruments } from "./otel-metrics.js";
import { redactDeep, redactOption } from "./redact.js";
import { RunBuilder, type RunMetadata } from "./run-builder.js";
import { RunRecordSchema, type RunRecord } from "./run-record.js";
import { UNKNOWN_PROVIDER } from "./semconv.js";

/** Where finished run records go: a JSONL store, an in-memory list, a custom uploader. */
export interface RunRecordSink {
  write(record: RunRecord): void | Promise<void>;
}

const fn = <T>(what: string) =>
  z.custom<T>((value) => typeof value === "function", { message: `expected ${what} to be a function` });
const hasMethods = <T>(what: string, ...methods: string[]) =>
  z.custom<T>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function"),
    { message: `expected ${what} with ${methods.join(", ")}()` },
  );

const defaultWarn = (message: string): void => {
  process.emitWarning(message, { code: "HYBRID_TELEMETRY" });
};

/** Options of `createTelemetry`. */
export const TelemetryOptionsSchema = z.object({
  /** Where `finish()` writes the record. @default [] */
  sinks: z.array(hasMethods<RunRecordSink>("a sink", "write")).default([]),
  /** OpenTelemetry tracer. @default trace.getTracer("@hybrid/telemetry") (a no-op without an SDK) */
  tracer: hasMethods<Tracer>("a tracer", "startSpan").optional(),
  /** OpenTelemetry meter. @default metrics.getMeter("@hybrid/telemetry") (a no-op without an SDK) */
  meter: hasMethods<Meter>("a meter", "createCounter", "createHistogram").optional(),
  /**
   * Applied to every string written: record, span names, attributes, exceptions, warnings. Required
   * (no default): pass @hybrid/context's `redact`, or `(text) => text` to opt out visibly. A function
   * that returns anything but a string (such as `redactSecrets`) is refused.
   */
  redact: redactOption("createTelemetry"),
  /**
   * `gen_ai.provider.name` of agent spans and metrics when a node's events carry no `provider`
   * (e.g. `openai`, `anthropic`; `hybrid.simulated` for the simulated runner).
   * @default "_OTHER" (OpenTelemetry's value for a provider outside its list: unknown, never a guess)
   */
  providerName: z.string().min(1).default(UNKNOWN_PROVIDER),
  /** Epoch-ms clock, used only when a run has no event timestamps to go by. @default Date.now */
  clock: fn<() => number>("clock").default(() => Date.now),
  /** Receives warnings (events of another run, events that did not parse). @default process.emitWarning */
  onWarning: fn<(message: string) => void>("onWarning").default(() => defaultWarn),
});
export type TelemetryOptions = z.input<typeof TelemetryOptionsSchema>;
type ParsedTelemetryOptions = z.output<typeof TelemetryOptionsSchema>;

/** Run facts that the dispatcher's events do not carry; given by the orchestrator. */
export const RunMetadataSchema = z.object({
  /** `sequential` or `hybrid`. @default derived from run.started's mode (`sequential` → sequential, else hybrid) */
  mode: z.enum(["sequential", "hybrid"]).optional(),
  /** Flag values the strategy saw. @default {} */
  flags: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).default({}),
  /** Why the strategy chose this mode. @default "" */
  strategyReason: z.string().default(""),
  /** Hash of the workflow file's content; runs are matched across modes by it. @default "" */
  workflowContentHash: z.string().default(""),
  /** Hash of the effective config, for determinism checks. */
  configHash: z.string().optional(),
  /** True when the runner is seeded, so plan and dispatch order must repeat. @default false */
  seeded: z.boolean().default(false),
  /** The runner's seed. */
  runnerSeed: z.union([z.number(), z.string()]).optional(),
  /** Id of the run this one resumes. @default the run id, when a run.resumed event is seen */
  resumedFrom: z.string().optional(),
  /** Overrides the workflowId of run.started or run.resumed. @default what the events say, else "unknown" (with a warning) */
  workflowId: z.string().min(1).optional(),
  /** Overrides run.started's taskType. @default "unspecified" */
  taskType: z.string().min(1).optional(),
});
export type RunMetadataInput = z.input<typeof RunMetadataSchema>;

/** Records one run at a time from its events; `finish()` writes the record and starts afresh. */
export interface Telemetry {
  /** Feeds one event; returns true when it was consumed (a known type, of the current run). */
  handle(event: unknown): boolean;
  /** Same as `handle`, for a producer's listener option: `createDispatchController({ onEvent: telemetry.onEvent })`. */
  onEvent(event: unknown): boolean;
  /** Adds run facts that events do not carry; may be called before or after run.started. */
  startRun(metadata?: RunMetadataInput): void;
  /** The record as it would be written now (redacted), without finishing. */
  snapshot(): RunRecord;
  /** Builds the record, redacts it, writes it to every sink, ends open spans, records metrics. */
  finish(): Promise<RunRecord>;
}

function parseOrThrow<S extends z.ZodType>(schema: S, what: string, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new TelemetryOptionsError(what, zodProblems(parsed.error), parsed.error);
  return parsed.data;
}

const KNOWN_TYPES = new Set<string>(TELEMETRY_EVENT_TYPES);

/**
 * Creates a run recorder that subscribes to dispatch, context and gate events as plain data.
 * @example
 * const telemetry = createTelemetry({ sinks: [createJsonlRunStore({ dir: ".hybrid", redact })], redact });
 * const controller = createDispatchController({ onEvent: telemetry.onEvent });
 * telemetry.startRun({ mode: "hybrid", workflowContentHash });
 * await controller.run(plan, { runner, store });
 * const record = await telemetry.finish();
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const opts: ParsedTelemetryOptions = parseOrThrow(TelemetryOptionsSchema, "createTelemetry", options ?? {});
  const tracer = opts.tracer ?? trace.getTracer("@hybrid/telemetry");
  const instruments = createInstruments(opts.meter ?? metrics.getMeter("@hybrid/telemetry"));
  const newBridge = () => new OtelBridge(tracer, instruments, opts.redact, opts.providerName);
  let run = new RunBuilder();
  let bridge = newBridge();
  let meta: RunMetadata = RunMetadataSchema.parse({});

  const handle = (event: unknown): boolean => {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || !KNOWN_TYPES.has(type)) return false;
    const parsed = TelemetryEventSchema.safeParse(event);
    if (!parsed.success) {
      run.dropped += 1;
      const where = zodProblems(parsed.error).map((p) => `${p.path}: ${p.message}`).join("; ");
      opts.onWarning(opts.redact(`[telemetry] dropped a ${type} event that does not parse (${where})`));
      return false;
    }
    const data = parsed.data;
    const eventRun = "runId" in data ? data.runId : undefined;
    if (eventRun !== undefined && run.runId !== undefined && eventRun !== run.runId) {
      opts.onWarning(opts.redact(`[telemetry] ignored a ${type} event of run ${eventRun} while recording run ${run.runId}`));
      return false;
    }
    run.apply(data);
    bridge.apply(data, run);
    return true;
  };

  const build = (): RunRecord => {
    const built = run.build(meta, opts.clock());
    if ("missing" in built) throw new RunNotStartedError(built.missing);
    return built;
  };
  const warnUnknownWorkflow = (record: RunRecord): void => {
    if (run.workflowId !== undefined || meta.workflowId !== undefined) return;
    opts.onWarning(
      opts.redact(
        `[telemetry] run ${record.runId}: no event named its workflow (a run.resumed without workflowId); recorded as workflowId "${UNKNOWN_WORKFLOW}"`,
      ),
    );
  };

  return {
    handle,
    onEvent: handle,
    startRun(metadata = {}) {
      meta = parseOrThrow(RunMetadataSchema, "startRun", metadata);
    },
    snapshot: () => RunRecordSchema.parse(redactDeep(build(), opts.redact)),
    async finish() {
      const raw = build();
      warnUnknownWorkflow(raw);
      // Redacting can only replace strings, so the record stays valid; parse guards that anyway.
      const record = RunRecordSchema.parse(redactDeep(raw, opts.redact));
      bridge.finish(raw, run);
      const finished = run;
      run = new RunBuilder();
      bridge = newBridge();
      meta = RunMetadataSchema.parse({});
      const failures: { sink: number; error: unknown }[] = [];
      for (const [index, sink] of opts.sinks.entries()) {
        try {
          await sink.write(record);
        } catch (error) {
          failures.push({ sink: index, error });
        }
      }
      if (failures.length > 0) throw new RunRecordSinkError(finished.runId!, failures);
      return record;
    },
  };
}

/** A sink that keeps records in memory (tests, or a report built in the same process). */
export function createMemoryRunSink(): RunRecordSink & { readonly records: RunRecord[] } {
  const records: RunRecord[] = [];
  return {
    records,
    write(record) {
      records.push(record);
    },
  };
}
