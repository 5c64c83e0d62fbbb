import { PRIORITIES, PrioritySchema, type Priority } from "@hybrid/graph";
import { z } from "zod";
import { InvalidScheduleOptionsError, type OptionProblem } from "./errors.js";

const priorityOrder = z
  .array(PrioritySchema)
  .refine((order) => order.length === PRIORITIES.length && new Set(order).size === PRIORITIES.length, {
    message: `must list each of ${PRIORITIES.join(", ")} exactly once`,
  });

export const ScheduleOptionsSchema = z.strictObject({
  /**
   * Priority classes, first served first among ready nodes.
   * @default ["security", "architecture", "implementation", "docs"]
   */
  priorityOrder: priorityOrder.default([...PRIORITIES]),
  /** Weight of a node without `estimateMs` when ranking by remaining critical path. @default 1 */
  defaultEstimateMs: z.number().finite().nonnegative().default(1),
});

export type ScheduleOptions = z.input<typeof ScheduleOptionsSchema>;
export type ScheduleConfig = z.output<typeof ScheduleOptionsSchema>;

/** Per-priority concurrency caps; a class without an entry is limited only by `maxParallel`. */
export const PriorityCapsSchema = z.partialRecord(PrioritySchema, z.number().int().min(1));
export type PriorityCaps = Partial<Record<Priority, number>>;

/**
 * Parses options with a zod schema, turning a ZodError into our error with each problem's path
 * (`priorityOrder[0]`; an unknown option is named by its own path).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems: OptionProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code !== "unrecognized_keys") {
      problems.push({ path: z.core.toDotPath(issue.path), message: issue.message });
      continue;
    }
    for (const key of issue.keys) problems.push({ path: z.core.toDotPath([...issue.path, key]), message: "unknown option" });
  }
  throw new InvalidScheduleOptionsError(what, problems);
}
