// What travels through Redis: the task a coordinator hands a worker, and the failure a worker
// hands back. Both are versioned and validated on arrival: a queue is shared state that other
// software (or an older hybrid) can write to, and a job that does not parse fails that one node.
import { PrioritySchema } from "@hybrid/graph";
import type { NodeSpec } from "@hybrid/graph";
import { ErrorInfoSchema } from "@hybrid/resilience";
import type { ErrorClass, ErrorInfo } from "@hybrid/resilience";
import { z } from "zod";
import type { AgentTask } from "../runner.js";

/** Version of the job payload; a worker refuses (fails permanently) a version it does not know. */
export const JOB_FORMAT_VERSION = 1;

const NodeSpecShape = z.custom<NodeSpec>(
  (value) => typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "string" && typeof (value as { agent?: unknown }).agent === "string",
  { message: "expected the node's spec (an object with id and agent)" },
);

/** A job's data: one attempt of one node, everything but the coordinator-side hooks. */
export const JobDataSchema = z.strictObject({
  v: z.literal(JOB_FORMAT_VERSION),
  runId: z.string().min(1),
  nodeId: z.string().min(1),
  agent: z.string().min(1),
  priority: PrioritySchema,
  attempt: z.number().int().min(1),
  idempotencyKey: z.string().min(1),
  prompt: z.string(),
  node: NodeSpecShape,
});
export type JobData = z.infer<typeof JobDataSchema>;

/** The job data of a task. */
export function jobDataOf(task: AgentTask): JobData {
  return {
    v: JOB_FORMAT_VERSION,
    runId: task.runId,
    nodeId: task.nodeId,
    agent: task.agent,
    priority: task.priority,
    attempt: task.attempt,
    idempotencyKey: task.idempotencyKey,
    prompt: task.prompt,
    node: task.node,
  };
}

/** The worker's side of a failure, as the coordinator classifies it again. */
export const RemoteFailureSchema = z.strictObject({
  hybridFailure: z.literal(JOB_FORMAT_VERSION),
  kind: z.enum(["transient", "permanent", "timeout", "aborted", "breaker-open"]),
  error: ErrorInfoSchema,
  worker: z.string(),
});
export type RemoteFailure = z.infer<typeof RemoteFailureSchema>;

/** The text a worker fails a job with (BullMQ keeps an error's message as the job's `failedReason`). */
export function encodeFailure(kind: ErrorClass, error: ErrorInfo, worker: string): string {
  const failure: RemoteFailure = { hybridFailure: JOB_FORMAT_VERSION, kind, error, worker };
  return JSON.stringify(failure);
}

/** A failure a worker encoded, or undefined for any other reason text (BullMQ's own: a stall, a lost lock). */
export function decodeFailure(reason: string | undefined): RemoteFailure | undefined {
  if (reason === undefined || !reason.startsWith("{")) return undefined;
  try {
    const parsed = RemoteFailureSchema.safeParse(JSON.parse(reason));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
