import { z } from "zod";
import { ContextOptionsError, describeError, type OptionProblem } from "./errors.js";
import { createEmitter, systemClock, type Clock, type ContextEventListener } from "./events.js";
import { redactOption } from "./option-redactor.js";
import { redact as defaultRedact } from "./redact.js";
import {
  ContextSegmentSchema,
  checkRequest,
  parseOptions,
  type ContextProvider,
  type ContextRequest,
  type ContextSegment,
} from "./segment.js";

const fn = <T>() => z.custom<T>((value) => typeof value === "function");

export const LoadContextOptionsSchema = z.object({
  /** Receives `context.fallback` (a provider failed or broke its contract) and `context.duplicate` events. */
  onEvent: fn<ContextEventListener>().optional(),
  /** @default () => new Date() */
  clock: fn<Clock>().optional(),
  /** Redacts the free text of events (reasons, ids). @default redact (this package's) */
  redact: redactOption.optional(),
});
export type LoadContextOptions = z.input<typeof LoadContextOptionsSchema>;

const ProviderSchema = z.object({
  tier: z.enum(["L1", "L2", "L3"]),
  name: z.string().min(1),
  required: z.boolean().optional(),
  collect: fn<ContextProvider["collect"]>(),
});

const SegmentsSchema = z.array(ContextSegmentSchema);

/** What is wrong with a provider's output, or undefined when every segment is valid and of its tier. */
function contractProblems(provider: ContextProvider, output: unknown): OptionProblem[] {
  const parsed = SegmentsSchema.safeParse(output);
  if (!parsed.success) return parsed.error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
  return parsed.data.flatMap((segment, i) =>
    segment.tier === provider.tier
      ? []
      : [{ path: `[${i}].tier`, message: `"${segment.tier}" is not the provider's declared tier (${provider.tier})` }],
  );
}

const summary = (problems: readonly OptionProblem[]) =>
  problems
    .slice(0, 3)
    .map((p) => `${p.path === "" ? "(root)" : p.path}: ${p.message}`)
    .join("; ") + (problems.length > 3 ? `; and ${problems.length - 3} more` : "");

/**
 * Runs every provider for one request, concurrently, and concatenates their segments in provider
 * order. A provider that rejects, or yields a segment that is invalid or not of its declared tier,
 * contributes nothing and is reported as a `context.fallback` event; the others still load. Only a
 * `required` provider's failure rejects the whole call. When two segments share an id, the first
 * (provider order, then output order) is kept and a `context.duplicate` event names both providers.
 * An invalid request, or an aborted `signal`, rejects.
 */
export async function loadContext(
  providers: readonly ContextProvider[],
  request: ContextRequest,
  options: LoadContextOptions = {},
): Promise<ContextSegment[]> {
  const opts = parseOptions("loadContext options", LoadContextOptionsSchema, options);
  // Validated for the error paths only: the providers themselves are used as given (class instances keep `this`).
  parseOptions("providers", z.array(ProviderSchema), providers);
  checkRequest(request);
  const emit = createEmitter(opts.onEvent, opts.redact ?? defaultRedact, opts.clock ?? systemClock);
  const scope = { runId: request.runId, nodeId: request.node.id };
  // Each provider is called inside its own promise so that a synchronous throw is its failure alone.
  const settled = await Promise.allSettled(providers.map(async (provider) => provider.collect(request)));
  request.signal?.throwIfAborted();
  const segments: ContextSegment[] = [];
  const owner = new Map<string, string>();
  settled.forEach((result, index) => {
    const provider = providers[index]!;
    const fail = (reason: string) =>
      emit(scope, { type: "context.fallback", provider: provider.name, tier: provider.tier, source: `provider:${provider.name}`, reason, stale: false });
    if (result.status === "rejected") {
      if (provider.required) throw result.reason;
      fail(`provider failed: ${describeError(result.reason)}`);
      return;
    }
    const problems = contractProblems(provider, result.value);
    if (problems.length > 0) {
      if (provider.required) throw new ContextOptionsError(`segments of provider "${provider.name}"`, problems);
      fail(`provider returned invalid segments, all of them rejected: ${summary(problems)}`);
      return;
    }
    for (const segment of result.value) {
      const kept = owner.get(segment.id);
      if (kept !== undefined) {
        emit(scope, { type: "context.duplicate", id: segment.id, keptFrom: kept, droppedFrom: provider.name });
        continue;
      }
      owner.set(segment.id, provider.name);
      segments.push(segment);
    }
  });
  return segments;
}
