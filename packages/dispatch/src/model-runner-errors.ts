// The model runner's failure kinds, in the one error shape of this package (see errors.ts): a class
// per kind, a stable `code`, a `Symbol.for` brand, and an explicit `transient` that resilience's
// `classifyError` believes over its heuristics, so the retry policy alone decides what happens next.

const brands = {
  ModelCallError: Symbol.for("hybrid.dispatch.ModelCallError"),
  ModelResponseError: Symbol.for("hybrid.dispatch.ModelResponseError"),
  ModelUsageMissingError: Symbol.for("hybrid.dispatch.ModelUsageMissingError"),
  ModelSdkMissingError: Symbol.for("hybrid.dispatch.ModelSdkMissingError"),
} as const;

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Keeps messages bounded: a provider's error body can be anything. */
const clip = (text: string, max = 300): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * The provider refused or could not be reached. `transient` for HTTP 408, 409, 429, 5xx and network
 * failures (the retry policy tries again), permanent for other 4xx (a bad key, an unknown model).
 */
export class ModelCallError extends Error {
  readonly code = "model-call-failed" as const;
  /** `provider/modelId` of the model called. */
  readonly model: string;
  /** The HTTP status, when the provider answered. */
  readonly status: number | undefined;
  readonly transient: boolean;
  /**
   * What the provider's `retry-after` (or `retry-after-ms`) asked for, in milliseconds. Recorded,
   * not obeyed: dispatch's retry policy has no delay hint yet, so its own backoff decides.
   */
  readonly retryAfterMs: number | undefined;
  readonly [brands.ModelCallError] = true;

  constructor(init: { model: string; status: number | undefined; transient: boolean; retryAfterMs?: number; message: string; cause?: unknown }) {
    const what = init.status !== undefined ? `HTTP ${init.status}` : "no response";
    const after = init.retryAfterMs !== undefined ? `, the provider asked to retry after ${init.retryAfterMs}ms` : "";
    super(`[dispatch] model ${init.model}: ${what} (${init.transient ? "transient" : "permanent"}${after}): ${clip(init.message)}`, { cause: init.cause });
    this.name = "ModelCallError";
    this.model = init.model;
    this.status = init.status;
    this.transient = init.transient;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** The provider answered something that is not a chat completion (malformed JSON, a wrong shape, nothing at all). */
export class ModelResponseError extends Error {
  readonly code = "model-response-invalid" as const;
  readonly model: string;
  /** Never retried: a server that answers garbage is misconfigured, not busy. */
  readonly transient = false as const;
  readonly [brands.ModelResponseError] = true;

  constructor(model: string, detail: string, cause?: unknown) {
    super(`[dispatch] model ${model} answered something that is not a valid completion: ${clip(detail)}`, { cause });
    this.name = "ModelResponseError";
    this.model = model;
  }
}

/**
 * The provider's response carried no token usage. The node fails rather than record an estimate;
 * `allowMissingUsage: true` accepts the output with tokens recorded as unknown instead.
 */
export class ModelUsageMissingError extends Error {
  readonly code = "model-usage-missing" as const;
  readonly model: string;
  readonly transient = false as const;
  readonly [brands.ModelUsageMissingError] = true;

  constructor(model: string) {
    super(
      `[dispatch] model ${model} reported no token usage (inputTokens/outputTokens), so this node's tokens cannot be known; ` +
        "enable usage reporting on the server (streamed replies need stream_options.include_usage), or set allowMissingUsage to record them as unknown",
    );
    this.name = "ModelUsageMissingError";
    this.model = model;
  }
}

/** The `ai` package (the Vercel AI SDK, 6.x) could not be loaded when the model runner first ran. */
export class ModelSdkMissingError extends Error {
  readonly code = "model-sdk-missing" as const;
  readonly transient = false as const;
  readonly [brands.ModelSdkMissingError] = true;

  constructor(cause: unknown) {
    super(`[dispatch] the model runner needs the Vercel AI SDK: install ai@6 next to @hybrid/dispatch (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = "ModelSdkMissingError";
  }
}

export const isModelCallError = (e: unknown): e is ModelCallError => hasBrand(e, brands.ModelCallError);
export const isModelResponseError = (e: unknown): e is ModelResponseError => hasBrand(e, brands.ModelResponseError);
export const isModelUsageMissingError = (e: unknown): e is ModelUsageMissingError => hasBrand(e, brands.ModelUsageMissingError);
export const isModelSdkMissingError = (e: unknown): e is ModelSdkMissingError => hasBrand(e, brands.ModelSdkMissingError);
