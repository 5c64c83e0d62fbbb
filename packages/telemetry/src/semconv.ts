// Every OpenTelemetry name telemetry emits, in one place. The gen_ai.* names follow the GenAI
// semantic conventions of semconv v1.41.0, which are in Development status: they may change in a
// later release, so they are pinned here (and tested against the real SDK) instead of being
// imported from a moving package. The hybrid.* names are ours.

/** The semantic-conventions release the gen_ai.* names below are taken from. */
export const GEN_AI_SEMCONV_VERSION = "1.41.0";

/** Attribute keys. */
export const ATTR = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  agentName: "gen_ai.agent.name",
  workflowName: "gen_ai.workflow.name",
  requestModel: "gen_ai.request.model",
  dataSourceId: "gen_ai.data_source.id",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  tokenType: "gen_ai.token.type",
  errorType: "error.type",
} as const;

/** Values of `gen_ai.operation.name`. */
export const OPERATION = {
  invokeAgent: "invoke_agent",
  invokeWorkflow: "invoke_workflow",
  retrieval: "retrieval",
} as const;

/** Values of `gen_ai.token.type`. */
export const TOKEN_TYPE = { input: "input", output: "output" } as const;

/**
 * `gen_ai.provider.name` when neither the events nor the `providerName` option name one: OpenTelemetry's
 * fallback for a value outside the well-known list, so that an unknown provider is never mistaken
 * for a real one.
 */
export const UNKNOWN_PROVIDER = "_OTHER";

/**
 * `error.type` values: the failure category of a node's final failure (`timeout`,
 * `transient-exhausted`, `permanent`, `breaker-open`, `dependency-failed`, `gate-failed`, as the
 * producer's vocabulary says), `context_fallback` for a context source that could not be read, the
 * run status (`failed`, `aborted`, `incomplete`) on the workflow span, and `_OTHER` for anything
 * else. Never a free-text message.
 */
export const ERROR_TYPE = { other: "_OTHER", timeout: "timeout", contextFallback: "context_fallback" } as const;

// A failure category is a short identifier; anything else (a message, a path) would explode the
// cardinality of error.type, so it becomes _OTHER.
const SLUG = /^[A-Za-z][A-Za-z0-9_.-]{0,47}$/;

/** A low-cardinality `error.type`: `candidate` when it looks like an identifier, else `_OTHER`. */
export function errorType(candidate: string | undefined): string {
  return candidate !== undefined && SLUG.test(candidate) ? candidate : ERROR_TYPE.other;
}

/** Names of the instruments telemetry records at `finish()`: the GenAI ones and ours. */
export const METRIC_NAMES = {
  /** Histogram of tokens per agent invocation, with `gen_ai.token.type` = input | output. */
  genAiTokenUsage: "gen_ai.client.token.usage",
  /** Histogram of agent invocation and workflow durations, in seconds. */
  genAiOperationDuration: "gen_ai.client.operation.duration",
  tokens: "hybrid.tokens",
  runs: "hybrid.runs",
  nodeFailures: "hybrid.node.failures",
  retries: "hybrid.retries",
  nodeDuration: "hybrid.node.duration",
  runDuration: "hybrid.run.duration",
} as const;

/** Bucket boundaries the GenAI conventions recommend for `gen_ai.client.token.usage`. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/**
 * Bucket boundaries for `gen_ai.client.operation.duration` (s): the conventions' recommended ones
 * (0.01 … 81.92, doubling), continued to about 44 minutes, because an agent invocation or a
 * workflow runs for minutes, where a single model call runs for seconds.
 */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36, 1310.72, 2621.44,
];
