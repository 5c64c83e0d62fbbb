import { z } from "zod";
import { InvalidAgentResultError } from "./errors.js";
import type { AgentResult } from "./runner.js";

const TokenCountSchema = z.number().int().nonnegative();

/** What a runner must resolve with; anything else fails that node, and only that node. */
export const AgentResultSchema = z.looseObject({
  output: z.string(),
  tokens: z.strictObject({ input: TokenCountSchema, output: TokenCountSchema }).optional(),
});

/**
 * Checks a runner's result at the boundary, so that NaN tokens or a missing output fail the node
 * with a message saying what was wrong, instead of corrupting the journal or the telemetry.
 * @throws InvalidAgentResultError
 */
export function validateAgentResult(nodeId: string, value: unknown): AgentResult {
  const result = AgentResultSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidAgentResultError(
      nodeId,
      result.error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message })),
    );
  }
  return result.data.tokens === undefined ? { output: result.data.output } : { output: result.data.output, tokens: result.data.tokens };
}
