import { createHash } from "node:crypto";
import type { ResiliencePolicyOptions } from "@hybrid/resilience";
import { PriorityCapsSchema } from "@hybrid/scheduler";
import type { PlannedNode } from "@hybrid/scheduler";
import { z } from "zod";
import type { DispatchEventListener } from "./events.js";
import type { HandoffSink } from "./handoff.js";

const isFunction = (value: unknown): boolean => typeof value === "function";
const cap = () => z.number().int().positive();

/** Default of `maxParallel`: `MAX_PARALLEL_AGENTS` from the environment, else 4. */
export function defaultMaxParallel(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.MAX_PARALLEL_AGENTS);
  return Number.isInteger(value) && value > 0 ? value : 4;
}

/** What a derivation of idempotency keys is given. */
export interface IdempotencyKeyInput {
  runId: string;
  node: PlannedNode;
  /** Digest of each dependency's output the node is prepared from (empty for a node without dependencies). */
  inputs: Readonly<Record<string, string>>;
}

/** A clock: epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Options of `createDispatchController`. */
export const DispatchOptionsSchema = z.strictObject({
  /** Most nodes running at once. @default MAX_PARALLEL_AGENTS from the environment, else 4 */
  maxParallel: cap().default(() => defaultMaxParallel()),
  /** Most nodes of a priority class running at once; a class without a cap is limited only by `maxParallel`. @default {} */
  caps: PriorityCapsSchema.default({}),
  /** Most nodes of one wave running at once. @default undefined (no per-wave cap) */
  maxPerWave: cap().optional(),
  /** Retry, timeout and breaker policy (`@hybrid/resilience`). @default resolveResiliencePolicy({}) */
  resilience: z.custom<ResiliencePolicyOptions>((value) => typeof value === "object" && value !== null).optional(),
  /** On a node's final failure: keep running unrelated branches, or dispatch nothing new. @default "continue-independent" */
  onFailure: z.enum(["continue-independent", "abort-run"]).default("continue-independent"),
  /**
   * Applied to every output and error before it is journaled, emitted, handed to dependents or
   * handed off. Pass `@hybrid/context`'s `redact` (not `redactSecrets`). @default identity
   */
  redact: z.custom<(text: string) => string>(isFunction, "expected a (text) => string function").optional(),
  /** Listener(s) for every journaled event, called once it is durable; a throwing listener is ignored. @default [] */
  onEvent: z
    .union([z.custom<DispatchEventListener>(isFunction), z.array(z.custom<DispatchEventListener>(isFunction))])
    .optional(),
  /** Clock for event timestamps and breaker timing. @default Date */
  clock: z.custom<Clock>((value) => typeof value === "object" && value !== null && isFunction((value as Clock).now)).optional(),
  /** Where each finished node's handoff is recorded (comment URL or ledger entry). @default undefined (none) */
  handoffSink: z
    .custom<HandoffSink>((value) => typeof value === "object" && value !== null && isFunction((value as HandoffSink).record))
    .optional(),
  /** How long a handoff sink may take before the handoff is journaled as failed (the node's success stands). @default 30000 */
  handoffTimeoutMs: z.number().int().positive().default(30_000),
  /** Derives a node's idempotency key, stable across attempts and restarts. @default `defaultIdempotencyKey` */
  idempotencyKey: z.custom<(input: IdempotencyKeyInput) => string>(isFunction).optional(),
  /** Seed of the retry jitter of new runs (a resumed run keeps its journaled seed). @default a random seed */
  seed: z.number().int().optional(),
  /**
   * Sleep used for retry backoff and for waiting on an open circuit breaker; inject one that
   * advances your injected clock in tests. @default a real, abortable timer
   */
  sleep: z.custom<(ms: number, signal: AbortSignal) => Promise<void>>(isFunction).optional(),
  /** Characters of output kept in a handoff summary. @default 1000 */
  summaryChars: z.number().int().positive().default(1000),
  /** Grace between SIGTERM and SIGKILL when a resume stops an agent left running by a dead orchestrator. @default 5000 */
  reapGraceMs: z.number().int().nonnegative().default(5000),
});

export type DispatchOptions = z.input<typeof DispatchOptionsSchema>;
export type ResolvedDispatchOptions = z.output<typeof DispatchOptionsSchema>;

/**
 * Default idempotency key: the run, the node, and a digest of its spec and of the outputs it is
 * prepared from. A retry or a restart of the same dispatch gets the same key (its side effects
 * dedupe); a changed spec, or a changed upstream output, is a new side effect with a new key.
 */
export function defaultIdempotencyKey({ runId, node, inputs }: IdempotencyKeyInput): string {
  let text = node.specHash;
  for (const dep of [...node.dependsOn].sort()) text += `\0${dep}\0${inputs[dep] ?? ""}`;
  return `${runId}:${node.id}:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}
