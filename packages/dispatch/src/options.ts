import type { PlannedNode } from "@hybrid/scheduler";
import type { ResiliencePolicyOptions } from "@hybrid/resilience";
import { z } from "zod";
import type { DispatchEventListener } from "./events.js";
import type { HandoffSink } from "./handoff.js";

const isFunction = (value: unknown): boolean => typeof value === "function";
const cap = () => z.number().int().positive();

/** Default of `maxParallel`: `MAX_PARALLEL_AGENTS` from the environment, else 4. */
export function defaultMaxParallel(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.MAX_PARALLEL_AGENTS);
  return Number.isInteger(value) && value > 0 ? value : 4;
}

/** What a derivation of idempotency keys is given. */
export interface IdempotencyKeyInput {
  runId: string;
  node: PlannedNode;
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
  caps: z
    .strictObject({
      security: cap().optional(),
      architecture: cap().optional(),
      implementation: cap().optional(),
      docs: cap().optional(),
    })
    .default({}),
  /** Most nodes of one wave running at once. @default undefined (no per-wave cap) */
  maxPerWave: cap().optional(),
  /** Retry, timeout and breaker policy (`@hybrid/resilience`). @default resolveResiliencePolicy({}) */
  resilience: z.custom<ResiliencePolicyOptions>((value) => typeof value === "object" && value !== null).optional(),
  /** On a node's final failure: keep running unrelated branches, or dispatch nothing new. @default "continue-independent" */
  onFailure: z.enum(["continue-independent", "abort-run"]).default("continue-independent"),
  /** Applied to every output, error and summary before it is journaled, emitted or handed off. @default identity */
  redact: z.custom<(text: string) => string>(isFunction).optional(),
  /** Listener(s) for every journaled event. @default [] */
  onEvent: z
    .union([z.custom<DispatchEventListener>(isFunction), z.array(z.custom<DispatchEventListener>(isFunction))])
    .optional(),
  /** Clock for event timestamps and breaker timing. @default Date */
  clock: z.custom<Clock>((value) => typeof value === "object" && value !== null && isFunction((value as Clock).now)).optional(),
  /** Where each finished node's handoff is recorded (comment URL or ledger entry). @default undefined (none) */
  handoffSink: z
    .custom<HandoffSink>((value) => typeof value === "object" && value !== null && isFunction((value as HandoffSink).record))
    .optional(),
  /** Derives a node's idempotency key, stable across attempts and restarts. @default `${runId}:${nodeId}:${specHash[0..16]}` */
  idempotencyKey: z.custom<(input: IdempotencyKeyInput) => string>(isFunction).optional(),
  /** Random source for retry jitter (seed it for exact replays). @default Math.random */
  random: z.custom<() => number>(isFunction).optional(),
  /** Sleep used between retries (inject a fake in tests). @default a real, abortable timer */
  sleep: z.custom<(ms: number, signal?: AbortSignal) => Promise<void>>(isFunction).optional(),
  /** Characters of output kept in a handoff summary. @default 1000 */
  summaryChars: z.number().int().positive().default(1000),
});

export type DispatchOptions = z.input<typeof DispatchOptionsSchema>;
export type ResolvedDispatchOptions = z.output<typeof DispatchOptionsSchema>;

/** Default idempotency key: the run, the node and its spec, so a changed spec is a new side effect. */
export function defaultIdempotencyKey({ runId, node }: IdempotencyKeyInput): string {
  return `${runId}:${node.id}:${node.specHash.slice(0, 16)}`;
}
