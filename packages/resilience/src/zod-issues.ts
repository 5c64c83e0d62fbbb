import { z } from "zod";
import type { ValidationIssue } from "./errors.js";

/** Turns a ZodError into our issue list (paths such as `nodes[3].dependsOn[0]`), so no raw zod dump crosses the package boundary. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
}
